"""Quality control of the union catalogue by the hub library (issue 8, item 7).

The hub library of a network (LibraryNetwork.hub) checks its members' catalogue records, local and
harvested, against the rules below, one function per rule, and asks each member to correct the
records that fail (the report: repository.views.quality, `manage.py catalogue_quality`). Each rule
takes a pymarc.Record and returns a list of Problem; `DuplicateIndex` compares records across
members. The definitions followed are those of the MARC 21 Format for Bibliographic Data (LC,
update 2024) and, for 082, the practice of Vietnamese school libraries, which classify with DDC 23
(the abridged edition translated into Vietnamese).

Scope, deliberately small:
- indicator and subfield tables cover the common fields INDICATORS lists (020 041 082 100 110 245
  250 260 264 300 490 650 700 710 856); other fields are not checked for them;
- tags and subfield codes that are not ASCII letters or digits never reach the catalogue (the
  import refuses such records, repository.catalogue.records.check_codes);
- language codes are checked for their form (three lowercase letters of the MARC Code List for
  Languages), not against the list itself.

`check_libraries` runs every rule over the active records of some libraries and stores what fails
as QualityIssue rows (replacing the previous check's), so the report reads them without parsing
the MARCXML again. `check_changed_records` does the same for the records changed since their last
check only (run by a task after each `import_marc` and each harvest run).
"""

import dataclasses
import re
import unicodedata
from collections import defaultdict

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ..models import CatalogueRecord, CatalogueSource, Library, LibraryNetwork, QualityIssue, QualityRule
from ..models.catalogue import fold_text
from . import records as marc
from .copying import source_system_number

LEADER_BIBLIOGRAPHIC_LEVEL = 7
BOOK_TYPES = ("a", "t")  # leader/06: language material, manuscript language material
BOOK_LEVELS = ("a", "c", "d", "m")  # leader/07: monographic component part, collection, subunit, monograph
FIXED_LENGTH_DATA_BYTES = 40

TAG_SOURCE_SYSTEM_NUMBER = "035"
TAG_PHYSICAL_DESCRIPTION = "300"
TAG_EDITION = "250"
TAG_SERIES = "490"
TAG_ELECTRONIC_LOCATION = "856"

# MARC 21 "National Level Record Requirements": fields mandatory (M) in every full-level record, and
# mandatory if applicable (A) ones Hoclieu treats as mandatory for books. (tags, subfield) — one of
# the tags must be present, with the subfield when one is named.
REQUIRED_ALL = (
    ((marc.TAG_FIXED_LENGTH_DATA,), None),
    ((marc.TAG_TITLE,), "a"),
)
REQUIRED_BOOKS = REQUIRED_ALL + (
    ((marc.TAG_PUBLICATION_264, marc.TAG_PUBLICATION_260), None),
    ((TAG_PHYSICAL_DESCRIPTION,), "a"),
    ((marc.TAG_DDC,), "a"),
)
REQUIRED_OTHER = REQUIRED_ALL + (((TAG_PHYSICAL_DESCRIPTION,), "a"),)

# Fields that MARC 21 defines as not repeatable (NR), checked by check_required_fields.
NON_REPEATABLE_FIELDS = ("001", "003", "005", "008", marc.TAG_TITLE)
MAIN_ENTRY_TAGS = ("100", "110", "111", "130")  # 1XX: at most one per record

_ANY_DIGIT = tuple("0123456789")

# MARC 21 Bibliographic: valid indicators (" " is blank) of the common fields.
INDICATORS = {
    "020": ((" ",), (" ",)),
    "041": ((" ", "0", "1"), (" ", "7")),
    "082": (("0", "1", "7"), (" ", "0", "4")),
    "100": (("0", "1", "3"), (" ",)),
    "110": (("0", "1", "2"), (" ",)),
    "245": (("0", "1"), _ANY_DIGIT),
    "250": ((" ",), (" ",)),
    "260": ((" ", "2", "3"), (" ",)),
    "264": ((" ", "2", "3"), ("0", "1", "2", "3", "4")),
    "300": ((" ",), (" ",)),
    "490": (("0", "1"), (" ",)),
    "650": ((" ", "0", "1", "2"), ("0", "1", "2", "3", "4", "5", "6", "7")),
    "700": (("0", "1", "3"), (" ", "2")),
    "710": (("0", "1", "2"), (" ", "2")),
    "856": ((" ", "0", "1", "2", "3", "4", "7"), (" ", "0", "1", "2", "8")),
}

# MARC 21 Bibliographic: defined subfield codes of the same fields, and the non-repeatable ones.
SUBFIELDS = {
    "020": ("acqz68", "ac"),
    "041": ("abdefghijkmnpqrt23678", "2"),
    "082": ("abmq268", "bmq2"),
    "100": ("abcdefgjklnpqtu0124678", "abdqu"),
    "110": ("abcdefgklnptu0124678", "au"),
    "245": ("abcfghknps68", "abcfghs"),
    "250": ("ab3678", "ab3"),
    "260": ("abcefg3678", "3"),
    "264": ("abc3678", "3"),
    "300": ("abcefg3678", "e3"),
    "490": ("alvxy3678", "l3"),
    "650": ("abcdegvxyz01234678", "abcd3"),
    "700": ("abcdefghijklmnopqrstux012345678", "abdqx35"),
    "710": ("abcdefghiklmnoprstux012345678", "ax35"),
    "856": ("abcdfhijklmnopqrstuvwxyz23678", "23"),
}

_DDC_NUMBER = re.compile(r"^\d{3}(\.\d+)?$")
_DDC_SEGMENTATION = re.compile(r"[/']")
_LANGUAGE_CODE = re.compile(r"^[a-z]{3}$")
LANGUAGE_NOT_CODED = ("   ", "|||")  # 008/35-37 blank (no linguistic content) or fill (no attempt)
_ISBN_START = re.compile(r"^\s*([0-9Xx][0-9Xx -]*)")


@dataclasses.dataclass(frozen=True)
class Problem:
    """One failure of a rule: `rule` (a QualityRule value), `message` (text for the librarian, in
    the active language), `tag` (the MARC field at fault, "" for the whole record), `duplicate_of`
    (pk of the other record, for QualityRule.DUPLICATE)."""

    rule: str
    message: str
    tag: str = ""
    duplicate_of: int | None = None


def _leader(record):
    leader = str(record.leader or "")
    return leader if len(leader) == 24 else leader.ljust(24)


def is_book(record):
    """True for a MARC 21 "Books" record: leader/06 a or t with leader/07 a, c, d or m."""
    leader = _leader(record)
    return (leader[marc.LEADER_TYPE_OF_RECORD] in BOOK_TYPES
            and leader[LEADER_BIBLIOGRAPHIC_LEVEL] in BOOK_LEVELS)


def required_fields_for(record):
    """((tags, subfield code or None), ...) the record must have, by its type (leader/06-07)."""
    return REQUIRED_BOOKS if is_book(record) else REQUIRED_OTHER


def check_required_fields(record):
    """Required fields per type of record (MARC 21 National Level Record Requirements, full level).

    Every record: 008 (40 characters) and 245 $a. Books (leader/06 a/t, 07 a/c/d/m) also: 260 or
    264 (publication), 300 $a (extent) and 082 $a (DDC number: Vietnamese school libraries classify
    every book with DDC 23). Other types also: 300 $a. Not required: 020 (MARC 21: "mandatory if
    applicable"; many Vietnamese books, older ones especially, have no ISBN) and 100/110 (a work
    by editors, such as a textbook, is entered under its title with 700 added entries, as in
    fixtures/marc). Also: 001, 003, 005, 008 and 245 at most once, and at most one 1XX main entry.
    """
    problems = []
    for tags, code in required_fields_for(record):
        fields = [field for tag in tags for field in record.get_fields(tag)]
        present = [field for field in fields
                   if (field.is_control_field() and (field.data or "").strip())
                   or (code and any(value.strip() for value in field.get_subfields(code)))
                   or (not code and not field.is_control_field())]
        names = " / ".join(tags) + (f" ${code}" if code else "")
        if not present:
            problems.append(Problem(QualityRule.REQUIRED_FIELDS,
                                    _("Thiếu trường %(field)s.") % {"field": names}, tags[0]))
    fixed = record.get_fields(marc.TAG_FIXED_LENGTH_DATA)
    if fixed and len(fixed[0].data or "") != FIXED_LENGTH_DATA_BYTES:
        problems.append(Problem(
            QualityRule.REQUIRED_FIELDS,
            _("Trường 008 dài %(length)d kí tự, phải là 40.") % {"length": len(fixed[0].data or "")},
            marc.TAG_FIXED_LENGTH_DATA,
        ))
    for tag in NON_REPEATABLE_FIELDS:
        if len(record.get_fields(tag)) > 1:
            problems.append(Problem(QualityRule.REQUIRED_FIELDS,
                                    _("Trường %(tag)s không được lặp.") % {"tag": tag}, tag))
    main_entries = [field.tag for field in record.get_fields(*MAIN_ENTRY_TAGS)]
    if len(main_entries) > 1:
        problems.append(Problem(
            QualityRule.REQUIRED_FIELDS,
            _("Biểu ghi có %(count)d tiêu đề chính (%(tags)s), chỉ được có một trường 1XX.")
            % {"count": len(main_entries), "tags": ", ".join(main_entries)},
            main_entries[1],
        ))
    return problems


def ddc_number_problem(value):
    """Why `value` (an 082 $a) is not a DDC number, or "" when it is one: three digits, optionally a
    point and more digits, with any segmentation marks (slash or prime, MARC 21 082 $a) removed:
    "372.6", "973/.0496073", "895.922'3" pass; "372,6", "37", "[Fic]", "E" do not."""
    number = _DDC_SEGMENTATION.sub("", value.strip())
    if _DDC_NUMBER.match(number):
        return ""
    return _("“%(value)s” không phải chỉ số DDC (ba chữ số, có thể thêm dấu chấm và chữ số; "
             "dấu / và ' chỉ để phân đoạn).") % {"value": value.strip()}


def _subfield_a_problems(record, tag, rule, reason_of):
    """A Problem of `rule` at `tag` for each $a of each `tag` field of `record` for which
    `reason_of(value)` gives a reason (a non-empty str)."""
    return [Problem(rule, reason, tag)
            for field in record.get_fields(tag)
            for reason in map(reason_of, field.get_subfields("a")) if reason]


def check_ddc_number(record):
    """Form of the DDC number in every 082 $a (MARC 21 082 Dewey Decimal Classification Number):
    see ddc_number_problem. 082 $b (item number) and $2 (edition) are not checked."""
    return _subfield_a_problems(record, marc.TAG_DDC, QualityRule.DDC_NUMBER, ddc_number_problem)


def check_language(record):
    """008/35-37 Language against 041 Language Code (MARC 21 008 All Materials, 041).

    008/35-37 holds a code of the MARC Code List for Languages (three lowercase letters), or blanks
    or fill characters (|||). When 041 is present with codes from that list (second indicator
    blank), each 041 $a holds one code and 008/35-37 is the same as the first 041 $a.
    """
    problems = []
    fixed = record.get_fields(marc.TAG_FIXED_LENGTH_DATA)
    data = (fixed[0].data or "") if fixed else ""
    code_008 = data[marc.LANGUAGE_008] if len(data) >= marc.LANGUAGE_008.stop else ""
    if code_008 and code_008 not in LANGUAGE_NOT_CODED and not _LANGUAGE_CODE.match(code_008):
        problems.append(Problem(QualityRule.LANGUAGE, _("008/35-37 “%(code)s” không phải mã ngôn ngữ MARC.")
                                % {"code": code_008}, marc.TAG_FIXED_LENGTH_DATA))
    first_041 = ""
    for field in record.get_fields(marc.TAG_LANGUAGE_CODE):
        if field.indicator2 != " ":
            continue  # codes of another source ($2), e.g. ISO 639-1
        for value in field.get_subfields("a"):
            if not _LANGUAGE_CODE.match(value.strip()):
                problems.append(Problem(
                    QualityRule.LANGUAGE,
                    _("041 $a “%(code)s” không phải một mã ngôn ngữ MARC (mỗi $a một mã ba chữ thường).")
                    % {"code": value}, marc.TAG_LANGUAGE_CODE))
            first_041 = first_041 or value.strip()
    if (first_041 and _LANGUAGE_CODE.match(first_041) and _LANGUAGE_CODE.match(code_008)
            and code_008 != first_041):
        problems.append(Problem(
            QualityRule.LANGUAGE,
            _("Ngôn ngữ ở 008/35-37 là “%(code_008)s” nhưng 041 $a đầu tiên là “%(code_041)s”.")
            % {"code_008": code_008, "code_041": first_041}, marc.TAG_LANGUAGE_CODE))
    return problems


def isbn_problem(value):
    """Why the ISBN at the start of `value` (an 020 $a, e.g. "978-604-0-00001-2 (bìa mềm)") is
    wrong, or "" when its check digit is right (ISO 2108: ISBN-10 mod 11 with weights 10..1 and X
    for 10; ISBN-13 mod 10 with weights 1, 3 and prefix 978 or 979)."""
    match = _ISBN_START.match(value or "")
    digits = re.sub(r"[ -]", "", match.group(1)).upper() if match else ""
    if len(digits) == 13 and digits.isdigit():
        if not digits.startswith(("978", "979")):
            return _("ISBN-13 “%(isbn)s” không bắt đầu bằng 978 hoặc 979.") % {"isbn": digits}
        if not marc.isbn13_check_digit_ok(digits):
            return _("ISBN-13 “%(isbn)s” sai số kiểm tra.") % {"isbn": digits}
        return ""
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        if not marc.isbn10_check_digit_ok(digits):
            return _("ISBN-10 “%(isbn)s” sai số kiểm tra.") % {"isbn": digits}
        return ""
    return _("“%(value)s” không phải ISBN (10 hoặc 13 chữ số).") % {"value": (value or "").strip()}


def check_isbn(record):
    """Check digits of every ISBN in 020 $a (MARC 21 020 International Standard Book Number; see
    isbn_problem). 020 $z holds a cancelled or invalid ISBN on purpose and is not checked."""
    return _subfield_a_problems(record, marc.TAG_ISBN, QualityRule.ISBN, isbn_problem)


def check_nfc(record):
    """Text in Unicode Normalization Form C (UAX #15; MARC 21 Specifications, Unicode encoding: "the
    precomposed form is preferred"): leader, control fields, indicators and subfields. One problem
    for the record, naming each field (with its first subfield) that is not NFC, such as Vietnamese
    typed decomposed (NFD), with the first such text as an example."""
    places, tags = [], []
    example = ""
    if not unicodedata.is_normalized("NFC", str(record.leader or "")):
        places.append(_("đầu biểu"))
    for field in record.fields:
        if field.is_control_field():
            if not unicodedata.is_normalized("NFC", field.data or ""):
                places.append(field.tag)
                tags.append(field.tag)
                example = example or field.data
            continue
        texts = [(None, field.indicator1 or " "), (None, field.indicator2 or " ")]
        texts += [(sub.code, sub.value or "") for sub in field.subfields]
        for code, text in texts:
            if not unicodedata.is_normalized("NFC", text):
                places.append(f"{field.tag} ${code}" if code else field.tag)
                tags.append(field.tag)
                example = example or text
                break
    if not places:
        return []
    return [Problem(
        QualityRule.NFC,
        _("Văn bản không ở dạng Unicode NFC (có thể gõ tổ hợp, NFD) ở %(places)s, ví dụ “%(example)s”.")
        % {"places": ", ".join(places), "example": unicodedata.normalize("NFC", example)},
        tags[0] if tags else "",
    )]


def _shown(indicator):
    return "#" if indicator in (" ", None, "") else indicator


def check_indicators(record):
    """Indicators of the common fields against the values MARC 21 defines for them (INDICATORS;
    blank is shown as #, as MARC 21 documentation writes it). Other fields are not checked."""
    problems = []
    for field in record.fields:
        allowed = INDICATORS.get(field.tag)
        if allowed is None or field.is_control_field():
            continue
        for position, (value, valid) in enumerate(zip((field.indicator1, field.indicator2), allowed,
                                                      strict=True), start=1):
            value = value if value not in (None, "") else " "
            if value not in valid:
                problems.append(Problem(
                    QualityRule.INDICATORS,
                    _("Trường %(tag)s: chỉ thị %(position)d “%(value)s” không hợp lệ (cho phép: %(valid)s).")
                    % {"tag": field.tag, "position": position, "value": _shown(value),
                       "valid": ", ".join(_shown(v) for v in valid)}, field.tag))
    return problems


def check_subfields(record):
    """Subfields of the common fields (MARC 21 Bibliographic, SUBFIELDS): every code defined for the
    field, non-repeatable codes at most once, no data field without subfields, no empty subfield.
    The last two are checked on every data field."""
    problems = []
    for field in record.fields:
        if field.is_control_field():
            continue
        if not field.subfields:
            problems.append(Problem(QualityRule.SUBFIELDS, _("Trường %(tag)s không có trường con.")
                                    % {"tag": field.tag}, field.tag))
            continue
        codes = [sub.code for sub in field.subfields]
        for sub in field.subfields:
            if not (sub.value or "").strip():
                problems.append(Problem(QualityRule.SUBFIELDS, _("Trường %(tag)s: trường con $%(code)s rỗng.")
                                        % {"tag": field.tag, "code": sub.code}, field.tag))
        defined = SUBFIELDS.get(field.tag)
        if defined is None:
            continue
        valid, non_repeatable = defined
        for code in dict.fromkeys(codes):
            if code not in valid:
                problems.append(Problem(
                    QualityRule.SUBFIELDS,
                    _("Trường %(tag)s không có trường con $%(code)s.") % {"tag": field.tag, "code": code},
                    field.tag))
            elif code in non_repeatable and codes.count(code) > 1:
                problems.append(Problem(
                    QualityRule.SUBFIELDS,
                    _("Trường %(tag)s: trường con $%(code)s không được lặp.")
                    % {"tag": field.tag, "code": code}, field.tag))
    return problems


RECORD_RULES = (check_required_fields, check_ddc_number, check_language, check_isbn, check_nfc,
                check_indicators, check_subfields)


def check_record(record):
    """Every per-record rule (RECORD_RULES) on `record` (a pymarc.Record): list of Problem."""
    problems = []
    for rule in RECORD_RULES:
        problems.extend(rule(record))
    return problems


def check_catalogue_record(catalogue_record):
    """check_record on the stored MARCXML of `catalogue_record` (a CatalogueRecord); a record whose
    MARCXML cannot be read is one Problem (required fields) saying so."""
    try:
        record = catalogue_record.as_pymarc()
    except (etree.XMLSyntaxError, ValueError, marc.MarcRecordError) as exc:
        return [Problem(QualityRule.REQUIRED_FIELDS,
                        _("Không đọc được biểu ghi MARCXML (%(reason)s).") % {"reason": exc})]
    return check_record(record)


# --- likely duplicates across members -------------------------------------------------------------


def member_key(record):
    """The member library a CatalogueRecord stands for: (library pk, "") for its library's own
    records, (library pk, source name) for records it harvested from another library."""
    if record.source == CatalogueSource.HARVESTED:
        return (record.library_id, record.source_name)
    return (record.library_id, "")


def duplicate_keys(record):
    """The keys under which CatalogueRecord `record` may duplicate another: ("isbn", ISBN-13) and
    ("work", folded title, folded first author, year) when it has a title and a year. Folding is the
    search's (repository.search.vietnamese: no marks, đ → d, i/y unified), so "Truyện Kiều" by
    "Nguyễn Du" (2020) matches "TRUYEN KIEU" by "Nguyen Du" (2020)."""
    keys = []
    if record.isbn:
        keys.append(("isbn", record.isbn))
    title = fold_text(record.title)
    authors = record.author_list
    if title and record.publication_year:
        keys.append(("work", title, fold_text(authors[0]) if authors else "", record.publication_year))
    return keys


def system_control_numbers(marcxml):
    """The 035 $a values (list of str, e.g. "(VN-THCS01)VN-THCS01000001") of a stored MARCXML record
    ([] when it is not well-formed)."""
    try:
        root = etree.fromstring(marcxml.encode("utf-8"))
    except etree.XMLSyntaxError:
        return []  # check_catalogue_record reports the record
    return [value.strip() for value in root.xpath(
        "m:datafield[@tag='035']/m:subfield[@code='a']/text()", namespaces={"m": marc.MARCXML_NAMESPACE})]


class DuplicateIndex:
    """The duplicate keys (duplicate_keys) of a set of CatalogueRecords, to find each record's
    likely duplicates held for another member (member_key) in one pass: same ISBN-13 (020), or
    same folded title, first author and year. A copy and its source (one's 035 $a names the other,
    repository.catalogue.copying) are the same record on purpose, not a duplicate to correct.

    `records`: iterable of CatalogueRecord with their library loaded; `links`: {record pk: set of
    its 035 $a values} for the records that have any."""

    def __init__(self, records, links=None):
        self._index = defaultdict(list)
        self._links = links or {}
        self._records = {}
        for record in records:
            self._records[record.pk] = record
            member = member_key(record)
            for key in duplicate_keys(record):
                self._index[key].append((member, record))

    def record(self, pk):
        """The indexed CatalogueRecord with primary key `pk`, or None when it is not indexed."""
        return self._records.get(pk)

    def sharing(self, keys):
        """The pks (set of int) of the indexed records having one of the duplicate keys `keys`."""
        return {record.pk for key in keys for _member, record in self._index.get(key, ())}

    def _copied(self, record, other):
        if record.pk not in self._links and other.pk not in self._links:
            return False
        return (source_system_number(other) in self._links.get(record.pk, ())
                or source_system_number(record) in self._links.get(other.pk, ()))

    def problems_for(self, record):
        """[Problem]: at most one per kind of key (same ISBN; same title, author and year) naming the
        first indexed record of another member that `record` likely duplicates (its `duplicate_of`)
        and how many more there are, so a book every member holds gives one line per record."""
        problems = []
        seen = set()
        own = member_key(record)
        for key in duplicate_keys(record):
            others = []
            for member, other in self._index.get(key, ()):
                if member == own or other.pk in seen or self._copied(record, other):
                    continue
                seen.add(other.pk)
                others.append(other)
            if not others:
                continue
            first = others[0]
            if key[0] == "isbn":
                reason = _("Cùng ISBN %(isbn)s với biểu ghi %(number)s của %(member)s.")
            else:
                reason = _("Cùng nhan đề, tác giả và năm xuất bản với biểu ghi %(number)s "
                           "của %(member)s.")
            message = reason % {"isbn": record.isbn, "number": first.control_number or f"#{first.pk}",
                                "member": first.member_label}
            if len(others) > 1:
                message += " " + _("Và %(count)d biểu ghi khác.") % {"count": len(others) - 1}
            problems.append(Problem(QualityRule.DUPLICATE, message,
                                    marc.TAG_ISBN if key[0] == "isbn" else marc.TAG_TITLE,
                                    duplicate_of=first.pk))
        return problems


# --- checking and storing -------------------------------------------------------------------------


@dataclasses.dataclass
class CheckSummary:
    """What a check did: records checked, records failing at least one rule, issues stored."""

    checked: int = 0
    failing: int = 0
    issues: int = 0


def _network_records(library_ids):
    """Active records of the libraries `library_ids` and of the other libraries of their networks."""
    networks = Library.objects.filter(pk__in=library_ids, network__isnull=False).values("network_id")
    return (CatalogueRecord.objects.active().select_related("library")
            .filter(Q(library__network_id__in=networks) | Q(library_id__in=library_ids)))


def _lock_libraries(library_ids):
    """Lock the rows of the libraries `library_ids` and of the other libraries of their networks
    (SELECT ... FOR UPDATE, in pk order) until the transaction ends, so two checks that write the
    issues of the same records (the duplicate rule reaches across a network) run one after the
    other. SQLite, which takes no row locks, runs one writing transaction at a time anyway."""
    networks = Library.objects.filter(pk__in=library_ids, network__isnull=False).values("network_id")
    list(Library.objects.select_for_update().filter(Q(pk__in=library_ids) | Q(network_id__in=networks))
         .order_by("pk").values_list("pk", flat=True))


def _duplicate_index(library_ids, chunk_size):
    """The DuplicateIndex of the active records of the networks of `library_ids` (_network_records),
    with the 035 $a values of those that have any."""
    network = _network_records(library_ids)
    links = {pk: set(system_control_numbers(marcxml)) for pk, marcxml in
             network.filter(marcxml__contains='tag="035"').values_list("pk", "marcxml").iterator()}
    return DuplicateIndex(network.only(
        "pk", "library__code", "source", "source_name", "control_number", "control_number_identifier",
        "isbn", "title", "authors", "publication_year",
    ).iterator(chunk_size=chunk_size), links)


def _issues(record_id, problems, now):
    return [QualityIssue(record_id=record_id, rule=p.rule, tag=p.tag, message=p.message,
                         duplicate_of_id=p.duplicate_of, checked_at=now) for p in problems]


def _chunks(items, size):
    """`items` (an iterable) as lists of at most `size` items, in order."""
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@transaction.atomic
def check_libraries(library_ids, now=None, chunk_size=500):
    """Check every active record of the libraries `library_ids` (iterable of pks) against every
    rule, duplicates sought across the members of their networks, and store the failures.

    The records' previous QualityIssues are replaced (deleted records lose theirs) and each record's
    `quality_checked_at` becomes `now` (default: the current time). Records are read `chunk_size`
    at a time. Returns a CheckSummary."""
    library_ids = list(library_ids)
    now = now or timezone.now()
    _lock_libraries(library_ids)
    QualityIssue.objects.of_libraries(library_ids).delete()
    records = (CatalogueRecord.objects.active().filter(library_id__in=library_ids)
               .select_related("library").order_by("pk"))
    duplicates = _duplicate_index(library_ids, chunk_size)
    summary = CheckSummary()
    batch = []
    for record in records.iterator(chunk_size=chunk_size):
        summary.checked += 1
        problems = check_catalogue_record(record)
        problems.extend(duplicates.problems_for(record))
        if problems:
            summary.failing += 1
        batch.extend(_issues(record.pk, problems, now))
        if len(batch) >= chunk_size:
            summary.issues += len(QualityIssue.objects.bulk_create(batch))
            batch = []
    summary.issues += len(QualityIssue.objects.bulk_create(batch))
    CatalogueRecord.objects.filter(library_id__in=library_ids).update(quality_checked_at=now)
    return summary


def changed_records(library_ids):
    """QuerySet of the records (deleted ones included) of the libraries `library_ids` changed since
    their last quality check: never checked, or saved (`updated_at`) after it."""
    return CatalogueRecord.objects.filter(library_id__in=list(library_ids)).filter(
        Q(quality_checked_at=None) | Q(updated_at__gt=F("quality_checked_at")))


@transaction.atomic
def check_changed_records(library_ids, now=None, chunk_size=500):
    """Check the records of the libraries `library_ids` (iterable of pks) changed since their last
    check (changed_records: new, updated or deleted by an import or a harvest), and store the
    failures, leaving the other records' per-record issues as they are.

    The changed records' previous issues are replaced (a deleted one loses them), the per-record
    rules (RECORD_RULES) read their MARCXML, and their `quality_checked_at` becomes `now` (default:
    the current time, taken before reading, so a record saved during the check is checked again
    next time). The duplicate rule needs the others: the active records of the libraries'
    networks are indexed (duplicate keys only, as check_libraries does), and the duplicate issues
    are found again for the changed records and for every record they may concern: the records
    that share a duplicate key with a changed record, with the partners its previous duplicate
    issues named or that named it (the keys it had before the change), so a record whose
    duplicate was corrected or deleted loses its issue too. Gives the issues check_libraries would
    store for those records. Returns a CheckSummary (checked: the active changed records)."""
    library_ids = list(library_ids)
    now = now or timezone.now()
    _lock_libraries(library_ids)
    summary = CheckSummary()
    checked_ids, active_ids, failing, partners = [], [], set(), set()
    stale = changed_records(library_ids).select_related("library").order_by("pk")
    for chunk in _chunks(stale.iterator(chunk_size=chunk_size), chunk_size):
        ids = [record.pk for record in chunk]
        checked_ids.extend(ids)
        duplicates = QualityIssue.objects.filter(rule=QualityRule.DUPLICATE)
        partners.update(duplicates.filter(record_id__in=ids).values_list("duplicate_of_id", flat=True))
        partners.update(duplicates.filter(duplicate_of_id__in=ids).values_list("record_id", flat=True))
        QualityIssue.objects.filter(record_id__in=ids).delete()
        batch = []
        for record in chunk:
            if record.deleted:
                continue
            active_ids.append(record.pk)
            problems = check_catalogue_record(record)
            if problems:
                failing.add(record.pk)
            batch.extend(_issues(record.pk, problems, now))
        summary.issues += len(QualityIssue.objects.bulk_create(batch))
    if not checked_ids:
        return summary
    summary.checked = len(active_ids)

    index = _duplicate_index(library_ids, chunk_size)
    partners.discard(None)
    active_ids = [pk for pk in active_ids if index.record(pk) is not None]  # not deleted meanwhile
    indexed_partners = {pk for pk in partners if index.record(pk) is not None}
    keys = set()
    for pk in [*active_ids, *indexed_partners]:
        keys.update(duplicate_keys(index.record(pk)))
    outside = [pk for pk in partners if pk not in indexed_partners]
    for chunk in _chunks(outside, chunk_size):
        for record in CatalogueRecord.objects.filter(pk__in=chunk).only(
                "pk", "isbn", "title", "authors", "publication_year"):
            keys.update(duplicate_keys(record))
    concerned = (index.sharing(keys) | indexed_partners) - set(checked_ids)
    for chunk in _chunks(sorted(concerned), chunk_size):
        QualityIssue.objects.filter(record_id__in=chunk, rule=QualityRule.DUPLICATE).delete()
    batch = []
    for pk in active_ids:
        problems = index.problems_for(index.record(pk))
        if problems:
            failing.add(pk)
        batch.extend(_issues(pk, problems, now))
    for pk in sorted(concerned):
        batch.extend(_issues(pk, index.problems_for(index.record(pk)), now))
    for chunk in _chunks(batch, chunk_size):
        summary.issues += len(QualityIssue.objects.bulk_create(chunk))
    for chunk in _chunks(checked_ids, chunk_size):
        CatalogueRecord.objects.filter(pk__in=chunk).update(quality_checked_at=now)
    summary.failing = len(failing)
    return summary


def libraries_to_check(library_code=None, network_code=None):
    """QuerySet of the Libraries named by a library code or a network code (all its members).

    Raises Library.DoesNotExist / LibraryNetwork.DoesNotExist for an unknown code."""
    if network_code:
        network = LibraryNetwork.objects.get(code=network_code)
        return Library.objects.filter(network=network).order_by("code")
    return Library.objects.filter(pk=Library.objects.get(code=library_code).pk)


# --- the XLSX report ------------------------------------------------------------------------------

_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def workbook_headings():
    """The column headings of a quality report sheet, in the active language."""
    return [_("Số kiểm soát (001)"), _("Mã cơ quan (003)"), _("Nhan đề"), _("Quy tắc"), _("Trường"),
            _("Lỗi"), _("Nguồn")]


def issue_row(issue):
    """One row of the report for QualityIssue `issue`: 001, 003, title, rule, field, message, source."""
    record = issue.record
    return [record.control_number, record.control_number_identifier, record.title,
            str(issue.get_rule_display()), issue.tag, issue.message, record.member_label]


def sheet_title(text, used):
    """An Excel sheet title for `text`: at most 31 characters, none of []:*?/\\, unique in `used`."""
    base = _SHEET_TITLE_FORBIDDEN.sub("-", text)[:31] or "-"
    title, n = base, 1
    while title.lower() in used:
        n += 1
        suffix = f" ({n})"
        title = base[:31 - len(suffix)] + suffix
    used.add(title.lower())
    return title


def write_workbook(issues, output):
    """Write the QualityIssues `issues` (iterable, record and library loaded) as an XLSX workbook to
    `output` (a path or binary file): one sheet per member library (member_label), named by it, with
    one row per failure (workbook_headings). With no issue, one sheet with the headings only."""
    workbook = Workbook(write_only=True)
    sheets = {}
    used = set()
    for issue in issues:
        member = issue.record.member_label
        if member not in sheets:
            sheet = workbook.create_sheet(title=sheet_title(member, used))
            for index, width in enumerate((18, 14, 50, 30, 8, 70, 20), start=1):
                sheet.column_dimensions[get_column_letter(index)].width = width
            sheet.append(workbook_headings())
            sheets[member] = sheet
        sheets[member].append(issue_row(issue))
    if not sheets:
        workbook.create_sheet(title=_("Không có lỗi")[:31]).append(workbook_headings())
    workbook.save(output)
