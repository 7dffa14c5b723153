"""One test per MARC 21 rule that the exported records follow (issue 8, item 1).

Each test's docstring names the definition it checks, from the MARC 21 Format for Bibliographic
Data (https://www.loc.gov/marc/bibliographic/) or RDA.
"""

from urllib.parse import urlsplit

import pymarc
import pytest

from repository.choices import MaterialType
from repository.marc import build_record, control_number
from repository.marc.build import nonfiling_characters, split_title
from repository.marc.text import file_size_words

PDF = "pdf/maint-guide.vi.pdf"
MP3 = "audio/sach_noi_espeak_vi.mp3"
PPTX = "office/test.pptx"


def values(record, tag, code):
    return [value for field in record.get_fields(tag) for value in field.get_subfields(code)]


def sound_007(record):
    (field,) = [f for f in record.get_fields("007") if f.data.startswith("s")]
    return field.data


def test_007_sound_recording_capture_and_storage_is_digital(make_material):
    """MARC 21 Bibliographic, 007 Sound recording /13 Capture and storage technique: "d" Digital storage.

    An MP3 file is stored digitally; "e" (analog electrical storage) is for analogue recordings.
    """
    record = build_record(make_material(MP3, material_type=MaterialType.AUDIOBOOK))
    data = sound_007(record)
    assert len(data) == 14
    assert data[0:2] == "sr"  # sound recording, remote
    assert data[13] == "d"


@pytest.mark.parametrize(
    ("material_type", "fixture", "leader_06", "content"),
    [
        (MaterialType.DIGITISED, MP3, "i", ["spw"]),  # a digitised cassette: a sound recording
        (MaterialType.AUDIOBOOK, PDF, "a", ["txt"]),  # an audiobook's script: language material
        (MaterialType.LESSON_PLAN, "audio/jfk.flac", "i", ["spw"]),
        (MaterialType.SLIDES, PPTX, "a", ["txt", "sti"]),
    ],
)
def test_type_of_record_follows_the_file(make_material, material_type, fixture, leader_06, content):
    """MARC 21 Bibliographic, Leader/06 Type of record: the type of the resource itself, i.e. its file.

    336 Content type agrees with it: "spw" (spoken word) for a sound recording, "txt" for text.
    """
    record = build_record(make_material(fixture, material_type=material_type))
    assert record.leader[6] == leader_06
    assert values(record, "336", "b") == content
    # 306 Playing time only for a sound recording (the probe found the duration)
    assert bool(record.get_fields("306")) == (leader_06 == "i")


def test_video_file_is_a_projected_medium_videorecording(make_material):
    """MARC 21 Bibliographic, Leader/06 "g" Projected medium; 008/33 Type of visual material "v"
    Videorecording."""
    page = make_material(PDF, material_type=MaterialType.VIDEO)
    page.file.media_kind = "video"
    page.file.duration_seconds = 1500
    page.file.save()
    record = build_record(page)
    fixed = record["008"].data
    assert record.leader[6] == "g"
    assert fixed[18:21] == "025"  # running time in minutes
    assert fixed[33] == "v"
    assert values(record, "336", "b") == ["tdi"]


def test_slides_are_language_material_not_photographic_slides(make_material):
    """MARC 21 Bibliographic, Leader/06 "a" Language material with the 008 Books layout (008/18-34).

    Lecture slides (PPTX) are text with images (336 txt + sti); leader/06 "g" with 008/33 "s" would
    say "Slide: a photographic transparency for a projector".
    """
    record = build_record(make_material(PPTX, material_type=MaterialType.SLIDES))
    fixed = record["008"].data
    assert record.leader[6] == "a"
    assert fixed[23] == "o"  # Books 008/23 Form of item: online
    assert fixed[33] == "0"  # Books 008/33 Literary form: not fiction
    assert values(record, "336", "b") == ["txt", "sti"]
    assert values(record, "347", "b") == ["PPTX"]
    assert values(record, "300", "a")[0].endswith("trang chiếu)")


def test_library_as_creator_is_a_corporate_name(make_material, school):
    """MARC 21 Bibliographic, 110 Main Entry--Corporate Name and 710 Added Entry--Corporate Name,
    first indicator 2 "Name in direct order"; a person stays in 100/700."""
    page = make_material(
        MP3, material_type=MaterialType.DIGITISED,
        creators=f"{school['a'].name}\nNguyễn Thị Lan\nSở Giáo dục và Đào tạo TP Hồ Chí Minh",
    )
    record = build_record(page)
    assert record.get("100") is None
    assert record["110"].indicators == pymarc.Indicators("2", " ")
    assert record["110"]["a"] == f"{school['a'].name},"
    assert [f["a"] for f in record.get_fields("710")] == ["Sở Giáo dục và Đào tạo TP Hồ Chí Minh,"]
    assert record["710"].indicators == pymarc.Indicators("2", " ")
    persons = [(f["a"], tuple(f.indicators)) for f in record.get_fields("700")]
    assert persons == [("Nguyễn Thị Lan,", ("0", " "))]


def test_vietnamese_personal_names_in_direct_order(make_material):
    """MARC 21 Bibliographic, 100/700 first indicator 0 "Forename": the name in direct order.

    Vietnamese names are entered as written ("Nguyễn Thị Lan"), as the National Library of Vietnam
    does; indicator 1 "Surname" would declare an inverted form ("Nguyễn, Thị Lan") they do not have.
    """
    record = build_record(make_material(PDF, creators="Nguyễn Thị Lan\nTrần Văn Bình"))
    assert record["100"].indicators == pymarc.Indicators("0", " ")
    assert record["100"]["a"] == "Nguyễn Thị Lan,"
    assert [tuple(f.indicators) for f in record.get_fields("700")] == [("0", " ")]
    assert all("," not in f["a"][:-1] for f in record.get_fields("100", "700"))


def test_856_format_type_describes_its_own_uri(make_material):
    """MARC 21 Bibliographic, 856 Electronic Location and Access, $q Electronic format type: the
    format of the resource at the $u of the same field. The landing page is text/html; the file
    has its own 856 with its MIME type."""
    page = make_material(MP3, material_type=MaterialType.AUDIOBOOK)
    landing, original = build_record(page).get_fields("856")
    assert tuple(landing.indicators) == tuple(original.indicators) == ("4", "0")
    assert landing["u"].endswith(page.url) and landing["q"] == "text/html"
    assert original["u"].endswith(page.file.url) and original["q"] == page.file.content_type == "audio/mpeg"


def test_856_file_link_serves_the_file(make_material, client):
    """The 856 of the file leads to the stored original (a public material: anyone may fetch it)."""
    page = make_material(PDF, access_level="public")
    _landing, original = build_record(page).get_fields("856")
    response = client.get(urlsplit(original["u"]).path)
    assert response.status_code == 200
    assert response["Content-Type"] == original["q"]


def test_subject_and_genre_terms_have_no_unregistered_source(make_material):
    """MARC 21 Bibliographic, 650 and 655 second indicator 4 "Source not specified", with no $2.

    "CTGDPT 2018" and "hoclieu" are not in the Subject Heading and Term Source Codes; a $2 may only
    hold a registered code (second indicator 7).
    """
    record = build_record(make_material(PDF, subject="toan"))
    for tag in ("650", "655"):
        (field,) = record.get_fields(tag)
        assert field.indicators.second == "4"
        assert field.get_subfields("2") == []
    assert values(record, "650", "a") == ["Toán"]


def test_extent_of_an_online_resource(make_material):
    """RDA 3.4.1.3 / MARC 21 Bibliographic 300 $a Extent: "1 online resource (64 pages)", in Vietnamese."""
    record = build_record(make_material(PDF))
    assert values(record, "300", "a") == ["1 tài nguyên trực tuyến (64 trang)"]


def test_digital_file_characteristics(make_material):
    """MARC 21 Bibliographic, 347 Digital File Characteristics: $a File type (RDA term, $2 rdaft),
    $b Encoding format, $c File size."""
    page = make_material(PDF)
    record = build_record(page)
    (field,) = record.get_fields("347")
    assert field["a"] == "tệp văn bản"
    assert field["b"] == "PDF"
    assert field["c"] == file_size_words(page.file.file_size)
    assert field["2"] == "rdaft"

    audio = build_record(make_material(MP3, material_type=MaterialType.AUDIOBOOK))
    assert values(audio, "347", "a") == ["tệp âm thanh"] and values(audio, "347", "b") == ["MP3"]


@pytest.mark.parametrize(
    ("size", "words"), [(845, "845 B"), (186_368, "182 KB"), (1_572_864, "1,5 MB"), (52_428_800, "50 MB")]
)
def test_file_size_words(size, words):
    assert file_size_words(size) == words


@pytest.mark.parametrize(
    ("title", "proper", "remainder"),
    [
        ("Bài giảng điện tử: Phân số", "Bài giảng điện tử", "Phân số"),
        ("Phân số : ôn tập", "Phân số", "ôn tập"),
        ("Giờ học lúc 10:30", "Giờ học lúc 10:30", ""),
        ("Phân số", "Phân số", ""),
    ],
)
def test_split_title(title, proper, remainder):
    assert split_title(title) == (proper, remainder)


def test_subtitle_in_245_b(make_material):
    """MARC 21 Bibliographic, 245 $b Remainder of title, with ISBD punctuation: "$a Title : $b rest / $c"."""
    record = build_record(make_material(PDF, title="Bài giảng điện tử: Phân số", creators="Nguyễn Thị Lan"))
    title = record["245"]
    assert title["a"] == "Bài giảng điện tử :"
    assert title["b"] == "Phân số /"
    assert title["c"] == "Nguyễn Thị Lan."


@pytest.mark.parametrize(
    ("title", "language", "indicator"),
    [
        ("The Inaugural Address", "eng", "4"),
        ("A Christmas Carol", "eng", "2"),
        ("An English reader", "eng", "3"),
        ("Another day", "eng", "0"),
        ("The Inaugural Address", "vie", "0"),  # only when the record's language is English
        ("A Phủ", "vie", "0"),
    ],
)
def test_245_nonfiling_characters_for_english_articles(make_material, title, language, indicator):
    """MARC 21 Bibliographic, 245 second indicator Nonfiling characters (articles of Appendix E)."""
    assert nonfiling_characters(title, language) == indicator
    record = build_record(make_material(PDF, title=title, language=language))
    assert record["245"].indicators.second == indicator


def test_spoken_language_in_041_d(make_material):
    """MARC 21 Bibliographic, 041 $d Language code of sung or spoken text (not $a) for a sound recording."""
    audio = build_record(make_material(MP3, material_type=MaterialType.AUDIOBOOK, language="vie"))
    assert values(audio, "041", "d") == ["vie"] and values(audio, "041", "a") == []
    text = build_record(make_material(PDF, language="eng"))
    assert values(text, "041", "a") == ["eng"] and values(text, "041", "d") == []


def test_deleted_record_status(make_material):
    """MARC 21 Bibliographic, Leader/05 Record status "d" Deleted, with the same 001/003."""
    page = make_material(PDF)
    record = build_record(page, deleted=True)
    assert record.leader[5] == "d"
    assert record["001"].data == control_number(page.pk)


def test_control_number_and_library_organization_code(make_material, school, settings):
    """MARC 21 Bibliographic, 001 Control Number (stable: "HL" + page id) and 003 Control Number
    Identifier (the MARC organisation code of the library, else the installation's)."""
    settings.HOCLIEU_MARC_ORG_CODE = "VN-HOCLIEU"
    settings.HOCLIEU_MARC_ORG_CODES = {school["b"].code: "VN-THCSLL"}
    own = make_material(PDF, parent=school["index_b"], owner=school["reviewer_b"])
    shared = make_material(PDF)
    first = build_record(own)
    assert first["001"].data == f"HL{own.pk:08d}" == build_record(own)["001"].data
    assert first["003"].data == "VN-THCSLL"
    assert values(first, "040", "a") == values(first, "040", "c") == ["VN-THCSLL"]
    assert build_record(shared)["003"].data == "VN-HOCLIEU"


def test_koha_item_type_in_942_c(make_material, settings):
    """Koha's local 942 $c Koha item type, per material type, only when the setting names one."""
    settings.HOCLIEU_MARC_KOHA_ITEM_TYPES = {"audiobook": "SACHNOI"}
    audio = build_record(make_material(MP3, material_type=MaterialType.AUDIOBOOK))
    assert values(audio, "942", "c") == ["SACHNOI"]
    assert build_record(make_material(PDF)).get("942") is None
