"""Build the MARC 21 bibliographic record of a material page (MARC 21 Format for Bibliographic Data).

Where the catalogue data of a material goes (tag: source):
- Leader/05 "n" (or "d" for a deleted record, see build_deleted_record); leader/06 from the file's
  media kind, else the material type (constants.TYPE_OF_RECORD_BY_*); 001 "HL" + page id; 003 the
  library's MARC organisation code (settings, see organization_code); 005 latest change;
  007 electronic resource, plus sound recording for audio; 008 fixed data;
- 040 cataloguing source; 041 language ($d spoken for sound); 082 DDC; 100/110 and 700/710
  creators (persons in direct order, organisations as corporate names); 245 title, subtitle and
  creators; 264 library and year of first publication; 300 extent (RDA "1 tài nguyên trực tuyến");
  306 playing time; 336/337/338 RDA content, media and carrier types; 347 digital file;
- 490 textbook series (untraced, as in the print catalogue); 500 lesson/topic, and school year
  with semester; 506 access level; 520 summary; 521 grade; 540 licence; 542 rights holder;
- 650 subject (2018 programme) and 655 material type, both "source not specified"; 653 keywords;
  856 the material's page (text/html) and its file (the file's MIME type); 942 $c Koha item type
  when settings.HOCLIEU_MARC_KOHA_ITEM_TYPES names one.

Text is NFC, one line, with ISBD punctuation (leader/18 "i"), as in the print catalogue.
"""

from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pymarc import Field, Indicators, Leader, Record, Subfield

from ..choices import (
    RIGHTS_URLS,
    AccessLevel,
    MaterialType,
    Rights,
    Semester,
    Subject,
    TextbookSeries,
)
from . import constants as c
from .errors import MarcBuildError
from .text import clean_text, duration_hhmmss, file_size_words, split_duration, split_utf8, with_terminal

CATALOGUING_LANGUAGE = "vi"  # 040 $b vie: the records are written in Vietnamese whatever the UI language
# Settings (all optional but the first, which cms/settings/base.py defines):
# HOCLIEU_MARC_ORG_CODE: the installation's MARC organisation code (003, 040).
# HOCLIEU_MARC_ORG_CODES: {library code: MARC organisation code} for libraries that have their own.
# HOCLIEU_MARC_KOHA_ITEM_TYPES: {material type: Koha item type}, written as 942 $c.
ORG_CODES_SETTING = "HOCLIEU_MARC_ORG_CODES"
KOHA_ITEM_TYPES_SETTING = "HOCLIEU_MARC_KOHA_ITEM_TYPES"


def organization_code(library_code=None):
    """MARC organisation code (str) for 003 and 040 $a/$c of a record of library `library_code`.

    MARC 21 Bibliographic 003 Control Number Identifier: the code of the organisation whose control
    number is in 001. It is settings.HOCLIEU_MARC_ORG_CODES[library_code] when the library has its
    own code in the MARC Code List for Organizations, else settings.HOCLIEU_MARC_ORG_CODE.
    """
    codes = getattr(settings, ORG_CODES_SETTING, None) or {}
    return clean_text(codes.get(library_code) or settings.HOCLIEU_MARC_ORG_CODE)


def koha_item_type(material_type):
    """Koha item type (str) for 942 $c of a `material_type` record, or "" when none is configured."""
    item_types = getattr(settings, KOHA_ITEM_TYPES_SETTING, None) or {}
    return clean_text(item_types.get(str(material_type), ""))


def control_number(page_id):
    """001 control number of the material with page id `page_id`: "HL" + 8 digits, e.g. HL00000042."""
    return f"{c.CONTROL_NUMBER_PREFIX}{int(page_id):0{c.CONTROL_NUMBER_DIGITS}d}"


def material_url(page, base_url=None):
    """Absolute URL of `page` for 856 $u.

    With `base_url` ("https://hoclieu.example.vn"), the page's path under its Wagtail Site is joined to
    it; otherwise the Site's root URL is used (page.get_full_url()), falling back to
    settings.WAGTAILADMIN_BASE_URL when the Site gives no scheme and host.
    Raises MarcBuildError when the page is not under any Site (it has no public URL).
    """
    parts = page.get_url_parts()
    if parts is None:
        raise MarcBuildError(
            f"Trang {page.pk} không thuộc trang web (Site) nào nên không có địa chỉ công khai."
        )
    _site_id, root_url, page_path = parts
    if base_url:
        return urljoin(base_url.rstrip("/") + "/", page_path.lstrip("/"))
    url = (root_url or "") + page_path
    if not (urlsplit(url).scheme and urlsplit(url).netloc):
        url = urljoin(settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/", page_path.lstrip("/"))
    return url


def _field(tag, indicators, *subfields):
    """A data field; subfields are (code, value) pairs, empty values are left out."""
    items = [Subfield(code, clean_text(value)) for code, value in subfields if clean_text(value)]
    return Field(tag=tag, indicators=Indicators(*indicators), subfields=items)


def _local(dt):
    return timezone.localtime(dt) if timezone.is_aware(dt) else dt


def _dates(page):
    """(entered, last_changed) datetimes in local time: first and latest publication of `page`."""
    now = timezone.now()
    last = page.last_published_at or page.latest_revision_created_at or now
    first = page.first_published_at or last
    return _local(first), _local(last)


def _media_kind(material_file):
    """"pdf", "docx", "pptx", "audio", "video", ... from the pipeline, else from the MIME type."""
    if material_file is None:
        return ""
    if material_file.media_kind:
        return material_file.media_kind
    mime = material_file.content_type
    if mime.startswith("audio/"):
        return "audio"
    if mime.startswith("video/"):
        return "video"
    return material_file.file_extension.lower()


def type_of_record(material_type, kind):
    """Leader/06 Type of record (one letter) of a `material_type` material whose file is `kind`.

    MARC 21 Bibliographic, Leader/06: the code describes the resource itself, so the file decides
    when there is one: an audio file is "i" (nonmusical sound recording), a video "g" (projected
    medium), any other file (PDF, DOCX, PPTX, scans) "a" (language material). Without a file, the
    material type's usual form (constants.TYPE_OF_RECORD_BY_MATERIAL) is used.
    """
    if kind in c.TYPE_OF_RECORD_BY_MEDIA_KIND:
        return c.TYPE_OF_RECORD_BY_MEDIA_KIND[kind]
    if kind:
        return c.LEADER_TYPE_LANGUAGE_MATERIAL
    return c.TYPE_OF_RECORD_BY_MATERIAL.get(material_type, c.LEADER_TYPE_LANGUAGE_MATERIAL)


def _is_sound(record_type):
    return record_type == c.LEADER_TYPE_NONMUSICAL_SOUND


def _is_video(record_type):
    return record_type == c.LEADER_TYPE_PROJECTED_MEDIUM


def _language(page):
    code = (page.language or "").strip().lower()
    return code if len(code) == 3 and code.isalpha() else "und"


def _target_audience(grade):
    return c.TARGET_AUDIENCE_BY_GRADE.get(grade, c.TARGET_AUDIENCE_UNKNOWN)


def _running_time_minutes(seconds):
    """Visual materials 008/18-20: minutes as 3 digits; "001" under a minute, "000" over 999."""
    if seconds is None:
        return "---"
    minutes = max(1, round(seconds / 60))
    return "000" if minutes > 999 else f"{minutes:03d}"


def latest_transaction(moment):
    """005 Date and Time of Latest Transaction: "yyyymmddhhmmss.f" (tenths of a second)."""
    return moment.strftime("%Y%m%d%H%M%S") + f".{moment.microsecond // 100000}"


def build_leader(record_type, status=c.LEADER_RECORD_STATUS_NEW):
    """The leader (24 characters) with leader/06 `record_type` and leader/05 Record status `status`.

    Record length and base address are filled in by pymarc when the record is written.
    """
    leader = Leader(c.LEADER_TEMPLATE)
    leader[5] = status
    leader[6] = record_type
    leader[7] = c.LEADER_BIBLIOGRAPHIC_LEVEL_MONOGRAPH
    leader[9] = c.LEADER_CODING_SCHEME_UCS
    leader[10] = "2"  # indicator count
    leader[11] = "2"  # subfield code count
    leader[17] = c.LEADER_ENCODING_LEVEL_MINIMAL
    leader[18] = c.LEADER_DESCRIPTIVE_FORM_ISBD
    leader[20:24] = "4500"
    return leader


def build_008(page, record_type, entered):
    """008 Fixed-Length Data Elements, 40 characters (https://www.loc.gov/marc/bibliographic/bd008.html).

    00-17 and 35-39 are the same for all materials; 18-34 follow the Books (bd008b), Music (bd008m)
    or Visual Materials (bd008v) layout that leader/06 `record_type` selects.
    """
    audience = _target_audience(page.grade)
    online = c.FORM_OF_ITEM_ONLINE
    if record_type in c.MUSIC_TYPES:
        # form of composition nn, format of music n, parts n (not applicable to spoken word),
        # audience, form of item, accompanying matter (6), literary text || (no attempt to code),
        # undefined, transposition n, undefined
        material = "nnn" + "n" + audience + online + " " * 6 + "||" + " " + "n" + " "
    elif record_type in c.VISUAL_TYPES:
        # Only videorecordings are "g" here (type_of_record): 008/33 "v", 008/34 technique unknown.
        duration = page.file.duration_seconds if page.file else None
        running, visual, technique = (
            _running_time_minutes(duration), c.VISUAL_TYPE_VIDEORECORDING, c.TECHNIQUE_UNKNOWN,
        )
        material = running + " " + audience + " " * 5 + " " + online + " " * 3 + visual + technique
    else:
        # illustrations (4), audience, form of item, nature of contents (4), government publication,
        # conference 0, festschrift 0, index 0, undefined, literary form 0 (not fiction), biography
        material = " " * 4 + audience + online + " " * 4 + " " + "000" + " " + "0" + " "
    data = (
        entered.strftime("%y%m%d")
        + c.DATE_TYPE_SINGLE
        + f"{entered.year:04d}"
        + " " * 4
        + c.PLACE_VIET_NAM
        + material
        + _language(page)
        + " "  # 38 modified record: not modified
        + c.CATALOGING_SOURCE_OTHER
    )
    assert len(data) == c.FIXED_LENGTH_DATA_LENGTH, data
    return Field(tag=c.TAG_FIXED_LENGTH_DATA, data=data)


def build_007(page, record_type):
    """007 Physical Description Fixed Fields (list of pymarc Fields, each 14 characters).

    MARC 21 Bibliographic 007 Electronic resource (bd007c) for every record, and 007 Sound
    recording (bd007s) for a sound recording (leader/06 "i"): remote, playback channels from the
    probe, and /13 Capture and storage technique "d" (digital storage).
    """
    sound = _is_sound(record_type)
    has_sound = sound or _is_video(record_type)
    fields = [
        Field(
            tag=c.TAG_PHYSICAL_DESCRIPTION_FIXED,
            data=c.PHYSICAL_ELECTRONIC_TEMPLATE.format(
                sound=c.ELECTRONIC_SOUND_ON_MEDIUM if has_sound else c.ELECTRONIC_SOUND_NONE
            ),
        )
    ]
    if sound:
        channels = page.file.channels if page.file else None
        fields.append(
            Field(
                tag=c.TAG_PHYSICAL_DESCRIPTION_FIXED,
                data=c.PHYSICAL_SOUND_TEMPLATE.format(
                    channels=c.PLAYBACK_CHANNELS.get(channels, c.PLAYBACK_CHANNELS_UNKNOWN),
                    capture=c.CAPTURE_DIGITAL_STORAGE,
                ),
            )
        )
    return fields


def duration_words(seconds):
    """A duration in seconds in Vietnamese words: "1 giờ 2 phút", "3 phút 5 giây", "11 giây"."""
    hours, minutes, secs = split_duration(seconds)
    if hours:
        if secs >= 30:
            minutes += 1
            if minutes == 60:
                hours, minutes = hours + 1, 0
        parts = [_("%(n)d giờ") % {"n": hours}]
        if minutes:
            parts.append(_("%(n)d phút") % {"n": minutes})
    elif minutes:
        parts = [_("%(n)d phút") % {"n": minutes}]
        if secs:
            parts.append(_("%(n)d giây") % {"n": secs})
    else:
        parts = [_("%(n)d giây") % {"n": secs}]
    return " ".join(parts)


def extent(page, kind, record_type):
    """300 $a Extent (str), or "" without a file.

    RDA 3.4.1.3 / 3.4.1.7.5 for an online resource: the carrier "1 tài nguyên trực tuyến" ("1 online
    resource") with the number of subunits in parentheses once the probe knows them: "(64 trang)",
    "(12 trang chiếu)" for slides, "(1 tệp âm thanh (1 giờ 2 phút))" for sound,
    "(1 tệp video (25 phút))" for video.
    """
    material_file = page.file
    if material_file is None:
        return ""
    carrier = _("1 tài nguyên trực tuyến")
    if _is_sound(record_type) or _is_video(record_type):
        unit = _("1 tệp âm thanh") if _is_sound(record_type) else _("1 tệp video")
        if material_file.duration_seconds:
            unit = f"{unit} ({duration_words(material_file.duration_seconds)})"
        return f"{carrier} ({unit})"
    if material_file.page_count:
        if kind == "pptx":
            detail = _("%(count)d trang chiếu") % {"count": material_file.page_count}
        else:
            detail = _("%(count)d trang") % {"count": material_file.page_count}
        return f"{carrier} ({detail})"
    return carrier


def encoding_format(material_file, kind):
    """347 $b Encoding format (str, e.g. "PDF", "MP3", "AAC"), or "" when it cannot be told."""
    if material_file is None:
        return ""
    codec = (material_file.audio_codec or "").lower()
    if kind in ("audio", "video") and codec in c.ENCODING_FORMAT_BY_CODEC:
        return c.ENCODING_FORMAT_BY_CODEC[codec]
    extension = (material_file.file_extension or "").lower()
    if kind in c.ENCODING_FORMAT_BY_EXTENSION:  # "pdf", "docx", "pptx": the format the probe found
        return c.ENCODING_FORMAT_BY_EXTENSION[kind]
    return c.ENCODING_FORMAT_BY_EXTENSION.get(extension, extension.upper())


def _file_characteristics_field(material_file, kind, record_type):
    """347 Digital File Characteristics: $a RDA file type, $b encoding format, $c file size, $2 rdaft."""
    size = material_file.file_size
    return _field(
        c.TAG_DIGITAL_FILE_CHARACTERISTICS, c.INDICATORS_BLANK,
        ("a", str(c.FILE_TYPE_BY_MEDIA_KIND.get(kind) or c.FILE_TYPE_BY_TYPE_OF_RECORD[record_type])),
        ("b", encoding_format(material_file, kind)),
        ("c", file_size_words(size) if size else ""),
        ("2", c.SOURCE_RDA_FILE_TYPE),
    )


def _rda_field(tag, term, source):
    label, code = term
    return _field(tag, c.INDICATORS_BLANK, ("a", str(label)), ("b", code), ("2", source))


def _fold(text):
    return clean_text(text).casefold()


def is_corporate_name(name, library_names=()):
    """True when creator `name` names an organisation rather than a person.

    A creator line equal to one of `library_names` (the material's library, whose name an import
    writes as the creator) or beginning with a word that names a body ("Thư viện", "Trường",
    "THCS", "Sở", ...: constants.CORPORATE_NAME_PREFIXES) is a corporate name, entered in 110/710
    (MARC 21 Bibliographic 110 Main Entry--Corporate Name); any other is a personal name (100/700).
    """
    folded = _fold(name)
    if folded in {_fold(library) for library in library_names if library}:
        return True
    return folded.startswith(c.CORPORATE_NAME_PREFIXES)


def _creator_field(name, main, library_names):
    """100 0_ / 700 0_ for a person (direct order), 110 2_ / 710 2_ for an organisation."""
    if is_corporate_name(name, library_names):
        tag = c.TAG_MAIN_ENTRY_CORPORATE_NAME if main else c.TAG_ADDED_ENTRY_CORPORATE_NAME
        indicators = c.INDICATORS_CORPORATE_NAME_DIRECT
    else:
        tag = c.TAG_MAIN_ENTRY_PERSONAL_NAME if main else c.TAG_ADDED_ENTRY_PERSONAL_NAME
        indicators = c.INDICATORS_PERSONAL_NAME_DIRECT
    return _field(tag, indicators, ("a", with_terminal(name, ",")), ("e", str(c.RELATOR_AUTHOR)))


def split_title(title):
    """(title proper, remainder) of `title`: split at the first ": " or " : " (remainder "" if none).

    MARC 21 Bibliographic 245 $a Title / $b Remainder of title: other title information (a
    subtitle) goes in $b. A colon not followed by a space ("10:30", "http://") does not split.
    """
    title = clean_text(title)
    head, separator, tail = title.partition(c.SUBTITLE_SEPARATOR + " ")
    if not separator or not head.strip() or not tail.strip():
        return title, ""
    return head.rstrip(), tail.strip()


def nonfiling_characters(title, language):
    """245 second indicator (str "0"-"9"): characters of an initial article to skip in filing.

    MARC 21 Bibliographic 245 Second indicator Nonfiling characters, with the articles of MARC 21
    Appendix E for the record's `language` (constants.NONFILING_ARTICLES; English "The ", "A ",
    "An "). Vietnamese and other languages give "0".
    """
    articles = c.NONFILING_ARTICLES.get(language, ())
    first, space, _rest = clean_text(title).partition(" ")
    if space and first.casefold() in articles:
        return str(len(first) + 1)
    return c.NONFILING_NONE


def _title_field(page, creators, language):
    title, remainder = split_title(page.title)
    indicator1 = c.TITLE_ADDED_ENTRY_WITH_1XX if creators else c.TITLE_ADDED_ENTRY_WITHOUT_1XX
    indicators = (indicator1, nonfiling_characters(title, language))
    responsibility = with_terminal(", ".join(creators), ".") if creators else ""
    # ISBD: "Title : remainder / responsibility." -- each part ends with the mark of the next.
    parts = [("a", title)] + ([("b", remainder)] if remainder else [])
    if responsibility:
        code, text = parts[-1]
        parts[-1] = (code, with_terminal(text, " /"))
        parts.append(("c", responsibility))
    else:
        code, text = parts[-1]
        parts[-1] = (code, with_terminal(text, "."))
    if remainder:
        parts[0] = ("a", with_terminal(title, " :"))
    return _field(c.TAG_TITLE_STATEMENT, indicators, *parts)


def _publication_field(page, year):
    library = page.library
    place = clean_text(library.province) if library else ""
    place = place or _("[Việt Nam]")
    if library:
        subfields = [("a", f"{place} :"), ("b", with_terminal(clean_text(library.name), ",")),
                     ("c", f"{year}.")]
    else:
        subfields = [("a", f"{place},"), ("c", f"{year}.")]
    return _field(c.TAG_PRODUCTION_PUBLICATION, c.INDICATORS_264_PUBLICATION, *subfields)


def _notes(page):
    notes = []
    lesson = clean_text(page.lesson)
    if lesson:
        notes.append(with_terminal(_("Bài / chủ đề: %(lesson)s") % {"lesson": lesson}, "."))
    semester = str(Semester(page.semester).label) if page.semester in Semester.values else ""
    if page.school_year and semester:
        notes.append(_("Năm học %(year)s, %(semester)s.") % {"year": page.school_year, "semester": semester})
    elif page.school_year:
        notes.append(_("Năm học %(year)s.") % {"year": page.school_year})
    elif semester:
        notes.append(f"{semester}.")
    return [_field(c.TAG_GENERAL_NOTE, c.INDICATORS_BLANK, ("a", note)) for note in notes]


def _access_field(page):
    library = page.library
    if page.access_level == AccessLevel.PUBLIC:
        indicators = (c.ACCESS_UNRESTRICTED, c.BLANK)
        return _field(c.TAG_ACCESS_RESTRICTIONS, indicators, ("a", _("Truy cập tự do.")))
    if page.access_level == AccessLevel.GROUP and library and library.network:
        text = _("Chỉ dành cho bạn đọc các thư viện trong %(network)s.") % {"network": library.network.name}
    elif library:
        text = _("Chỉ dành cho bạn đọc của %(library)s.") % {"library": library.name}
    else:
        text = str(AccessLevel(page.access_level).label) + "."
    return _field(c.TAG_ACCESS_RESTRICTIONS, (c.ACCESS_RESTRICTED, c.BLANK), ("a", text))


def _keywords(page):
    """The page's keyword tags, through `tagged_items` so that a prefetch is used."""
    return [item.tag for item in page.tagged_items.all()]


def _label(choices, value):
    return str(choices(value).label) if value in choices.values else value


def build_record(page, base_url=None, deleted=False, organization=None, changed_at=None):
    """The MARC 21 bibliographic record (a pymarc.Record) of MaterialPage `page`.

    `base_url` (e.g. "https://hoclieu.example.vn") overrides the Wagtail Site's root URL in 856 $u.
    `deleted` writes leader/05 Record status "d" (deleted) instead of "n" (new), for a material
    that was unpublished since the last export (MARC 21 Bibliographic, Leader/05).
    `organization` overrides the MARC organisation code of 003/040 (default: organization_code of
    the page's library). `changed_at` (datetime) overrides 005 Date and Time of Latest Transaction,
    e.g. with the moment of unpublishing for a deleted record (default: the later of the last
    publication and the file's last processing).
    The record describes the page as it is in the database (its live content once published); it
    does not check access: callers go through repository.access. Raises MarcBuildError when the
    page has no public URL.
    """
    if not hasattr(page, "material_type"):  # a plain Page: Page.specific caches itself, a cycle
        page = page.specific
    with translation.override(CATALOGUING_LANGUAGE):
        return _build_record(page, base_url, deleted, organization, changed_at)


def file_url(material_file, page_url):
    """Absolute URL of the stored original `material_file`, on the host of `page_url` (856 $u)."""
    return urljoin(page_url, material_file.url)


def _electronic_location_fields(page, material_file, base_url):
    """856 4_0 fields: the landing page, then the file itself.

    MARC 21 Bibliographic 856 Electronic Location and Access: $q Electronic format type is "the
    data representation of the resource" at the $u of the same field, and $s File size describes
    that resource. So the landing page (where Hoclieu checks access and plays or shows the file)
    has $q text/html, and the file gets its own 856 with its MIME type in $q, rather than one
    field whose $q would describe a different resource than its $u (the size is in 347 $c). Second
    indicator 0 "Resource": both locations are of the resource the record describes.
    """
    page_url = material_url(page, base_url)
    fields = [_field(
        c.TAG_ELECTRONIC_LOCATION, c.INDICATORS_856_HTTP_RESOURCE,
        ("u", page_url), ("q", c.LANDING_PAGE_FORMAT), ("y", str(c.LINK_TEXT)),
    )]
    if material_file is not None and material_file.file:
        label = (material_file.file_extension or "").upper()
        fields.append(_field(
            c.TAG_ELECTRONIC_LOCATION, c.INDICATORS_856_HTTP_RESOURCE,
            ("u", file_url(material_file, page_url)), ("q", material_file.content_type),
            ("y", _("Tệp %(format)s") % {"format": label} if label else _("Tệp gốc")),
        ))
    return fields


def _language_field(language, record_type):
    """041 0_: $d Language code of sung or spoken text for a sound recording, else $a (text)."""
    code = "d" if _is_sound(record_type) else "a"
    return _field(c.TAG_LANGUAGE_CODE, c.INDICATORS_041, (code, language))


def _changed(page, material_file, last_published):
    """005's moment: the later of the last publication and the file's last processing."""
    processed = material_file.processed_at if material_file is not None else None
    if processed and _local(processed) > last_published:
        return _local(processed)
    return last_published


def print_twin_field(page):
    """776 08 for the print edition of `page` (its `print_twin`, a CatalogueRecord not deleted), or
    None: $i "Bản in:", $t title, $z ISBN, $w "(003)001" of the print record (MARC 21 Bibliographic
    776 Additional Physical Form Entry; $w as in 76X-78X linking entries, the control number
    prefixed by its organisation code in parentheses). A subfield without a value is left out."""
    twin = page.print_twin if page.print_twin_id else None
    if twin is None or twin.deleted:
        return None
    control = ""
    if twin.control_number:
        prefix = f"({twin.control_number_identifier})" if twin.control_number_identifier else ""
        control = prefix + twin.control_number
    return _field(
        c.TAG_ADDITIONAL_PHYSICAL_FORM_ENTRY, c.INDICATORS_776_NO_DISPLAY_CONSTANT,
        ("i", _("Bản in:")), ("t", twin.title), ("z", twin.isbn), ("w", control),
    )


def _build_record(page, base_url, deleted, organization, changed_at):
    material_file = page.file
    kind = _media_kind(material_file)
    record_type = type_of_record(page.material_type, kind)
    entered, last_published = _dates(page)
    changed = _local(changed_at) if changed_at else _changed(page, material_file, last_published)
    year = entered.year
    status = c.LEADER_RECORD_STATUS_DELETED if deleted else c.LEADER_RECORD_STATUS_NEW
    leader = build_leader(record_type, status)
    org_code = organization or organization_code(page.library.code if page.library else None)
    language = _language(page)
    library_names = [page.library.name] if page.library else []
    creators = [clean_text(name) for name in page.creator_list]
    creators = [name for name in creators if name]

    record = Record(leader=str(leader), force_utf8=True)
    fields = [
        Field(tag=c.TAG_CONTROL_NUMBER, data=control_number(page.pk)),
        Field(tag=c.TAG_CONTROL_NUMBER_IDENTIFIER, data=org_code),
        Field(tag=c.TAG_LATEST_TRANSACTION, data=latest_transaction(changed)),
        *build_007(page, record_type),
        build_008(page, record_type, entered),
        _field(
            c.TAG_CATALOGING_SOURCE, c.INDICATORS_BLANK,
            ("a", org_code), ("b", c.LANGUAGE_OF_CATALOGING), ("c", org_code),
            ("e", c.DESCRIPTION_CONVENTIONS_RDA),
        ),
        _language_field(language, record_type),
    ]
    if page.ddc:
        fields.append(_field(c.TAG_DDC, c.INDICATORS_082, ("a", page.ddc), ("2", c.DDC_EDITION)))
    if creators:
        fields.append(_creator_field(creators[0], True, library_names))
    fields.append(_title_field(page, creators, language))
    fields.append(_publication_field(page, year))
    physical = extent(page, kind, record_type)
    if physical:
        fields.append(_field(c.TAG_PHYSICAL_DESCRIPTION, c.INDICATORS_BLANK, ("a", physical)))
    duration = material_file.duration_seconds if material_file else None
    if duration and (_is_sound(record_type) or _is_video(record_type)):
        fields.append(_field(c.TAG_PLAYING_TIME, c.INDICATORS_BLANK, ("a", duration_hhmmss(duration))))
    content_types = c.CONTENT_TYPES_BY_TYPE_OF_RECORD[record_type]
    if record_type == c.LEADER_TYPE_LANGUAGE_MATERIAL and (
        kind == "pptx" or page.material_type == MaterialType.SLIDES
    ):
        content_types = c.CONTENT_TYPES_SLIDES
    fields += [_rda_field(c.TAG_CONTENT_TYPE, term, c.SOURCE_RDA_CONTENT) for term in content_types]
    fields.append(_rda_field(c.TAG_MEDIA_TYPE, c.MEDIA_COMPUTER, c.SOURCE_RDA_MEDIA))
    fields.append(_rda_field(c.TAG_CARRIER_TYPE, c.CARRIER_ONLINE_RESOURCE, c.SOURCE_RDA_CARRIER))
    if material_file is not None:
        fields.append(_file_characteristics_field(material_file, kind, record_type))
    if page.textbook_series:
        series = _label(TextbookSeries, page.textbook_series)
        fields.append(_field(c.TAG_SERIES_STATEMENT, c.INDICATORS_490_UNTRACED, ("a", series)))
    fields += _notes(page)
    fields.append(_access_field(page))
    summary = clean_text(page.summary)
    for chunk in split_utf8(summary, c.SUMMARY_CHUNK_BYTES):
        fields.append(_field(c.TAG_SUMMARY, c.INDICATORS_BLANK, ("a", chunk)))
    if page.grade:
        grade = _("Lớp %(grade)d") % {"grade": page.grade}
        fields.append(_field(c.TAG_TARGET_AUDIENCE, c.INDICATORS_BLANK, ("a", grade)))
    fields.append(_field(
        c.TAG_USE_TERMS, c.INDICATORS_BLANK,
        ("a", with_terminal(_label(Rights, page.rights), ".")), ("u", RIGHTS_URLS.get(page.rights, "")),
    ))
    if clean_text(page.rights_holder):
        fields.append(_field(
            c.TAG_COPYRIGHT_STATUS, (c.COPYRIGHT_INFORMATION_PUBLIC, c.BLANK), ("d", page.rights_holder)
        ))
    fields.append(_field(
        c.TAG_SUBJECT_TOPICAL, c.INDICATORS_650_SOURCE_NOT_SPECIFIED, ("a", _label(Subject, page.subject)),
    ))
    for keyword in sorted({clean_text(tag.name) for tag in _keywords(page)} - {""}):
        fields.append(_field(c.TAG_INDEX_TERM_UNCONTROLLED, c.INDICATORS_BLANK, ("a", keyword)))
    fields.append(_field(
        c.TAG_INDEX_TERM_GENRE, c.INDICATORS_655_SOURCE_NOT_SPECIFIED,
        ("a", _label(MaterialType, page.material_type)),
    ))
    for name in creators[1:]:
        fields.append(_creator_field(name, False, library_names))
    twin = print_twin_field(page)
    if twin is not None:
        fields.append(twin)
    fields += _electronic_location_fields(page, material_file, base_url)
    item_type = koha_item_type(page.material_type)
    if item_type:
        fields.append(_field(c.TAG_KOHA_ADDED_ENTRY_ELEMENTS, c.INDICATORS_BLANK, ("c", item_type)))
    record.add_field(*fields)
    return record


def build_deleted_record(page_id, title, deleted_at, entered=None, organization=None):
    """A deletion record (pymarc.Record) for material `page_id` that no longer exists in Hoclieu.

    MARC 21 Bibliographic, Leader/05 Record status "d" (deleted): the receiving system removes the
    record with the same 001 (control_number(page_id)) and 003 (`organization`, default
    settings.HOCLIEU_MARC_ORG_CODE). The page is gone, so the record holds what Wagtail's log kept:
    `title` in 245 $a, `deleted_at` (datetime) in 005, and 008 with date entered `entered`
    (datetime of first publication if known, else `deleted_at`). Leader/06 is "a": the log does not
    keep the material's form, and 001/003 alone identify the record to delete.
    """
    with translation.override(CATALOGUING_LANGUAGE):
        deleted_at = _local(deleted_at)
        entered = _local(entered) if entered else deleted_at
        org_code = clean_text(organization) or organization_code()
        leader = build_leader(c.LEADER_TYPE_LANGUAGE_MATERIAL, c.LEADER_RECORD_STATUS_DELETED)
        material = " " * 4 + c.TARGET_AUDIENCE_UNKNOWN + c.FORM_OF_ITEM_ONLINE + " " * 4 + " " + "000" + " 0 "
        fixed = (
            entered.strftime("%y%m%d") + c.DATE_TYPE_SINGLE + f"{entered.year:04d}" + " " * 4
            + c.PLACE_VIET_NAM + material + "und" + " " + c.CATALOGING_SOURCE_OTHER
        )
        record = Record(leader=str(leader), force_utf8=True)
        record.add_field(
            Field(tag=c.TAG_CONTROL_NUMBER, data=control_number(page_id)),
            Field(tag=c.TAG_CONTROL_NUMBER_IDENTIFIER, data=org_code),
            Field(tag=c.TAG_LATEST_TRANSACTION, data=latest_transaction(deleted_at)),
            Field(tag=c.TAG_FIXED_LENGTH_DATA, data=fixed),
            _field(
                c.TAG_CATALOGING_SOURCE, c.INDICATORS_BLANK,
                ("a", org_code), ("b", c.LANGUAGE_OF_CATALOGING), ("c", org_code),
                ("e", c.DESCRIPTION_CONVENTIONS_RDA),
            ),
            _field(
                c.TAG_TITLE_STATEMENT, (c.TITLE_ADDED_ENTRY_WITHOUT_1XX, c.NONFILING_NONE),
                ("a", with_terminal(clean_text(title) or control_number(page_id), ".")),
            ),
        )
        return record
