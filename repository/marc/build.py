"""Build the MARC 21 bibliographic record of a material page (MARC 21 Format for Bibliographic Data).

Where the catalogue data of a material goes (tag: source):
- Leader/06: material type (repository.choices.LEADER_06_BY_TYPE); 001 "HL" + page id; 003 org code;
  005 last published; 007 electronic resource, plus sound recording for audio; 008 fixed data;
- 040 cataloguing source; 041 language; 082 DDC; 100/700 creators; 245 title and creators;
  264 library and year of first publication; 300 extent from the file; 306 playing time;
  336/337/338 RDA content, media and carrier types;
- 490 textbook series (untraced, as in the print catalogue); 500 lesson/topic, and school year
  with semester; 506 access level; 520 summary; 521 grade; 540 licence; 542 rights holder;
- 650 subject (2018 programme); 653 keywords; 655 material type; 856 the material's page.

Text is NFC, one line, with ISBD punctuation (leader/18 "i"), as in the print catalogue.
"""

from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pymarc import Field, Indicators, Leader, Record, Subfield

from ..choices import (
    LEADER_06_BY_TYPE,
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
from .text import clean_text, duration_hhmmss, split_duration, split_utf8, with_terminal

CATALOGUING_LANGUAGE = "vi"  # 040 $b vie: the records are written in Vietnamese whatever the UI language


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


def _is_sound(page, kind):
    return page.material_type == MaterialType.AUDIOBOOK or kind == "audio"


def _is_video(page, kind):
    return page.material_type == MaterialType.VIDEO or kind == "video"


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


def build_leader(page):
    """The leader (24 characters); record length and base address are filled in by pymarc."""
    leader = Leader(c.LEADER_TEMPLATE)
    leader[5] = c.LEADER_RECORD_STATUS_NEW
    leader[6] = LEADER_06_BY_TYPE.get(page.material_type, "a")
    leader[7] = c.LEADER_BIBLIOGRAPHIC_LEVEL_MONOGRAPH
    leader[9] = c.LEADER_CODING_SCHEME_UCS
    leader[10] = "2"  # indicator count
    leader[11] = "2"  # subfield code count
    leader[17] = c.LEADER_ENCODING_LEVEL_MINIMAL
    leader[18] = c.LEADER_DESCRIPTIVE_FORM_ISBD
    leader[20:24] = "4500"
    return leader


def build_008(page, record_type, kind, entered):
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
        duration = page.file.duration_seconds if page.file else None
        if _is_video(page, kind):
            running, visual, technique = (
                _running_time_minutes(duration), c.VISUAL_TYPE_VIDEORECORDING, c.TECHNIQUE_UNKNOWN,
            )
        else:
            running, visual, technique = "nnn", c.VISUAL_TYPE_SLIDE, c.TECHNIQUE_NOT_APPLICABLE
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


def build_007(page, kind):
    """007 Physical Description Fixed Fields: electronic resource, and sound recording for audio."""
    sound = _is_sound(page, kind)
    has_sound = sound or _is_video(page, kind)
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
                    channels=c.PLAYBACK_CHANNELS.get(channels, c.PLAYBACK_CHANNELS_UNKNOWN)
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


def extent(page, kind):
    """300 $a: "1 tệp PDF (64 trang)", "1 tệp âm thanh (1 giờ 2 phút)", ... or "" without a file."""
    material_file = page.file
    if material_file is None:
        return ""
    if _is_sound(page, kind) or _is_video(page, kind):
        unit = _("1 tệp âm thanh") if _is_sound(page, kind) else _("1 tệp video")
        if material_file.duration_seconds:
            return f"{unit} ({duration_words(material_file.duration_seconds)})"
        return unit
    unit = _("1 tệp %(format)s") % {"format": material_file.file_extension.upper() or kind.upper()}
    if material_file.page_count:
        if kind == "pptx":
            detail = _("%(count)d trang chiếu") % {"count": material_file.page_count}
        else:
            detail = _("%(count)d trang") % {"count": material_file.page_count}
        return f"{unit} ({detail})"
    return unit


def _rda_field(tag, term, source):
    label, code = term
    return _field(tag, c.INDICATORS_BLANK, ("a", str(label)), ("b", code), ("2", source))


def _creator_field(tag, name):
    return _field(
        tag, c.INDICATORS_PERSONAL_NAME_SURNAME, ("a", with_terminal(name, ",")), ("e", str(c.RELATOR_AUTHOR))
    )


def _title_field(page, creators):
    title = clean_text(page.title)
    indicator1 = c.TITLE_ADDED_ENTRY_WITH_1XX if creators else c.TITLE_ADDED_ENTRY_WITHOUT_1XX
    indicators = (indicator1, c.NONFILING_NONE)
    if creators:
        return _field(
            c.TAG_TITLE_STATEMENT, indicators,
            ("a", with_terminal(title, " /")), ("c", with_terminal(", ".join(creators), ".")),
        )
    return _field(c.TAG_TITLE_STATEMENT, indicators, ("a", with_terminal(title, ".")))


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


def build_record(page, base_url=None):
    """The MARC 21 bibliographic record (a pymarc.Record) of MaterialPage `page`.

    `base_url` (e.g. "https://hoclieu.example.vn") overrides the Wagtail Site's root URL in 856 $u.
    The record describes the page as it is in the database (its live content once published); it
    does not check access: callers go through repository.access. Raises MarcBuildError when the
    page has no public URL.
    """
    page = getattr(page, "specific", page)
    with translation.override(CATALOGUING_LANGUAGE):
        return _build_record(page, base_url)


def _build_record(page, base_url):
    material_file = page.file
    kind = _media_kind(material_file)
    entered, changed = _dates(page)
    year = entered.year
    leader = build_leader(page)
    org_code = settings.HOCLIEU_MARC_ORG_CODE
    creators = [clean_text(name) for name in page.creator_list]
    creators = [name for name in creators if name]

    record = Record(leader=str(leader), force_utf8=True)
    fields = [
        Field(tag=c.TAG_CONTROL_NUMBER, data=control_number(page.pk)),
        Field(tag=c.TAG_CONTROL_NUMBER_IDENTIFIER, data=clean_text(org_code)),
        Field(tag=c.TAG_LATEST_TRANSACTION, data=latest_transaction(changed)),
        *build_007(page, kind),
        build_008(page, leader[6], kind, entered),
        _field(
            c.TAG_CATALOGING_SOURCE, c.INDICATORS_BLANK,
            ("a", org_code), ("b", c.LANGUAGE_OF_CATALOGING), ("c", org_code),
            ("e", c.DESCRIPTION_CONVENTIONS_RDA),
        ),
        _field(c.TAG_LANGUAGE_CODE, c.INDICATORS_041, ("a", _language(page))),
    ]
    if page.ddc:
        fields.append(_field(c.TAG_DDC, c.INDICATORS_082, ("a", page.ddc), ("2", c.DDC_EDITION)))
    if creators:
        fields.append(_creator_field(c.TAG_MAIN_ENTRY_PERSONAL_NAME, creators[0]))
    fields.append(_title_field(page, creators))
    fields.append(_publication_field(page, year))
    physical = extent(page, kind)
    if physical:
        fields.append(_field(c.TAG_PHYSICAL_DESCRIPTION, c.INDICATORS_BLANK, ("a", physical)))
    duration = material_file.duration_seconds if material_file else None
    if duration and (_is_sound(page, kind) or _is_video(page, kind)):
        fields.append(_field(c.TAG_PLAYING_TIME, c.INDICATORS_BLANK, ("a", duration_hhmmss(duration))))
    content_types = c.CONTENT_TYPES_BY_MATERIAL.get(page.material_type, [c.CONTENT_TEXT])
    if _is_sound(page, kind):
        content_types = [c.CONTENT_SPOKEN_WORD]
    fields += [_rda_field(c.TAG_CONTENT_TYPE, term, c.SOURCE_RDA_CONTENT) for term in content_types]
    fields.append(_rda_field(c.TAG_MEDIA_TYPE, c.MEDIA_COMPUTER, c.SOURCE_RDA_MEDIA))
    fields.append(_rda_field(c.TAG_CARRIER_TYPE, c.CARRIER_ONLINE_RESOURCE, c.SOURCE_RDA_CARRIER))
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
        c.TAG_SUBJECT_TOPICAL, c.INDICATORS_650_SOURCE_IN_2,
        ("a", _label(Subject, page.subject)), ("2", c.SUBJECT_VOCABULARY),
    ))
    for keyword in sorted({clean_text(tag.name) for tag in _keywords(page)} - {""}):
        fields.append(_field(c.TAG_INDEX_TERM_UNCONTROLLED, c.INDICATORS_BLANK, ("a", keyword)))
    fields.append(_field(
        c.TAG_INDEX_TERM_GENRE, c.INDICATORS_655_SOURCE_IN_2,
        ("a", _label(MaterialType, page.material_type)), ("2", c.GENRE_VOCABULARY),
    ))
    for name in creators[1:]:
        fields.append(_creator_field(c.TAG_ADDED_ENTRY_PERSONAL_NAME, name))
    fields.append(_field(
        c.TAG_ELECTRONIC_LOCATION, c.INDICATORS_856_HTTP_RESOURCE,
        ("u", material_url(page, base_url)),
        ("y", str(c.LINK_TEXT)),
        ("q", material_file.content_type if material_file else ""),
    ))
    record.add_field(*fields)
    return record
