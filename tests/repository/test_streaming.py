"""RFC 7233 range requests over a real stored file (repository.streaming)."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.test import RequestFactory
from django.utils.http import http_date

from repository.models import MaterialFile
from repository.streaming import (
    UNSATISFIABLE,
    ByteRange,
    RangeSpec,
    coalesce_ranges,
    parse_range_header,
    ranged_file_response,
    resolve_ranges,
    select_range,
)

AUDIO = "audio/auphonic_chapter_marks_demo.mp3"


@pytest.fixture
def stored(fixture_path, settings, tmp_path):
    """(FieldFile of the MP3 fixture saved in the default storage, its bytes)."""
    settings.MEDIA_ROOT = tmp_path
    data = fixture_path(AUDIO).read_bytes()
    name = default_storage.save("originals/demo.mp3", ContentFile(data))
    fieldfile = FieldFile(None, MaterialFile._meta.get_field("file"), name)
    fieldfile.storage = default_storage
    return fieldfile, data


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def get(fieldfile, method="get", **headers):
    request = getattr(RequestFactory(), method)("/x", headers=headers)
    return ranged_file_response(request, fieldfile)


# --- parsing (RFC 7233 §2.1) ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("bytes=0-499", [RangeSpec(first=0, last=499)]),
        ("bytes=9500-", [RangeSpec(first=9500)]),
        ("bytes=-500", [RangeSpec(suffix_length=500)]),
        ("BYTES=0-0", [RangeSpec(first=0, last=0)]),
        ("bytes= 0-1 , ,5-6", [RangeSpec(first=0, last=1), RangeSpec(first=5, last=6)]),
        ("bytes=-0", [RangeSpec(suffix_length=0)]),
    ],
)
def test_parse_range_header_valid(value, expected):
    assert parse_range_header(value) == expected


@pytest.mark.parametrize(
    "value",
    [None, "", "bytes", "bytes=", "bytes=5-1", "bytes=abc", "bytes=1-2-3", "bytes=--5", "items=0-1",
     "bytes=0-1,x", "bytes=1.5-2", "bytes=,"],
)
def test_parse_range_header_invalid_is_ignored(value):
    assert parse_range_header(value) is None


def test_resolve_ranges_against_size():
    specs = [RangeSpec(0, 9), RangeSpec(95, 200), RangeSpec(suffix_length=500), RangeSpec(100),
             RangeSpec(suffix_length=0)]
    assert resolve_ranges(specs, 100) == [ByteRange(0, 9), ByteRange(95, 99), ByteRange(0, 99)]
    assert resolve_ranges([RangeSpec(0, 0)], 0) == []


def test_coalesce_ranges_merges_overlap_and_adjacent_only():
    assert coalesce_ranges([ByteRange(10, 19), ByteRange(0, 9)]) == [ByteRange(0, 19)]
    assert coalesce_ranges([ByteRange(0, 9), ByteRange(5, 30)]) == [ByteRange(0, 30)]
    assert coalesce_ranges([ByteRange(0, 9), ByteRange(11, 20)]) == [ByteRange(0, 9), ByteRange(11, 20)]


def test_select_range_ignores_range_on_other_methods():
    request = RequestFactory().head("/x", headers={"Range": "bytes=0-1"})
    assert select_range(request, 100) is None
    request = RequestFactory().get("/x", headers={"Range": "bytes=200-"})
    assert select_range(request, 100) == UNSATISFIABLE


# --- responses over a real file ---------------------------------------------------------------


def test_no_range_sends_whole_file_with_accept_ranges(stored):
    fieldfile, data = stored
    response = get(fieldfile)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert int(response["Content-Length"]) == len(data)
    assert response["Content-Type"] == "audio/mpeg"
    assert response.streaming
    assert body(response) == data


@pytest.mark.parametrize(
    "header, first, last",
    [
        ("bytes=0-499", 0, 499),
        ("bytes=1000-", 1000, None),
        ("bytes=-500", -500, None),
        ("bytes=LAST-LAST", -1, None),
        ("bytes=-1", -1, None),
        ("bytes=100-99999999999", 100, None),
        ("bytes=0-99,100-199", 0, 199),
        ("bytes=50-150,0-60", 0, 150),
    ],
)
def test_satisfiable_range_gives_206_with_the_exact_slice(stored, header, first, last):
    fieldfile, data = stored
    size = len(data)
    header = header.replace("LAST", str(size - 1))
    response = get(fieldfile, Range=header)
    expected = data[first:] if last is None else data[first : last + 1]
    start = first % size
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{start + len(expected) - 1}/{size}"
    assert int(response["Content-Length"]) == len(expected)
    assert body(response) == expected


@pytest.mark.parametrize("header", ["bytes=SIZE-", "bytes=99999999-", "bytes=-0", "bytes=SIZE-SIZE"])
def test_unsatisfiable_range_gives_416_with_size(stored, header):
    fieldfile, data = stored
    response = get(fieldfile, Range=header.replace("SIZE", str(len(data))))
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"


@pytest.mark.parametrize("header", ["bytes=5-1", "bytes=abc", "pages=1-2", "bytes 0-10"])
def test_invalid_range_is_ignored(stored, header):
    fieldfile, data = stored
    response = get(fieldfile, Range=header)
    assert response.status_code == 200
    assert body(response) == data


def test_disjoint_ranges_send_the_whole_file(stored):
    fieldfile, data = stored
    response = get(fieldfile, Range="bytes=0-9,100-109")
    assert response.status_code == 200
    assert body(response) == data


def test_head_gives_headers_and_no_body(stored):
    fieldfile, data = stored
    response = get(fieldfile, method="head", Range="bytes=0-9")
    assert response.status_code == 200
    assert int(response["Content-Length"]) == len(data)
    assert response["Accept-Ranges"] == "bytes"
    assert response.content == b""


def test_chunks_are_bounded(stored):
    fieldfile, data = stored
    request = RequestFactory().get("/x", headers={"Range": "bytes=10-"})
    response = ranged_file_response(request, fieldfile, chunk_size=4096)
    chunks = list(response.streaming_content)
    assert len(chunks) > 1
    assert max(len(c) for c in chunks) <= 4096
    assert b"".join(chunks) == data[10:]


def test_validators_if_range_and_conditional_get(stored):
    fieldfile, data = stored
    first = get(fieldfile)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and last_modified

    assert get(fieldfile, Range="bytes=0-9", **{"If-Range": etag}).status_code == 206
    assert get(fieldfile, Range="bytes=0-9", **{"If-Range": last_modified}).status_code == 206
    stale = get(fieldfile, Range="bytes=0-9", **{"If-Range": '"other"'})
    assert stale.status_code == 200 and body(stale) == data
    weak = get(fieldfile, Range="bytes=0-9", **{"If-Range": "W/" + etag})
    assert weak.status_code == 200
    modified = default_storage.get_modified_time(fieldfile.name)
    older = http_date((modified - timedelta(days=1)).timestamp())
    assert get(fieldfile, Range="bytes=0-9", **{"If-Range": older}).status_code == 200

    assert get(fieldfile, **{"If-None-Match": etag}).status_code == 304


def test_content_type_and_disposition_can_be_given(stored):
    fieldfile, _data = stored
    request = RequestFactory().get("/x")
    response = ranged_file_response(
        request, fieldfile, content_type="audio/x-test", filename="Sách nói.mp3", as_attachment=True
    )
    assert response["Content-Type"] == "audio/x-test"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''S%C3%A1ch%20n%C3%B3i.mp3" in response["Content-Disposition"]


def test_missing_file_raises_file_not_found(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fieldfile = FieldFile(None, MaterialFile._meta.get_field("file"), "originals/gone.mp3")
    fieldfile.storage = default_storage
    with pytest.raises(FileNotFoundError):
        ranged_file_response(RequestFactory().get("/x"), fieldfile)
