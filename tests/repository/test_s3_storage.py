"""Ranged responses from S3 storage (moto in server mode on loopback) and the privacy of stored objects."""

import socket
import urllib.error
import urllib.request

import boto3
import pytest
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.test import RequestFactory
from django.urls import reverse
from moto.server import ThreadedMotoServer

from repository.models import DerivativeKind, MaterialFile
from repository.storage import PrivateMediaStorage
from repository.streaming import S3StoredFile, StoredFile, ranged_file_response
from tests.helpers import drop_derivative

BUCKET = "hoclieu-test-media"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}
AUDIO = "audio/sach_noi_espeak_vi.mp3"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """URL of a moto S3 server on 127.0.0.1 with an empty bucket BUCKET; stopped after the module."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server._port}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing",
                          aws_secret_access_key="testing", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def storage(s3_endpoint):
    return PrivateMediaStorage(endpoint_url=s3_endpoint, bucket_name=BUCKET, **CREDENTIALS)


@pytest.fixture
def s3_client(s3_endpoint):
    return boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="testing",
                        aws_secret_access_key="testing", region_name="us-east-1")


@pytest.fixture
def saved(storage, fixture_path):
    """(FieldFile on S3 holding the MP3 fixture, its bytes)."""
    data = fixture_path(AUDIO).read_bytes()
    name = storage.save("originals/sach_noi.mp3", ContentFile(data))
    fieldfile = FieldFile(None, MaterialFile._meta.get_field("file"), name)
    fieldfile.storage = storage
    return fieldfile, data


def record_get_object(storage):
    """List that receives the parameters of every S3 GetObject call the storage's client makes."""
    calls = []
    storage.connection.meta.client.meta.events.register(
        "before-call.s3.GetObject", lambda params, **kwargs: calls.append(params)
    )
    return calls


def body(response):
    return b"".join(response.streaming_content)


def test_ranged_response_reads_only_the_range_from_s3(storage, saved):
    fieldfile, data = saved
    assert isinstance(StoredFile.of(fieldfile), S3StoredFile)
    calls = record_get_object(storage)

    request = RequestFactory().get("/x", headers={"Range": "bytes=1000-5999"})
    response = ranged_file_response(request, fieldfile, chunk_size=1024)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-5999/{len(data)}"
    assert response["Content-Length"] == "5000"
    assert response["Content-Type"] == "audio/mpeg"
    assert body(response) == data[1000:6000]
    assert [call["headers"].get("Range") for call in calls] == ["bytes=1000-5999"]


def test_full_suffix_and_unsatisfiable_from_s3(saved):
    fieldfile, data = saved
    full = ranged_file_response(RequestFactory().get("/x"), fieldfile)
    assert full.status_code == 200 and full["Accept-Ranges"] == "bytes"
    assert body(full) == data
    tail = ranged_file_response(RequestFactory().get("/x", headers={"Range": "bytes=-100"}), fieldfile)
    assert body(tail) == data[-100:]
    beyond = ranged_file_response(RequestFactory().get("/x", headers={"Range": f"bytes={len(data)}-"}),
                                  fieldfile)
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(data)}"
    etag = full["ETag"]
    assert ranged_file_response(RequestFactory().get("/x", headers={"If-None-Match": etag}),
                                fieldfile).status_code == 304


def test_missing_s3_object_is_file_not_found(storage):
    fieldfile = FieldFile(None, MaterialFile._meta.get_field("file"), "originals/none.mp3")
    fieldfile.storage = storage
    with pytest.raises(FileNotFoundError):
        ranged_file_response(RequestFactory().get("/x"), fieldfile)


def test_stored_object_is_private(storage, saved, s3_client, s3_endpoint):
    fieldfile, data = saved
    key = storage._normalize_name(fieldfile.name)

    grants = s3_client.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    assert all(g["Grantee"]["Type"] == "CanonicalUser" for g in grants)

    # An unsigned GET on the raw object URL is refused ...
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3_endpoint}/{BUCKET}/{key}")
    assert refused.value.code == 403
    # ... while moto does serve a public-read object anonymously (so the refusal above is the ACL's).
    s3_client.put_object(Bucket=BUCKET, Key="public/control.txt", Body=b"ok", ACL="public-read")
    assert urllib.request.urlopen(f"{s3_endpoint}/{BUCKET}/public/control.txt").read() == b"ok"

    # The storage's own URL is signed and short-lived.
    url = storage.url(fieldfile.name)
    assert "Signature=" in url
    assert urllib.request.urlopen(url).read() == data


def test_stream_view_serves_from_s3_with_access_check(client, settings, s3_endpoint, school, make_material,
                                                     fixture_path):
    """End to end: MaterialFile stored on S3 (default storage), streamed with a range by the view."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "repository.storage.PrivateMediaStorage",
            "OPTIONS": {"endpoint_url": s3_endpoint, "bucket_name": BUCKET, **CREDENTIALS},
        },
    }
    page = make_material(AUDIO, material_type="audiobook", access_level="school")
    drop_derivative(page.file, DerivativeKind.AUDIO_RENDITION)
    assert isinstance(page.file.file.storage._wrapped, PrivateMediaStorage)
    data = fixture_path(AUDIO).read_bytes()
    url = reverse("material_stream", kwargs={"page_id": page.pk})

    client.force_login(school["student_b"])
    assert client.get(url).status_code == 404

    client.force_login(school["student"])
    response = client.get(url, headers={"Range": "bytes=0-2047"})
    assert response.status_code == 206
    assert body(response) == data[:2048]
    assert "private" in response["Cache-Control"]
