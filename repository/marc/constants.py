"""Named MARC 21 Bibliographic tags, indicators, codes and vocabularies that Hoclieu's records use.

Source of every value: MARC 21 Format for Bibliographic Data (https://www.loc.gov/marc/bibliographic/),
the RDA content/media/carrier term lists (https://www.loc.gov/standards/valuelist/) and, for the
Vietnamese wording of the RDA terms, the print catalogue of a Vietnamese school library that Hoclieu
imports (fixtures/marc/thcs_print_catalogue_nfc.xml: "văn bản", "không qua thiết bị", "tập").
"""

from django.utils.translation import gettext_lazy as _

from ..choices import MaterialType

# --- Tags ---------------------------------------------------------------------------------------
TAG_CONTROL_NUMBER = "001"
TAG_CONTROL_NUMBER_IDENTIFIER = "003"
TAG_LATEST_TRANSACTION = "005"
TAG_PHYSICAL_DESCRIPTION_FIXED = "007"
TAG_FIXED_LENGTH_DATA = "008"
TAG_CATALOGING_SOURCE = "040"
TAG_LANGUAGE_CODE = "041"
TAG_DDC = "082"
TAG_MAIN_ENTRY_PERSONAL_NAME = "100"
TAG_MAIN_ENTRY_CORPORATE_NAME = "110"
TAG_TITLE_STATEMENT = "245"
TAG_PRODUCTION_PUBLICATION = "264"
TAG_PHYSICAL_DESCRIPTION = "300"
TAG_PLAYING_TIME = "306"
TAG_CONTENT_TYPE = "336"
TAG_MEDIA_TYPE = "337"
TAG_CARRIER_TYPE = "338"
TAG_DIGITAL_FILE_CHARACTERISTICS = "347"
TAG_SERIES_STATEMENT = "490"
TAG_GENERAL_NOTE = "500"
TAG_ACCESS_RESTRICTIONS = "506"
TAG_SUMMARY = "520"
TAG_TARGET_AUDIENCE = "521"
TAG_USE_TERMS = "540"
TAG_COPYRIGHT_STATUS = "542"
TAG_SUBJECT_TOPICAL = "650"
TAG_INDEX_TERM_UNCONTROLLED = "653"
TAG_INDEX_TERM_GENRE = "655"
TAG_ADDED_ENTRY_PERSONAL_NAME = "700"
TAG_ADDED_ENTRY_CORPORATE_NAME = "710"
TAG_ADDITIONAL_PHYSICAL_FORM_ENTRY = "776"
TAG_ELECTRONIC_LOCATION = "856"
# Koha's local field 942 "Added entry elements": $c is the record's default item type
# (https://wiki.koha-community.org/wiki/Holdings_data_fields_(9xx)).
TAG_KOHA_ADDED_ENTRY_ELEMENTS = "942"

# --- Indicators (first, second); " " is MARC's blank "#" -------------------------------------------
BLANK = " "
INDICATORS_BLANK = (BLANK, BLANK)
INDICATORS_041 = ("0", BLANK)  # 0: item not a translation / does not include a translation
INDICATORS_082 = ("0", "4")  # 0: full edition of DDC; 4: assigned by an agency other than LC
# 100/700 first indicator 0 "Forename": the name is entered in direct order. Vietnamese names are
# written and filed in direct order (family name first, "Nguyễn Thị Lan", never inverted), which is
# how the National Library of Vietnam enters them; indicator 1 "Surname" would declare an inverted
# "Surname, Forename" form that these names do not have (bd100.html, First indicator).
INDICATORS_PERSONAL_NAME_DIRECT = ("0", BLANK)
# 110/710 first indicator 2 "Name in direct order" (bd110.html); 710 second indicator blank: not an
# analytical entry.
INDICATORS_CORPORATE_NAME_DIRECT = ("2", BLANK)
INDICATORS_264_PUBLICATION = (BLANK, "1")  # #1: publication
# 776 Additional Physical Form Entry: ind1 0 display note, ind2 8 no display constant generated
# (the relationship is in $i).
INDICATORS_776_NO_DISPLAY_CONSTANT = ("0", "8")
INDICATORS_490_UNTRACED = ("0", BLANK)  # 0: series not traced (as in the print catalogue)
# 650/655 second indicator 4 "Source not specified": the terms are Hoclieu's own lists (the 2018
# programme's subjects, the material types), which have no code in the MARC Subject Heading and
# Term Source Codes / Genre/Form Code lists, so no $2 may name them (bd650.html, bd655.html).
INDICATORS_650_SOURCE_NOT_SPECIFIED = (BLANK, "4")
INDICATORS_655_SOURCE_NOT_SPECIFIED = (BLANK, "4")
INDICATORS_856_HTTP_RESOURCE = ("4", "0")  # 4: HTTP; 0: the resource itself
# 245/1: 1 when the record has a 1XX main entry, 0 otherwise; 245/2: number of nonfiling characters
# of an initial article (bd245.html). Vietnamese has no articles; English ones (MARC 21 Appendix E,
# Initial Definite and Indefinite Articles) count only when the record's language is English.
TITLE_ADDED_ENTRY_WITH_1XX = "1"
TITLE_ADDED_ENTRY_WITHOUT_1XX = "0"
NONFILING_NONE = "0"
NONFILING_ARTICLES = {"eng": ("the", "a", "an")}
# 245 $b Remainder of title: the subtitle after the first colon followed by a space ("Tên: phụ đề",
# "Tên : phụ đề"); ISBD ends $a with " :" before it.
SUBTITLE_SEPARATOR = ":"
# 506/1: 0 no restrictions, 1 restrictions apply
ACCESS_UNRESTRICTED = "0"
ACCESS_RESTRICTED = "1"
# 542/1: 1 information is not private
COPYRIGHT_INFORMATION_PUBLIC = "1"

# --- Leader (https://www.loc.gov/marc/bibliographic/bdleader.html) -------------------------------
# 00-04 record length and 12-16 base address are zeros until pymarc computes them (as_marc).
LEADER_TEMPLATE = "00000" + " " * 7 + "00000" + " " * 7
LEADER_RECORD_STATUS_NEW = "n"  # 05
LEADER_RECORD_STATUS_DELETED = "d"  # 05: the receiving system removes its copy (matched on 001/003)
# 06 Type of record from the file's media kind (what the resource is), then from the material type
# when there is no file: a = language material, i = nonmusical sound recording, g = projected medium
# (videorecordings). Lecture slides are text with images (DESIGN.md): "a" with the Books 008, not
# "g" with 008/33 "s", which MARC defines as a photographic slide for a projector.
LEADER_TYPE_LANGUAGE_MATERIAL = "a"
LEADER_TYPE_NONMUSICAL_SOUND = "i"
LEADER_TYPE_PROJECTED_MEDIUM = "g"
TYPE_OF_RECORD_BY_MEDIA_KIND = {
    "audio": LEADER_TYPE_NONMUSICAL_SOUND,
    "video": LEADER_TYPE_PROJECTED_MEDIUM,
}
TYPE_OF_RECORD_BY_MATERIAL = {
    MaterialType.LESSON_PLAN: LEADER_TYPE_LANGUAGE_MATERIAL,
    MaterialType.SLIDES: LEADER_TYPE_LANGUAGE_MATERIAL,
    MaterialType.AUDIOBOOK: LEADER_TYPE_NONMUSICAL_SOUND,
    MaterialType.DIGITISED: LEADER_TYPE_LANGUAGE_MATERIAL,
    MaterialType.VIDEO: LEADER_TYPE_PROJECTED_MEDIUM,
}
LEADER_BIBLIOGRAPHIC_LEVEL_MONOGRAPH = "m"  # 07
LEADER_CODING_SCHEME_UCS = "a"  # 09: UCS/Unicode, stored as UTF-8
# 17 encoding level "7" (minimal level): the record is generated from the metadata the uploader
# entered and the subject group reviewed, without a cataloguer's check or authority control, so the
# ILS and the hub can see it is a candidate for upgrade (the print catalogue's records use full level).
LEADER_ENCODING_LEVEL_MINIMAL = "7"
LEADER_DESCRIPTIVE_FORM_ISBD = "i"  # 18: ISBD punctuation included (as in the print catalogue)

# --- 008 (https://www.loc.gov/marc/bibliographic/bd008.html) ------------------------------------
FIXED_LENGTH_DATA_LENGTH = 40
DATE_TYPE_SINGLE = "s"  # 008/06
PLACE_VIET_NAM = "vm "  # 008/15-17, MARC Code List for Countries
CATALOGING_SOURCE_OTHER = "d"  # 008/39: other (not a national bibliographic agency)
FORM_OF_ITEM_ONLINE = "o"
# 008/22 Target audience (defined alike for books, computer files, music and visual materials):
# b primary "approximately ages 6-8 in grades 1-3", c pre-adolescent "ages 9-13 in grades 4-8",
# d adolescent "ages 14-17 in grades 9-12". Vietnamese grades start at age 6, as in the definition.
# https://www.loc.gov/marc/bibliographic/bd008b.html
TARGET_AUDIENCE_UNKNOWN = " "
TARGET_AUDIENCE_BY_GRADE = {
    **dict.fromkeys(range(1, 4), "b"),
    **dict.fromkeys(range(4, 9), "c"),
    **dict.fromkeys(range(9, 13), "d"),
}
# Leader/06 values whose 008/18-34 use the Books, Music and Visual Materials layouts.
BOOKS_TYPES = {"a", "t"}
MUSIC_TYPES = {"c", "d", "i", "j"}
VISUAL_TYPES = {"g", "k", "o", "r"}
# Visual materials 008/33 Type of visual material, 008/34 Technique (only videorecordings get "g")
VISUAL_TYPE_VIDEORECORDING = "v"
TECHNIQUE_UNKNOWN = "u"

# --- 007 (https://www.loc.gov/marc/bibliographic/bd007.html) ------------------------------------
# Electronic resource (bd007c): c, r remote, #, 03 colour u, 04 dimensions n (not applicable),
# 05 sound (filled in), 06-08 image bit depth |||, 09 file formats a (one), 10-13 ||||.
PHYSICAL_ELECTRONIC_TEMPLATE = "cr un{sound}|||a||||"
ELECTRONIC_SOUND_NONE = " "
ELECTRONIC_SOUND_ON_MEDIUM = "a"
# Sound recording (bd007s): s, r remote (MARC Update 23, proposal 2016-01), #, 03 speed n,
# 04 playback channels (filled in), 05-12 n (not applicable to a file), 13 capture and storage
# technique d "Digital storage" (e is "Analog electrical storage", wrong for a digital file).
PHYSICAL_SOUND_TEMPLATE = "sr n{channels}nnnnnnnn{capture}"
CAPTURE_DIGITAL_STORAGE = "d"
PLAYBACK_CHANNELS = {1: "m", 2: "s", 4: "q"}  # mono, stereo, quadraphonic
PLAYBACK_CHANNELS_UNKNOWN = "u"

# --- 040 ------------------------------------------------------------------------------------------
LANGUAGE_OF_CATALOGING = "vie"
DESCRIPTION_CONVENTIONS_RDA = "rda"

# --- 082 ------------------------------------------------------------------------------------------
DDC_EDITION = "23"

# --- 100/700 relator term -----------------------------------------------------------------------
RELATOR_AUTHOR = _("tác giả")

# --- 336/337/338: RDA terms (Vietnamese, as in the print catalogue) with their codes ---------------
SOURCE_RDA_CONTENT = "rdacontent"
SOURCE_RDA_MEDIA = "rdamedia"
SOURCE_RDA_CARRIER = "rdacarrier"
CONTENT_TEXT = (_("văn bản"), "txt")
CONTENT_SPOKEN_WORD = (_("lời nói"), "spw")
CONTENT_STILL_IMAGE = (_("hình ảnh tĩnh"), "sti")
CONTENT_TWO_DIMENSIONAL_MOVING_IMAGE = (_("hình ảnh động hai chiều"), "tdi")
MEDIA_COMPUTER = (_("máy tính"), "c")
CARRIER_ONLINE_RESOURCE = (_("tài nguyên trực tuyến"), "cr")

# 336 by leader/06 (so that content and type of record agree); slides add still images to text.
CONTENT_TYPES_BY_TYPE_OF_RECORD = {
    LEADER_TYPE_LANGUAGE_MATERIAL: [CONTENT_TEXT],
    LEADER_TYPE_NONMUSICAL_SOUND: [CONTENT_SPOKEN_WORD],
    LEADER_TYPE_PROJECTED_MEDIUM: [CONTENT_TWO_DIMENSIONAL_MOVING_IMAGE],
}
CONTENT_TYPES_SLIDES = [CONTENT_TEXT, CONTENT_STILL_IMAGE]

# --- 347 Digital file characteristics: $a file type from the RDA File Type list ($2 rdaft) ---------
SOURCE_RDA_FILE_TYPE = "rdaft"
FILE_TYPE_TEXT = _("tệp văn bản")  # RDA "text file"
FILE_TYPE_AUDIO = _("tệp âm thanh")  # RDA "audio file"
FILE_TYPE_VIDEO = _("tệp video")  # RDA "video file"
FILE_TYPE_IMAGE = _("tệp hình ảnh")  # RDA "image file": a scanned page (media kind "image")
FILE_TYPE_BY_MEDIA_KIND = {"image": FILE_TYPE_IMAGE}
FILE_TYPE_BY_TYPE_OF_RECORD = {
    LEADER_TYPE_LANGUAGE_MATERIAL: FILE_TYPE_TEXT,
    LEADER_TYPE_NONMUSICAL_SOUND: FILE_TYPE_AUDIO,
    LEADER_TYPE_PROJECTED_MEDIUM: FILE_TYPE_VIDEO,
}
# $b encoding format by the pipeline's media kind or the file's extension (RDA 3.19.3 examples:
# "PDF", "MP3"); audio formats come from the audio codec the probe found.
ENCODING_FORMAT_BY_CODEC = {"mp3": "MP3", "aac": "AAC", "flac": "FLAC", "alac": "ALAC", "opus": "Opus",
                            "vorbis": "Vorbis"}
ENCODING_FORMAT_BY_EXTENSION = {"pdf": "PDF", "docx": "DOCX", "pptx": "PPTX", "mp3": "MP3", "m4a": "AAC",
                                "m4b": "AAC", "flac": "FLAC", "wav": "WAV", "mp4": "MPEG-4", "webm": "WebM",
                                "mkv": "Matroska", "mov": "QuickTime", "tif": "TIFF", "tiff": "TIFF",
                                "jpg": "JPEG", "jpeg": "JPEG", "png": "PNG"}

# --- 856 ------------------------------------------------------------------------------------------
# $q Electronic format type describes the resource at $u: the landing page is HTML.
LINK_TEXT = _("Xem học liệu trực tuyến")
LANDING_PAGE_FORMAT = "text/html"

# --- 110/710: a creator line that names an organisation (a library, a school, an office) -----------
# A creator that is a Library's name, or begins with one of these words, is a corporate name.
CORPORATE_NAME_PREFIXES = (
    "thư viện", "trường", "th ", "thcs", "thpt", "tiểu học", "mầm non", "sở ", "phòng ", "bộ ", "tổ ",
    "ban ", "nhà xuất bản", "nxb", "viện ", "trung tâm", "hội ", "công ty", "đài ", "liên đoàn",
)

# ISO 2709 limits: 4-digit field length and 5-digit record length in the directory and leader.
ISO2709_MAX_FIELD_BYTES = 9999
ISO2709_MAX_RECORD_BYTES = 99999
# 520 text is split into repeated 520 fields of at most this many UTF-8 bytes each.
SUMMARY_CHUNK_BYTES = 8000

CONTROL_NUMBER_PREFIX = "HL"
CONTROL_NUMBER_DIGITS = 8
