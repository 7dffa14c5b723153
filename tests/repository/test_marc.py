"""MARC 21 records of materials (repository.marc) and their download views (repository.views.marc)."""

import re
import unicodedata
import xml.etree.ElementTree as ET
from io import BytesIO
from urllib.parse import urlsplit

import pymarc
import pytest
from django.urls import reverse
from django.utils import timezone

from repository.choices import RIGHTS_URLS, MaterialType
from repository.marc import (
    MARCXML_NAMESPACE,
    MarcBuildError,
    MarcRecordTooLong,
    as_iso2709,
    as_marcxml,
    build_record,
    control_number,
)
from repository.marc.build import duration_words

PDF = "pdf/maint-guide.vi.pdf"
MP3 = "audio/sach_noi_espeak_vi.mp3"
FIXTURE_BY_TYPE = {
    MaterialType.LESSON_PLAN: PDF,
    MaterialType.SLIDES: "office/test.pptx",
    MaterialType.AUDIOBOOK: MP3,
    MaterialType.DIGITISED: PDF,
    MaterialType.VIDEO: PDF,
}


def subfield_values(record, tag, code):
    return [value for field in record.get_fields(tag) for value in field.get_subfields(code)]


def field_dump(record):
    """Every field as (tag, indicators, subfields or data), for comparing records."""
    dump = []
    for field in record.get_fields():
        if field.control_field:
            dump.append((field.tag, field.data))
        else:
            subfields = tuple((s.code, s.value) for s in field.subfields)
            dump.append((field.tag, tuple(field.indicators), subfields))
    return dump


def read_iso2709(data):
    return list(pymarc.MARCReader(BytesIO(data), to_unicode=True, force_utf8=True))


# --- The record ---------------------------------------------------------------------------------


# The file each material type holds here, and the leader/06 its record gets from that file.
LEADER_06_BY_FIXTURE_TYPE = {
    MaterialType.LESSON_PLAN: "a",
    MaterialType.SLIDES: "a",  # PPTX: text and images, not a projected medium
    MaterialType.AUDIOBOOK: "i",
    MaterialType.DIGITISED: "a",
    MaterialType.VIDEO: "a",  # the fixture is a PDF: the file, not the type, decides
}


@pytest.mark.parametrize("material_type", list(MaterialType))
def test_leader_of_every_material_type(make_material, material_type):
    """MARC 21 Bibliographic, Leader: 05 "n", 06 from the file, 07 "m", 09 "a" (UCS), 18 "i"."""
    page = make_material(FIXTURE_BY_TYPE[material_type], material_type=material_type)
    leader = build_record(page).leader
    assert leader[6] == LEADER_06_BY_FIXTURE_TYPE[material_type]
    assert (leader[5], leader[7], leader[9], leader[18]) == ("n", "m", "a", "i")
    assert str(leader)[20:24] == "4500"


def test_control_fields(make_material, settings):
    settings.HOCLIEU_MARC_ORG_CODE = "VN-THCSND"
    page = make_material(PDF, language="eng")
    record = build_record(page)

    assert record["001"].data == f"HL{page.pk:08d}" == control_number(page.pk)
    assert record["003"].data == "VN-THCSND"
    assert subfield_values(record, "040", "a") == ["VN-THCSND"]
    last = timezone.localtime(page.last_published_at)
    assert re.fullmatch(r"\d{14}\.\d", record["005"].data)
    assert record["005"].data.startswith(last.strftime("%Y%m%d%H%M%S"))

    fixed = record["008"].data
    first = timezone.localtime(page.first_published_at)
    assert len(fixed) == 40
    assert fixed[0:6] == first.strftime("%y%m%d")
    assert fixed[6] == "s" and fixed[7:11] == str(first.year)
    assert fixed[15:18] == "vm "
    assert fixed[35:38] == "eng"
    assert subfield_values(record, "041", "a") == ["eng"]
    assert record["007"].data.startswith("cr")


@pytest.mark.parametrize(("grade", "audience"), [(2, "b"), (6, "c"), (9, "d"), (12, "d"), (None, " ")])
def test_008_target_audience_from_grade(make_material, grade, audience):
    page = make_material(PDF, grade=grade)
    record = build_record(page)
    assert record["008"].data[22] == audience
    assert record["008"].data[23] == "o"  # books: form of item online
    if grade:
        assert subfield_values(record, "521", "a") == [f"Lớp {grade}"]
    else:
        assert record.get("521") is None


def test_ddc_only_when_given(make_material):
    with_ddc = build_record(make_material(PDF, ddc="372.7"))
    assert with_ddc["082"].indicators == pymarc.Indicators("0", "4")
    assert subfield_values(with_ddc, "082", "a") == ["372.7"]
    assert subfield_values(with_ddc, "082", "2") == ["23"]
    assert build_record(make_material(PDF, ddc="")).get("082") is None


def test_first_creator_is_main_entry_others_added_entries(make_material):
    page = make_material(PDF, title="Phân số", creators="Nguyễn Thị Lan\n\n  Trần Văn Bình \nLê Hoa")
    record = build_record(page)

    assert [f["a"] for f in record.get_fields("100")] == ["Nguyễn Thị Lan,"]
    assert record["100"]["e"] == "tác giả"
    assert [f["a"] for f in record.get_fields("700")] == ["Trần Văn Bình,", "Lê Hoa,"]
    assert record.get("110") is None and record.get("710") is None
    title = record["245"]
    assert title.indicators == pymarc.Indicators("1", "0")
    assert title["a"] == "Phân số /"
    assert title["c"] == "Nguyễn Thị Lan, Trần Văn Bình, Lê Hoa."


def without_creators(page):
    """`page` with no creators (the editor requires them; imported or older records may lack them)."""
    type(page).objects.filter(pk=page.pk).update(creators=" \n ")
    page.refresh_from_db()
    return page


def test_title_without_creators_has_no_main_entry(make_material):
    record = build_record(without_creators(make_material(PDF, title="Tài liệu số hoá")))
    assert record.get("100") is None and record.get("700") is None
    assert record["245"].indicators.first == "0"
    assert record["245"]["a"] == "Tài liệu số hoá."
    assert record["245"].get_subfields("c") == []


def test_publication_is_the_library_and_year(make_material, school):
    page = make_material(PDF)
    publication = build_record(page)["264"]
    assert publication.indicators == pymarc.Indicators(" ", "1")
    assert publication["a"] == f"{school['a'].province} :"
    assert publication["b"] == f"{school['a'].name},"
    assert publication["c"] == f"{timezone.localtime(page.first_published_at).year}."


def test_extent_counts_pages_once_known(make_material):
    page = make_material(PDF)
    page.file.page_count = None
    page.file.save()
    assert subfield_values(build_record(page), "300", "a") == ["1 tài nguyên trực tuyến"]

    page.file.page_count = 64
    page.file.save()
    record = build_record(page)
    assert subfield_values(record, "300", "a") == ["1 tài nguyên trực tuyến (64 trang)"]
    assert record.get("306") is None
    assert subfield_values(record, "336", "b") == ["txt"]
    assert subfield_values(record, "337", "b") == ["c"]
    assert subfield_values(record, "338", "b") == ["cr"]
    assert subfield_values(record, "336", "2") == ["rdacontent"]


def test_audiobook_duration_and_sound_fields(make_material):
    page = make_material(MP3, material_type=MaterialType.AUDIOBOOK)
    page.file.duration_seconds = 3725.4  # 1 h 2 min 5.4 s
    page.file.channels = 1
    page.file.save()
    record = build_record(page)

    assert record.leader[6] == "i"
    assert subfield_values(record, "300", "a") == ["1 tài nguyên trực tuyến (1 tệp âm thanh (1 giờ 2 phút))"]
    assert subfield_values(record, "306", "a") == ["010205"]
    assert subfield_values(record, "336", "b") == ["spw"]
    assert sorted(f.data[:2] for f in record.get_fields("007")) == ["cr", "sr"]
    sound = next(f.data for f in record.get_fields("007") if f.data.startswith("s"))
    assert len(sound) == 14 and sound[4] == "m"  # monaural
    fixed = record["008"].data
    assert len(fixed) == 40 and fixed[22] == "c" and fixed[23] == "o"  # music layout
    assert subfield_values(record, "856", "q") == ["text/html", "audio/mpeg"]


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (11.05, "11 giây"), (185, "3 phút 5 giây"), (120, "2 phút"),
        (3725.4, "1 giờ 2 phút"), (3599.6, "1 giờ"),
    ],
)
def test_duration_words(seconds, words):
    assert duration_words(seconds) == words


def test_rights_series_notes_subject_keywords_genre(make_material):
    page = make_material(
        PDF, rights="CC-BY-4.0", rights_holder="Trường THCS Nguyễn Du", textbook_series="kntt",
        lesson="Bài 3. Phân số", school_year="2025-2026", semester=2, summary="Ôn tập phân số.",
    )
    page.keywords.add("phân số", "ôn tập")
    page.save()
    record = build_record(page)

    assert subfield_values(record, "540", "u") == [RIGHTS_URLS["CC-BY-4.0"]]
    assert subfield_values(record, "542", "d") == ["Trường THCS Nguyễn Du"]
    assert subfield_values(record, "490", "a") == ["Kết nối tri thức với cuộc sống"]
    assert subfield_values(record, "500", "a") == [
        "Bài / chủ đề: Bài 3. Phân số.", "Năm học 2025-2026, Học kì II.",
    ]
    assert subfield_values(record, "520", "a") == ["Ôn tập phân số."]
    assert subfield_values(record, "650", "a") == ["Toán"]
    assert sorted(subfield_values(record, "653", "a")) == ["phân số", "ôn tập"]
    assert subfield_values(record, "655", "a") == ["Giáo án / kế hoạch bài dạy"]


def test_all_rights_reserved_has_no_licence_url(make_material):
    record = build_record(make_material(PDF, rights="all-rights-reserved"))
    assert subfield_values(record, "540", "a") == ["Bảo lưu mọi quyền."]
    assert subfield_values(record, "540", "u") == []


@pytest.mark.parametrize(("level", "restricted"), [("public", "0"), ("group", "1"), ("school", "1")])
def test_access_level_in_506(make_material, level, restricted):
    record = build_record(make_material(PDF, access_level=level))
    assert record["506"].indicators.first == restricted


def test_856_is_absolute_and_leads_to_the_page(make_material, client):
    page = make_material(PDF)
    record = build_record(page)
    url = record["856"]["u"]
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https") and parts.netloc
    assert parts.path == page.url
    assert record["856"].indicators == pymarc.Indicators("4", "0")
    assert record["856"]["q"] == "text/html"
    assert client.get(parts.path).status_code == 200

    other = build_record(page, base_url="https://hoclieu.example.vn/")["856"]["u"]
    assert other == "https://hoclieu.example.vn" + page.url


def test_page_outside_any_site_is_a_clear_error(make_material):
    from wagtail.models import Site

    page = make_material(PDF)
    Site.objects.all().delete()
    try:
        page = type(page).objects.get(pk=page.pk)
        with pytest.raises(MarcBuildError):
            build_record(page)
    finally:
        # Wagtail caches the sites' root paths; the rollback after this test brings the sites back
        # without a signal, so forget the cached empty list.
        Site.clear_site_root_paths_cache()


def test_decomposed_vietnamese_comes_out_precomposed(make_material):
    title, creator, summary = "Tiếng Việt lớp 6", "Nguyễn Thị Lan", "Bài học về ước số"
    page = make_material(
        PDF, title=unicodedata.normalize("NFD", title), creators=unicodedata.normalize("NFD", creator),
        summary=unicodedata.normalize("NFD", summary),
    )
    assert not unicodedata.is_normalized("NFC", page.title)
    record = build_record(page)

    for field in record.get_fields():
        values = [field.data] if field.control_field else [s.value for s in field.subfields]
        for value in values:
            assert unicodedata.is_normalized("NFC", value), (field.tag, value)
    assert record["245"]["a"] == f"{title} /"
    assert record["100"]["a"] == f"{creator},"
    assert subfield_values(record, "520", "a") == [summary]
    assert title.encode("utf-8") in as_iso2709(record)
    assert title.encode("utf-8") in as_marcxml(record)


def test_control_characters_cannot_break_the_record(make_material):
    page = make_material(PDF, summary="một\x1ehai\x1fba\x1d\nbốn\x0bnăm")
    data = as_iso2709(build_record(page))
    assert data.count(b"\x1d") == 1  # only the record terminator
    (record,) = read_iso2709(data)
    assert record["520"]["a"] == "một hai ba bốn năm"
    ET.fromstring(as_marcxml(build_record(page)))


def test_round_trip_iso2709(make_material):
    pages = [
        make_material(PDF, ddc="372.7", creators="A Một\nB Hai", summary="Tóm tắt"),
        make_material(MP3, material_type=MaterialType.AUDIOBOOK, textbook_series="canh-dieu"),
    ]
    records = [build_record(page) for page in pages]
    data = as_iso2709(records)

    read = read_iso2709(data)
    assert [field_dump(r) for r in read] == [field_dump(r) for r in records]
    for original, again in zip(records, read, strict=True):
        assert again.leader[5:10] == original.leader[5:10]
        assert int(str(again.leader)[0:5]) == len(as_iso2709(original))


def test_round_trip_marcxml_in_the_slim_namespace(make_material):
    pages = [make_material(PDF, ddc="895.922", creators="Tô Hoài"), without_creators(make_material(PDF))]
    records = [build_record(page) for page in pages]
    data = as_marcxml(records)

    root = ET.fromstring(data)
    assert root.tag == f"{{{MARCXML_NAMESPACE}}}collection"
    assert [child.tag for child in root] == [f"{{{MARCXML_NAMESPACE}}}record"] * 2
    read = pymarc.parse_xml_to_array(BytesIO(data), strict=True)
    assert [field_dump(r) for r in read] == [field_dump(r) for r in records]
    assert [str(r.leader) for r in read] == [str(r.leader) for r in records]


def test_long_summary_splits_520_and_too_long_record_is_refused(make_material):
    words = "Học liệu số của thư viện trường. " * 600  # about 20,000 bytes of UTF-8
    page = make_material(PDF, summary=words)
    record = build_record(page)
    chunks = subfield_values(record, "520", "a")
    assert len(chunks) > 1
    assert " ".join(chunks) == words.strip()
    assert all(len(chunk.encode("utf-8")) <= 9000 for chunk in chunks)
    assert len(read_iso2709(as_iso2709(record))) == 1

    huge = build_record(make_material(PDF, summary=words * 6))
    with pytest.raises(MarcRecordTooLong):
        as_iso2709(huge)
    assert len(pymarc.parse_xml_to_array(BytesIO(as_marcxml(huge)))) == 1


# --- Download views -----------------------------------------------------------------------------


def marc_url(page, fmt):
    return reverse("material_marc", kwargs={"page_id": page.pk, "fmt": fmt})


def test_download_iso2709(make_material, client):
    page = make_material(PDF)
    response = client.get(marc_url(page, "mrc"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/marc"
    assert response["Content-Disposition"] == f'attachment; filename="HL{page.pk:08d}.mrc"'
    (record,) = read_iso2709(response.content)
    assert record["001"].data == control_number(page.pk)


def test_download_marcxml(make_material, client):
    page = make_material(PDF)
    response = client.get(marc_url(page, "xml"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/marc+xml")
    assert "attachment" in response["Content-Disposition"]
    (record,) = pymarc.parse_xml_to_array(BytesIO(response.content), strict=True)
    assert record["001"].data == control_number(page.pk)


def test_unknown_format_missing_page_and_post(make_material, client):
    page = make_material(PDF)
    assert client.get(marc_url(page, "json")).status_code == 404
    missing = reverse("material_marc", kwargs={"page_id": page.pk + 1000, "fmt": "mrc"})
    assert client.get(missing).status_code == 404
    assert client.post(marc_url(page, "mrc")).status_code == 405


@pytest.mark.parametrize("who", [None, "teacher", "librarian"])
def test_draft_is_not_found_even_for_staff(make_material, client, school, who):
    page = make_material(PDF, publish=False)
    if who:
        client.force_login(school[who])
    assert client.get(marc_url(page, "mrc")).status_code == 404


def test_unpublished_material_is_not_found(make_material, client):
    page = make_material(PDF)
    page.unpublish()
    assert client.get(marc_url(page, "xml")).status_code == 404


@pytest.mark.parametrize(
    ("level", "who", "status"),
    [
        ("school", None, 302),
        ("school", "student", 200),
        ("school", "student_b", 404),
        ("school", "student_outsider", 404),
        ("group", None, 302),
        ("group", "student_b", 200),
        ("group", "student_outsider", 404),
        ("public", "student_outsider", 200),
    ],
)
def test_download_respects_access_level(make_material, client, school, level, who, status):
    page = make_material(PDF, access_level=level)
    if who:
        client.force_login(school[who])
    for fmt in ("mrc", "xml"):
        response = client.get(marc_url(page, fmt))
        assert response.status_code == status
        if status == 302:
            assert response["Location"].startswith("/accounts/login/")
        if status != 200:
            assert control_number(page.pk).encode() not in response.content
