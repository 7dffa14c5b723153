"""Import of a library's print catalogue: MARC 21 files (ISO 2709 or MARCXML) into CatalogueRecord.

Reading is streamed, record by record, so memory stays flat however large the file:

- ISO 2709 (ISO 2709:2008 / ANSI Z39.2, the MARC 21 exchange format): the file is cut at each record
  terminator (0x1D) and each record is decoded by pymarc's `Record` with `to_unicode=True`: leader/09
  "a" means UTF-8 (decoded strictly: invalid UTF-8 is an error, not silently replaced), blank means
  MARC-8 (converted by pymarc's MARC-8 tables). pymarc's `MARCReader` is not used as the cutter
  because it trusts the record length in the leader: one wrong length would misalign every record
  after it; cutting at the terminator loses only the bad record, and the leader length is checked.
- MARCXML (MARC21slim; Koha's export, 952 items included): the bytes of each <record> element are
  cut from the stream and parsed alone with lxml, inside the namespace declarations of the document
  element, so a record that is not well-formed XML is reported and the records after it are read.

Every string is normalised to Unicode NFC (records.normalize_record). Each malformed record is
reported with its file, record number and byte offset and the reason, while the others are kept.
Records are keyed by (library, 003, 001), or (library, ISBN-13) where 001 is missing, among the
records of the same origin (the library's own, or those of one `--harvested-from` source name), so
a second import updates instead of duplicating, and a file from another library never overwrites the
library's own records; records harvested over OAI-PMH (keyed by their OAI identifier,
CatalogueRecord.source_identifier) are never matched. Records are written in batches (write_batch),
one transaction and a few queries per batch: the records it updates looked up at once, new records
and holdings inserted with bulk_create. When the database refuses a record, its batch is written
again one record at a time, a savepoint each, so only that record is lost and reported. Once a
batch commits, one task indexes its new and changed records for search (repository.search.tasks).
A batch holds only what is written (PreparedRecord), not the pymarc records.
"""

import dataclasses
import os
import re
import warnings
from collections.abc import Callable, Iterator

from django.db import transaction
from lxml import etree
from pymarc import BadSubfieldCodeWarning, Record

from ..models import CatalogueRecord, CatalogueSource, Holding
from ..search.tasks import reindex_catalogue_records_task
from . import records as marc
from .errors import MarcFileError, MarcRecordError

RECORD_TERMINATOR = b"\x1d"
LEADER_BYTES = 24
READ_BLOCK_BYTES = 64 * 1024
DEFAULT_BATCH_SIZE = 500
FORMAT_ISO2709 = "iso2709"
FORMAT_MARCXML = "marcxml"

_XML_RECORD_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?record(?=[\s>/])")
_XML_RECORD_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?record\s*>")
_XML_NAMESPACE_DECLARATION = re.compile(rb"""\sxmlns(?::[A-Za-z_][\w.-]*)?\s*=\s*(?:"[^"]*"|'[^']*')""")
# Bytes kept from the end of a block in which no <record> starts, in case a tag is cut in two.
_XML_TAIL_BYTES = 64


@dataclasses.dataclass
class RawRecord:
    """One record read from a file: its 1-based `number` in the file, the byte `offset` where it
    starts, and either `record` (a pymarc.Record, not yet normalised) or `error` (str, why it could
    not be read)."""

    number: int
    offset: int
    record: Record | None = None
    error: str = ""


@dataclasses.dataclass
class Failure:
    """A record that was not imported: file path, record number, byte offset, reason."""

    path: str
    number: int
    offset: int
    reason: str

    def __str__(self):
        return f"{self.path}: biểu ghi {self.number} (byte {self.offset}): {self.reason}"


@dataclasses.dataclass
class ImportReport:
    """Counts of an import: created, updated, unchanged (same record imported again), deleted
    (records the file marks deleted, leader/05 "d"), and the failures (list of Failure)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failures: list = dataclasses.field(default_factory=list)

    @property
    def failed(self):
        return len(self.failures)

    @property
    def imported(self):
        return self.created + self.updated + self.unchanged


def detect_format(path):
    """FORMAT_MARCXML when the file's first non-blank byte (after a UTF-8 BOM) is "<", else
    FORMAT_ISO2709. Raises MarcFileError when the file cannot be opened or is empty."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(4096)
    except OSError as exc:
        raise MarcFileError(f"{path}: không mở được tệp ({exc.strerror or exc})") from exc
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not head:
        raise MarcFileError(f"{path}: tệp rỗng")
    return FORMAT_MARCXML if head.startswith(b"<") else FORMAT_ISO2709


def _reason(exc):
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text}" if text and text != name else name


def decode_iso2709(chunk):
    """A pymarc.Record from the bytes of one ISO 2709 record (ending with 0x1D).

    Raises MarcRecordError when the record length in the leader (positions 00-04) is not five
    digits or not the record's size, or when pymarc cannot decode it (directory, base address,
    invalid UTF-8 in a record whose leader/09 is "a", ...).
    """
    length = chunk[:5]
    if len(chunk) < LEADER_BYTES:
        raise MarcRecordError(f"biểu ghi cụt: {len(chunk)} byte, ngắn hơn đầu biểu (24 byte)")
    if not length.isdigit():
        raise MarcRecordError(f"độ dài biểu ghi ở đầu biểu không phải 5 chữ số: {length!r}")
    if int(length) != len(chunk):
        raise MarcRecordError(
            f"độ dài ghi ở đầu biểu là {int(length)} byte nhưng biểu ghi dài {len(chunk)} byte"
        )
    try:
        with warnings.catch_warnings():
            # pymarc reads a damaged subfield code (a byte that is not ASCII) by guessing; refuse it.
            warnings.simplefilter("error", BadSubfieldCodeWarning)
            return Record(chunk, to_unicode=True, force_utf8=False, hide_utf8_warnings=True,
                          utf8_handling="strict")
    except BadSubfieldCodeWarning as exc:
        raise MarcRecordError(f"mã trường con không hợp lệ ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise MarcRecordError(f"mã UTF-8 không hợp lệ ở byte {exc.start} của một trường") from exc
    except Exception as exc:  # pymarc raises its own exceptions, ValueError, IndexError...
        raise MarcRecordError(f"không đọc được biểu ghi ({_reason(exc)})") from exc


def iter_iso2709(stream, progress: Callable[[int], None] | None = None) -> Iterator[RawRecord]:
    """Yield a RawRecord for each record of the binary `stream` (ISO 2709), in order.

    `progress(n)` is called with the number of bytes read after each block. Blank bytes (line
    breaks some systems put between records) are skipped; trailing bytes without a record
    terminator give a RawRecord with an error.
    """
    buffer = bytearray()
    base = 0  # file offset of buffer[0]
    number = 0
    while True:
        block = stream.read(READ_BLOCK_BYTES)
        if progress is not None and block:
            progress(len(block))
        buffer += block
        start = 0
        while True:
            end = buffer.find(RECORD_TERMINATOR, start)
            if end < 0:
                break
            chunk = bytes(buffer[start:end + 1])
            stripped = chunk.lstrip(b" \t\r\n")
            offset = base + start + (len(chunk) - len(stripped))
            start = end + 1
            number += 1
            try:
                yield RawRecord(number, offset, record=decode_iso2709(stripped))
            except MarcRecordError as exc:
                yield RawRecord(number, offset, error=str(exc))
        del buffer[:start]
        base += start
        if not block:
            rest = bytes(buffer).strip(b" \t\r\n\x1a\x00")
            if rest:
                number += 1
                offset = base + bytes(buffer).find(rest[:1])
                yield RawRecord(number, offset, error=(
                    f"biểu ghi cụt: {len(rest)} byte cuối tệp không có dấu kết thúc biểu ghi (1D)"
                ))
            return


def _xml_wrapper(preamble):
    """(open, close) bytes of an element carrying the namespace declarations found in `preamble`
    (the document's bytes before its first <record>), to parse one record alone."""
    declarations = b"".join(dict.fromkeys(_XML_NAMESPACE_DECLARATION.findall(preamble)))
    return b"<hoclieu-wrapper" + declarations + b">", b"</hoclieu-wrapper>"


def _parse_xml_record(chunk, wrapper):
    opening, closing = wrapper
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(opening + chunk + closing, parser)
    except etree.XMLSyntaxError as exc:
        raise MarcRecordError(f"XML không hợp lệ ({exc.msg})") from exc
    element = next((child for child in root if isinstance(child.tag, str)), None)
    if element is None or etree.QName(element).localname != "record":
        raise MarcRecordError("không có phần tử <record>")
    return marc.record_from_element(element)


def iter_marcxml(stream, progress: Callable[[int], None] | None = None) -> Iterator[RawRecord]:
    """Yield a RawRecord for each <record> of the MARCXML `stream` (binary, UTF-8), in order.

    Only one record's bytes are held at a time. `progress(n)` as in iter_iso2709. A record that is
    not well-formed, or lacks what MARCXML requires (records.record_from_element), gives a
    RawRecord with an error; so does a last <record> never closed.
    """
    buffer = bytearray()
    base = 0
    number = 0
    wrapper = None
    preamble = bytearray()
    eof = False
    while True:
        start_match = _XML_RECORD_START.search(buffer)
        end_match = _XML_RECORD_END.search(buffer, start_match.end()) if start_match else None
        if start_match and end_match:
            if wrapper is None:
                wrapper = _xml_wrapper(bytes(preamble + buffer[:start_match.start()]))
            number += 1
            # A <record> whose bytes hold another <record> start lost its end tag: cut there.
            next_start = _XML_RECORD_START.search(buffer, start_match.end(), end_match.start())
            stop = next_start.start() if next_start else end_match.end()
            chunk = bytes(buffer[start_match.start():stop])
            offset = base + start_match.start()
            try:
                if next_start:
                    raise MarcRecordError("thiếu thẻ đóng </record>")
                yield RawRecord(number, offset, record=_parse_xml_record(chunk, wrapper))
            except MarcRecordError as exc:
                yield RawRecord(number, offset, error=str(exc))
            del buffer[:stop]
            base += stop
            continue
        if eof:
            if start_match:
                number += 1
                yield RawRecord(number, base + start_match.start(),
                                error="biểu ghi cụt: tệp hết trước thẻ đóng </record>")
            return
        if start_match is None and len(buffer) > _XML_TAIL_BYTES:
            drop = len(buffer) - _XML_TAIL_BYTES
            if wrapper is None and len(preamble) < 65536:
                preamble += buffer[:drop]
            del buffer[:drop]
            base += drop
        block = stream.read(READ_BLOCK_BYTES)
        if progress is not None and block:
            progress(len(block))
        if not block:
            eof = True
        buffer += block


def iter_file(path, progress=None):
    """Yield RawRecords from the MARC file at `path`, ISO 2709 or MARCXML (detect_format).

    Raises MarcFileError when the file cannot be opened or is empty."""
    reader = iter_marcxml if detect_format(path) == FORMAT_MARCXML else iter_iso2709
    with open(path, "rb") as stream:
        yield from reader(stream, progress)


@dataclasses.dataclass
class PreparedRecord:
    """What an import writes for one record: the CatalogueRecord columns, the MARCXML, the holdings
    (list of dicts, records.record_holdings)."""

    columns: dict
    marcxml: str
    holdings: list


def prepare_record(record):
    """A PreparedRecord from a pymarc.Record (normalised to NFC here, in place: records.normalize_record).

    Raises MarcRecordError when the record has no title (245) or neither 001 nor a valid ISBN
    (020) to key it by."""
    record = marc.normalize_record(record)
    columns = marc.record_columns(record)
    if not columns["control_number"] and not columns["isbn"]:
        raise MarcRecordError("không có số kiểm soát (001) và không có ISBN hợp lệ (020) để nhận diện")
    if not columns["title"]:
        raise MarcRecordError("không có nhan đề (245 $a)")
    return PreparedRecord(columns, marc.record_as_marcxml(record), marc.record_holdings(record))


def record_key(columns):
    """The key of an imported record among its library's records of the same origin: ("001", 003,
    001), or ("isbn", ISBN-13) without 001."""
    if columns["control_number"]:
        return ("001", columns["control_number_identifier"], columns["control_number"])
    return ("isbn", columns["isbn"])


def existing_records(library, columns_list, source=CatalogueSource.LOCAL, source_name=""):
    """{key: CatalogueRecord (holdings prefetched)} of the imported records of `library` from
    `source`/`source_name` that the records with `columns_list` (dicts of record_columns) would
    update; one query per kind of key. Harvested records keyed by an OAI identifier are left out."""
    records = (CatalogueRecord.objects.filter(library=library, source=source, source_name=source_name,
                                              source_identifier="")
               .prefetch_related("holdings"))
    numbers = {c["control_number"] for c in columns_list if c["control_number"]}
    isbns = {c["isbn"] for c in columns_list if not c["control_number"]}
    found = {}
    if numbers:
        for record in records.filter(control_number__in=numbers):
            found[record_key({"control_number": record.control_number,
                        "control_number_identifier": record.control_number_identifier})] = record
    if isbns:
        for record in records.filter(control_number="", isbn__in=isbns):
            found[("isbn", record.isbn)] = record
    return found


def _holdings_of(record):
    return [
        {field: getattr(holding, field) for field in ("call_number", "barcode", "home_branch",
                                                      "holding_branch", "shelving_location", "item_type")}
        for holding in sorted(record.holdings.all(), key=lambda holding: holding.position)
    ]


LOOK_UP = object()  # save_record's `existing` when the caller has not looked the record up


def save_record(library, prepared, source=CatalogueSource.LOCAL, source_name="", existing=LOOK_UP,
                source_identifier=""):
    """Create or update the CatalogueRecord of `prepared` (a PreparedRecord) in `library`, and
    replace its holdings. Returns (outcome, record pk); outcome is "created", "updated" or
    "unchanged" (same MARCXML, source and holdings as stored). The search index is not updated
    here: import_raw_records queues one indexing task per batch. `existing` is the record to update, or
    None for a new one, when the caller has looked it up already (existing_records); by default
    it is looked up here by its key (record_key) among the records of `source`/`source_name`.
    `source_identifier` (an OAI identifier) makes a harvested record keyed by it: the caller must
    then give `existing` (ValueError otherwise), as exchange.harvesting does."""
    if existing is LOOK_UP:
        if source_identifier:
            raise ValueError("a record keyed by its source identifier needs `existing` from the caller")
        existing = existing_records(library, [prepared.columns], source, source_name).get(
            record_key(prepared.columns))
    values = _record_values(prepared, source, source_name, source_identifier)
    if existing is None:
        record = CatalogueRecord(library=library, **values)
        record._search_indexed_by_batch = True
        record.save()
        outcome = "created"
    else:
        record = existing
        if (all(getattr(record, key) == value for key, value in values.items())
                and _holdings_of(record) == prepared.holdings):
            return "unchanged", record.pk
        for key, value in values.items():
            setattr(record, key, value)
        record._search_indexed_by_batch = True
        record.save()
        record.holdings.all().delete()
        outcome = "updated"
    Holding.objects.bulk_create(
        Holding(record=record, position=position, **item) for position, item in enumerate(prepared.holdings)
    )
    return outcome, record.pk


def _record_values(prepared, source, source_name, source_identifier=""):
    return {**prepared.columns, "marcxml": prepared.marcxml, "source": source, "source_name": source_name,
            "source_identifier": source_identifier}


def _plan_batch(library, prepared_records, source, source_name):
    """What each PreparedRecord of `prepared_records` does to the catalogue, decided in order
    without writing: returns (outcomes, new, changed, holdings).

    `outcomes` is a list of (outcome, CatalogueRecord), one per prepared record, outcome "created",
    "updated" or "unchanged"; `new` the unsaved CatalogueRecords to create; `changed` the stored
    ones whose columns changed; `holdings` {record key: (CatalogueRecord, list of holding dicts)}
    for the new and changed records, the holdings they end with. A key met again is compared with,
    and updates, what the earlier record of the batch left, as if that one were saved already."""
    found = existing_records(library, [prepared.columns for prepared in prepared_records], source,
                             source_name)
    current = {key: (record, _holdings_of(record)) for key, record in found.items()}
    outcomes, new, changed, holdings = [], [], {}, {}
    for prepared in prepared_records:
        key = record_key(prepared.columns)
        values = _record_values(prepared, source, source_name)
        record, stored_holdings = current.get(key, (None, None))
        if record is None:
            record = CatalogueRecord(library=library, **values)
            new.append(record)
            outcome = "created"
        elif (stored_holdings == prepared.holdings
              and all(getattr(record, name) == value for name, value in values.items())):
            outcomes.append(("unchanged", record))
            continue
        else:
            for name, value in values.items():
                setattr(record, name, value)
            if record.pk is not None:
                changed[record.pk] = record
            outcome = "updated"
        current[key] = holdings[key] = (record, prepared.holdings)
        outcomes.append((outcome, record))
    return outcomes, new, list(changed.values()), holdings


def write_batch(library, prepared_records, source=CatalogueSource.LOCAL, source_name=""):
    """Create or update the CatalogueRecords of `prepared_records` (a list of PreparedRecord) in
    `library`, with their holdings, in one transaction and a few queries: one looks up the records
    they update (existing_records), one bulk_create inserts the new records, each changed record is
    saved, one delete and one bulk_create replace the holdings of the new and changed ones.

    Returns [(outcome, record pk)], one per prepared record in order, outcome as in save_record; a
    key met twice gives "created" then "updated" (or "unchanged"), as two save_record calls would.
    The search index is not updated here (import_raw_records queues it). Raises what the database
    raises (IntegrityError, DataError, ...) when it refuses any record; nothing is written then."""
    outcomes, new, changed, holdings = _plan_batch(library, prepared_records, source, source_name)
    with transaction.atomic():
        for record in new:
            record.set_folded_text()
        CatalogueRecord.objects.bulk_create(new)
        for record in changed:  # one UPDATE each: Django's bulk_update (a CASE per column) is slower
            record._search_indexed_by_batch = True
            record.save()
        Holding.objects.filter(record__in=changed).delete()
        Holding.objects.bulk_create(
            Holding(record=record, position=position, **item)
            for record, items in holdings.values() for position, item in enumerate(items)
        )
    return [(outcome, record.pk) for outcome, record in outcomes]


def _write_one_by_one(library, prepared_records, source, source_name):
    """Save `prepared_records` one at a time with save_record, a savepoint each, in one transaction.
    Returns one item per prepared record, in order: (outcome, record pk), or the exception the
    database raised for a record it refused (that record's writes are undone, the others kept)."""
    results = []
    with transaction.atomic():
        found = existing_records(library, [prepared.columns for prepared in prepared_records], source,
                                 source_name)
        seen = set()
        for prepared in prepared_records:
            key = record_key(prepared.columns)
            try:
                with transaction.atomic():
                    results.append(save_record(library, prepared, source, source_name,
                                               found.get(key) if key not in seen else LOOK_UP))
                seen.add(key)
            except Exception as exc:  # a database error on one record must not stop the import
                results.append(exc)
    return results


def import_raw_records(raw_records, library, path="", report=None, source=CatalogueSource.LOCAL,
                       source_name="", batch_size=DEFAULT_BATCH_SIZE):
    """Import an iterable of RawRecords into `library`, `batch_size` records at a time.

    Each batch is written by write_batch in one transaction. When the database refuses the batch,
    it is written again one record at a time, so only the records it refuses are lost: each becomes
    a Failure, as does a record that cannot be read or prepared, with its number and offset; the
    others are kept. Once a batch commits, one task is queued to index its new and changed records
    for search (reindex_catalogue_records_task). Returns the ImportReport (`report`, or a new one,
    updated in place).
    """
    report = report if report is not None else ImportReport()
    positions, batch = [], []  # (number, offset) and PreparedRecord of each record of the batch

    def flush():
        try:
            results = write_batch(library, batch, source, source_name)
        except Exception:  # a record the database refuses: write them one at a time to find it
            results = _write_one_by_one(library, batch, source, source_name)
        changed = []
        for (number, offset), prepared, result in zip(positions, batch, results, strict=True):
            if isinstance(result, Exception):
                report.failures.append(Failure(path, number, offset, f"không lưu được ({_reason(result)})"))
                continue
            outcome, pk = result
            setattr(report, outcome, getattr(report, outcome) + 1)
            if outcome != "unchanged":
                changed.append(pk)
                if prepared.columns["deleted"]:
                    report.deleted += 1
        if changed:
            ids = sorted(set(changed))
            transaction.on_commit(lambda: reindex_catalogue_records_task.enqueue(ids))
        positions.clear()
        batch.clear()

    for raw in raw_records:
        if raw.error:
            report.failures.append(Failure(path, raw.number, raw.offset, raw.error))
            continue
        try:
            prepared = prepare_record(raw.record)
        except MarcRecordError as exc:
            report.failures.append(Failure(path, raw.number, raw.offset, str(exc)))
            continue
        # Only what is written is kept until the batch is: the pymarc record is dropped here.
        positions.append((raw.number, raw.offset))
        batch.append(prepared)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return report


def import_marc_files(paths, library, source=CatalogueSource.LOCAL, source_name="",
                      batch_size=DEFAULT_BATCH_SIZE, progress_factory=None):
    """Import the MARC files `paths` (ISO 2709 or MARCXML) into `library`'s catalogue.

    `progress_factory(path, size)` may return a callable that is given the bytes read as the file
    is read (the command shows a progress bar with it), and may have a `close()`.
    A file that cannot be opened is a Failure with record number 0. Returns one ImportReport.
    """
    report = ImportReport()
    for path in paths:
        path = os.fspath(path)
        progress = None
        try:
            if progress_factory is not None:
                progress = progress_factory(path, os.path.getsize(path))
            import_raw_records(iter_file(path, progress), library, path=path, report=report,
                               source=source, source_name=source_name, batch_size=batch_size)
        except (MarcFileError, OSError) as exc:
            report.failures.append(Failure(path, 0, 0, str(exc) if isinstance(exc, MarcFileError)
                                           else f"không đọc được tệp ({exc})"))
        finally:
            if progress is not None and hasattr(progress, "close"):
                progress.close()
    return report
