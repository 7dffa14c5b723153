"""Serialise records as ISO 2709 (MARC 21 transmission format, UTF-8) or as a MARCXML collection.

ISO 2709 (https://www.loc.gov/marc/specifications/specrecstruc.html): the leader holds a 5-digit
record length and each directory entry a 4-digit field length, so a record is at most 99,999 bytes
and a field at most 9,999 bytes. pymarc does not check this; `iso2709_bytes` does, before a
record that would be corrupt is written. MARCXML: the MARC 21 slim schema
(http://www.loc.gov/MARC21/slim), written by pymarc's XMLWriter.
"""

from io import BytesIO

from pymarc import Record, XMLWriter

from .constants import ISO2709_MAX_FIELD_BYTES, ISO2709_MAX_RECORD_BYTES, TAG_CONTROL_NUMBER
from .errors import MarcRecordTooLong

MARCXML_NAMESPACE = "http://www.loc.gov/MARC21/slim"
MIME_ISO2709 = "application/marc"  # RFC 2220
MIME_MARCXML = "application/marc+xml"  # RFC 6207


def _as_list(records):
    return [records] if isinstance(records, Record) else records


def _control_number(record):
    field = record.get(TAG_CONTROL_NUMBER)
    return field.data if field is not None else "?"


def iso2709_bytes(record):
    """One record in ISO 2709 with UTF-8 data (leader/09 "a"), as bytes.

    Raises MarcRecordTooLong if a field exceeds 9,999 bytes or the record 99,999 bytes.
    """
    for field in record.get_fields():
        size = len(field.as_marc(encoding="utf-8"))
        if size > ISO2709_MAX_FIELD_BYTES:
            raise MarcRecordTooLong(
                f"Biểu ghi {_control_number(record)}: trường {field.tag} dài {size} byte, "
                f"quá {ISO2709_MAX_FIELD_BYTES} byte của ISO 2709."
            )
    data = record.as_marc()
    if len(data) > ISO2709_MAX_RECORD_BYTES:
        raise MarcRecordTooLong(
            f"Biểu ghi {_control_number(record)} dài {len(data)} byte, quá {ISO2709_MAX_RECORD_BYTES} byte "
            "của ISO 2709; hãy tải bản MARCXML."
        )
    return data


def write_iso2709(records, stream):
    """Write `records` (pymarc Records, or one) to the binary `stream`; return how many were written."""
    count = 0
    for record in _as_list(records):
        stream.write(iso2709_bytes(record))
        count += 1
    return count


def write_marcxml(records, stream):
    """Write `records` (or one) as one MARCXML <collection> to the binary `stream`; return the count."""
    writer = XMLWriter(stream)
    count = 0
    for record in _as_list(records):
        writer.write(record)
        count += 1
    writer.close(close_fh=False)
    return count


def as_iso2709(records):
    """`records` (or one record) in ISO 2709, concatenated, as bytes (see write_iso2709)."""
    buffer = BytesIO()
    write_iso2709(records, buffer)
    return buffer.getvalue()


def as_marcxml(records):
    """`records` (or one record) as a UTF-8 MARCXML collection document, as bytes."""
    buffer = BytesIO()
    write_marcxml(records, buffer)
    return buffer.getvalue()
