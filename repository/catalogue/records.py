"""MARC 21 bibliographic records of the print catalogue: NFC text, ISBN-13, the columns Hoclieu keeps.

Plain functions over pymarc records (pymarc 5: `Record`, `Field`, `Subfield`, `Indicators`), knowing
nothing of the database. Field meanings follow the MARC 21 Format for Bibliographic Data; 952 is
Koha's local items field.
"""

import re
import unicodedata

from lxml import etree
from pymarc import Field, Indicators, Leader, Record, Subfield

from .errors import MarcRecordError

MARCXML_NAMESPACE = "http://www.loc.gov/MARC21/slim"

TAG_CONTROL_NUMBER = "001"
TAG_CONTROL_NUMBER_IDENTIFIER = "003"
TAG_FIXED_LENGTH_DATA = "008"
TAG_ISBN = "020"
TAG_LANGUAGE_CODE = "041"
TAG_DDC = "082"
TAG_MAIN_ENTRY_PERSONAL_NAME = "100"
TAG_MAIN_ENTRY_CORPORATE_NAME = "110"
TAG_TITLE = "245"
TAG_PUBLICATION_260 = "260"
TAG_PUBLICATION_264 = "264"
TAG_SUBJECT_TOPICAL = "650"
TAG_ADDED_ENTRY_PERSONAL_NAME = "700"
TAG_ADDED_ENTRY_CORPORATE_NAME = "710"
TAG_ADDITIONAL_PHYSICAL_FORM = "776"
TAG_LOCATION = "852"
TAG_KOHA_ITEMS = "952"

LEADER_RECORD_STATUS = 5
LEADER_TYPE_OF_RECORD = 6
LEADER_CHARACTER_CODING = 9
RECORD_STATUS_DELETED = "d"
LANGUAGE_008 = slice(35, 38)

AUTHOR_TAGS = (TAG_MAIN_ENTRY_PERSONAL_NAME, TAG_MAIN_ENTRY_CORPORATE_NAME,
               TAG_ADDED_ENTRY_PERSONAL_NAME, TAG_ADDED_ENTRY_CORPORATE_NAME)
TITLE_SUBFIELDS = ("a", "b", "n", "p")

# ISBD punctuation that ends a subfield before the next one (" /", " :", ",", ".", ";", "="), dropped
# from the display columns; the stored record keeps it.
_TRAILING_ISBD = re.compile(r"[\s/:;,=.]+$")
_YEAR = re.compile(r"\d{4}")
_ISBN_CHARACTERS = re.compile(r"[0-9Xx][0-9Xx\s-]{8,20}")


def nfc(text):
    """`text` (str) in Unicode Normalization Form C (UAX #15): Vietnamese letters precomposed."""
    return unicodedata.normalize("NFC", text)


def normalize_record(record):
    """Normalise `record` (a pymarc.Record) in place and return it: every indicator, control field
    and subfield in NFC. Raises MarcRecordError as check_codes does.

    Some library systems export Vietnamese decomposed (NFD); NFC and NFD text are then the same
    record for Hoclieu. The leader is kept as it is, except position 09 set to "a" (UCS/Unicode),
    since the text is now Unicode whatever the source's coding was (MARC-8 included). Only the
    subfields whose text changes are replaced.
    """
    check_codes(record)
    leader = str(record.leader)
    if len(leader) == 24:
        record.leader = Leader(leader[:LEADER_CHARACTER_CODING] + "a" + leader[LEADER_CHARACTER_CODING + 1:])
    record.force_utf8 = True
    for field in record.fields:
        if field.is_control_field():
            field.data = nfc(field.data or "")
            continue
        first, second = field.indicators or (" ", " ")
        field.indicators = Indicators(nfc(first or " "), nfc(second or " "))
        subfields = field.subfields
        for index, sub in enumerate(subfields):
            value = nfc(sub.value or "")
            if value != sub.value:
                subfields[index] = Subfield(code=sub.code, value=value)
    return record


def check_codes(record):
    """Raise MarcRecordError unless every tag of `record` is three ASCII letters or digits and every
    subfield code one ASCII letter or digit (MARC 21 Specifications for Record Structure: tags and
    data element identifiers). pymarc reads some malformed records leniently (an invalid byte taken
    as a subfield code); they are refused here rather than stored damaged."""
    for field in record.fields:
        if not (len(field.tag) == 3 and field.tag.isascii() and field.tag.isalnum()):
            raise MarcRecordError(f"nhãn trường không hợp lệ: {field.tag!r}")
        if field.is_control_field():
            continue
        for sub in field.subfields:
            if not (len(sub.code) == 1 and sub.code.isascii() and sub.code.isalnum()):
                raise MarcRecordError(f"trường {field.tag}: mã trường con không hợp lệ: {sub.code!r}")


def isbn13(value):
    """The ISBN-13 (13 digits, no hyphens) of an ISBN-10 or ISBN-13 found at the start of `value`
    (e.g. 020 $a "978-604-0-00001-2 (bìa mềm)"), or "" if there is none or its check digit is wrong.

    Check digits per ISO 2108: ISBN-10 mod 11 with weights 10..1 (X = 10), ISBN-13 mod 10 with
    weights 1,3; an ISBN-10 becomes "978" + its first nine digits + a new ISBN-13 check digit.
    """
    match = _ISBN_CHARACTERS.search(value or "")
    if not match:
        return ""
    digits = re.sub(r"[\s-]", "", match.group(0)).upper()
    if len(digits) >= 13 and digits[:13].isdigit():
        candidate = digits[:13]
        return candidate if isbn13_check_digit_ok(candidate) else ""
    digits = digits[:10]
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        if not isbn10_check_digit_ok(digits):
            return ""
        body = "978" + digits[:9]
        return body + _isbn13_check(body)
    return ""


def isbn10_check_digit_ok(digits):
    """True if `digits` (nine digits, then a digit or "X") has the right ISBN-10 check digit (ISO
    2108: the sum of the digits weighted 10..1, X standing for 10, is a multiple of 11)."""
    total = sum((10 - i) * (10 if d == "X" else int(d)) for i, d in enumerate(digits))
    return total % 11 == 0


def isbn13_check_digit_ok(digits):
    """True if `digits` (13 digits) has the right ISBN-13 check digit (ISO 2108: weights 1, 3)."""
    return _isbn13_check(digits[:12]) == digits[12]


def _isbn13_check(first12):
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def _clean(text):
    return _TRAILING_ISBD.sub("", (text or "").strip()).strip()


def _first_subfield(record, tag, code):
    for field in record.get_fields(tag):
        values = field.get_subfields(code)
        if values and values[0].strip():
            return values[0]
    return ""


def _control(record, tag):
    fields = record.get_fields(tag)
    return (fields[0].data or "").strip() if fields else ""


def record_isbn(record):
    """The first valid ISBN of 020 $a as ISBN-13, or ""."""
    for field in record.get_fields(TAG_ISBN):
        for value in field.get_subfields("a"):
            isbn = isbn13(value)
            if isbn:
                return isbn
    return ""


def record_title(record):
    """245 $a $b $n $p joined with spaces, ISBD punctuation at the ends of the parts dropped."""
    fields = record.get_fields(TAG_TITLE)
    if not fields:
        return ""
    parts = [_clean(sub.value) for sub in fields[0].subfields if sub.code in TITLE_SUBFIELDS]
    title = parts[0] if parts else ""
    for part in parts[1:]:
        if part:
            title += (": " if title else "") + part
    return title


def subject_headings(record):
    """The topical subject headings of `record` (650 $a, ISBD punctuation dropped), in order."""
    return [_clean(value) for field in record.get_fields(TAG_SUBJECT_TOPICAL)
            for value in field.get_subfields("a") if _clean(value)]


def record_authors(record):
    """The names (str) of 100, 110, 700 and 710 $a, in that order, ISBD punctuation dropped."""
    names = []
    for tag in AUTHOR_TAGS:
        for field in record.get_fields(tag):
            for value in field.get_subfields("a"):
                name = _clean(value)
                if name and name not in names:
                    names.append(name)
    return names


def record_language(record):
    """008/35-37 when it is a language code, else the first 041 $a, else ""."""
    fixed = _control(record, TAG_FIXED_LENGTH_DATA)
    code = fixed[LANGUAGE_008].strip() if len(fixed) >= 38 else ""
    if len(code) == 3 and code.isalpha():
        return code.lower()
    code = _first_subfield(record, TAG_LANGUAGE_CODE, "a").strip()
    return code[:3].lower() if len(code) >= 3 else ""


def record_publication(record):
    """(publisher, year) from 264 (publication, indicator 2 "1") or 260 $b and $c; year a 4-digit
    str or ""."""
    fields = [f for f in record.get_fields(TAG_PUBLICATION_264) if f.indicator2 in ("1", " ")]
    fields += record.get_fields(TAG_PUBLICATION_260)
    publisher, year = "", ""
    for field in fields:
        publisher = publisher or _clean(next(iter(field.get_subfields("b")), ""))
        if not year:
            match = _YEAR.search(next(iter(field.get_subfields("c")), ""))
            year = match.group(0) if match else ""
    return publisher[:255], year


def record_columns(record):
    """The columns of a CatalogueRecord taken from a (normalised) pymarc.Record: a dict with
    control_number (001), control_number_identifier (003), isbn (020, ISBN-13), record_type
    (leader/06), title, authors (newline-separated), publisher, publication_year, ddc (082 $a),
    language, deleted (leader/05 "d")."""
    leader = str(record.leader)
    deleted = len(leader) > LEADER_RECORD_STATUS and leader[LEADER_RECORD_STATUS] == RECORD_STATUS_DELETED
    publisher, year = record_publication(record)
    return {
        "control_number": _control(record, TAG_CONTROL_NUMBER)[:64],
        "control_number_identifier": _control(record, TAG_CONTROL_NUMBER_IDENTIFIER)[:64],
        "isbn": record_isbn(record),
        "record_type": leader[LEADER_TYPE_OF_RECORD].strip() if len(leader) > LEADER_TYPE_OF_RECORD else "",
        "title": record_title(record),
        "authors": "\n".join(record_authors(record)),
        "publisher": publisher,
        "publication_year": year,
        "ddc": _first_subfield(record, TAG_DDC, "a").strip()[:64],
        "language": record_language(record),
        "deleted": deleted,
    }


def _sub(field, code):
    return " ".join(v.strip() for v in field.get_subfields(code) if v.strip())


def record_holdings(record):
    """The items of a record as dicts (call_number, barcode, home_branch, holding_branch,
    shelving_location, item_type): one per Koha 952 ($o, $p, $a, $b, $c, $y) when the record has
    any 952, else one per 852 (call number $k $h $i $m, barcode $p, branch $a, location $c or $b)."""
    items = []
    koha = record.get_fields(TAG_KOHA_ITEMS)
    if koha:
        for field in koha:
            items.append({
                "call_number": _sub(field, "o"), "barcode": _sub(field, "p"),
                "home_branch": _sub(field, "a"), "holding_branch": _sub(field, "b"),
                "shelving_location": _sub(field, "c"), "item_type": _sub(field, "y"),
            })
        return [{key: value[:255] for key, value in item.items()} for item in items]
    for field in record.get_fields(TAG_LOCATION):
        call_number = " ".join(part for part in (_sub(field, c) for c in "khim") if part)
        items.append({
            "call_number": call_number, "barcode": _sub(field, "p"),
            "home_branch": _sub(field, "a"), "holding_branch": _sub(field, "a"),
            "shelving_location": _sub(field, "c") or _sub(field, "b"), "item_type": "",
        })
    return [{key: value[:255] for key, value in item.items()} for item in items]


def record_as_marcxml(record):
    """`record` (a pymarc.Record) as the text (str) of one MARCXML <record> element in the
    MARC21/slim namespace (MARC 21 XML Schema: leader, controlfield, datafield with ind1/ind2 and
    subfields). Written with lxml, several times faster than pymarc's ElementTree writer.

    Raises MarcRecordError, naming the field, when a value holds a character that XML 1.0 does not
    allow (NUL and the C0 control characters other than tab, line feed and carriage return; XML 1.0
    section 2.2), which ISO 2709 records can carry."""
    namespace = f"{{{MARCXML_NAMESPACE}}}"
    root = etree.Element(namespace + "record", nsmap={None: MARCXML_NAMESPACE})
    field = None
    try:
        etree.SubElement(root, namespace + "leader").text = str(record.leader)
        for field in record.fields:
            if field.is_control_field():
                etree.SubElement(root, namespace + "controlfield", tag=field.tag).text = field.data or ""
                continue
            element = etree.SubElement(root, namespace + "datafield", tag=field.tag,
                                       ind1=field.indicator1 or " ", ind2=field.indicator2 or " ")
            for sub in field.subfields:
                etree.SubElement(element, namespace + "subfield", code=sub.code).text = sub.value
    except ValueError as exc:  # lxml refuses a string with a character XML does not allow
        where = f"trường {field.tag}" if field is not None else "đầu biểu"
        raise MarcRecordError(f"{where}: có kí tự điều khiển mà XML không cho phép") from exc
    return etree.tostring(root, encoding="unicode")


def _local_name(element):
    return etree.QName(element).localname


def record_from_element(element):
    """A pymarc.Record from a MARCXML <record> element (lxml, any namespace prefix).

    Raises MarcRecordError for what MARCXML (MARC21slim.xsd) does not allow and pymarc cannot
    hold: a control or data field without a tag, a subfield without a code, indicators longer than
    one character.
    """
    record = Record(force_utf8=True)
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = _local_name(child)
        if name == "leader":
            leader = child.text or ""
            if len(leader) != 24:
                raise MarcRecordError(f"đầu biểu (leader) dài {len(leader)} kí tự, phải là 24")
            record.leader = leader
        elif name == "controlfield":
            tag = child.get("tag")
            if not tag:
                raise MarcRecordError("trường điều khiển không có thuộc tính tag")
            record.add_field(Field(tag=tag, data=child.text or ""))
        elif name == "datafield":
            tag = child.get("tag")
            if not tag:
                raise MarcRecordError("trường dữ liệu không có thuộc tính tag")
            ind1, ind2 = child.get("ind1", " ") or " ", child.get("ind2", " ") or " "
            if len(ind1) != 1 or len(ind2) != 1:
                raise MarcRecordError(f"trường {tag}: chỉ thị không hợp lệ ({ind1!r}, {ind2!r})")
            subfields = []
            for sub in child:
                if not isinstance(sub.tag, str) or _local_name(sub) != "subfield":
                    continue
                code = sub.get("code")
                if not code:
                    raise MarcRecordError(f"trường {tag}: trường con không có mã (code)")
                subfields.append(Subfield(code=code, value=sub.text or ""))
            record.add_field(Field(tag=tag, indicators=Indicators(ind1, ind2), subfields=subfields))
    return record


def record_from_marcxml(text):
    """A pymarc.Record from the MARCXML text of one <record> (as stored in CatalogueRecord.marcxml)."""
    return record_from_element(etree.fromstring(text.encode("utf-8")))
