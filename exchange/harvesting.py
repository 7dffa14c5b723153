"""Harvesting members' OAI-PMH 2.0 feeds into the hub's union catalogue, with oaipmh-scythe.

`harvest_source(source, full=False)` runs one harvest of a HarvestSource and returns its HarvestRun:

1. Identify (§4.2): the provider's granularity, and the responseDate that becomes the source's next
   `from` once this harvest has ended without a failure (OAI-PMH 2.0 §3.3.1 and the implementation
   guidelines for harvesters: the responseDate of the first response of a harvest, so a record
   changed while the harvest runs is fetched again next time rather than missed).
2. ListRecords (§4.5) from `source.last_datestamp` (at the provider's granularity), or from the start
   with `full`, in `source.metadata_prefix` and `source.set_spec`, following resumption tokens (§3.5)
   page by page (scythe's OAIResponseIterator). noRecordsMatch is an empty harvest, not an error.
3. Each page is applied in one transaction, each record in a savepoint: a record's MARCXML
   (MARC21slim in the record's <metadata>) is read like a MARCXML file's record
   (repository.catalogue.records.record_from_element), prepared and upserted by the print
   catalogue's own functions (repository.catalogue.importing.prepare_record, save_record) as a
   harvested CatalogueRecord of the source's member library, keyed by the source and the record's
   OAI identifier (§2.4; HarvestedRecord maps it to its row, one row per identifier), never by
   001/003 or ISBN: two sources, or two records of one feed, that share a 001/003 keep a row each,
   and a harvested record never overwrites one the library imported itself. A header with
   status="deleted" (§2.5.1) marks the record that identifier became deleted, which takes it out
   of search. One bad record is a failure with its identifier and reason; the others go on. After
   each page commits, one task indexes its changed records for search.
4. Access (repository.access.visible_catalogue_records): records from a source without a token are
   the provider's public feed, public metadata. With a token (a network's feed), a record is public
   only when its MARC 506 says so (first indicator 0, "no restrictions"); any other is `group`,
   seen only by readers of the libraries in the member library's network.

A harvest that fails as a whole (HTTP error, an OAI-PMH error other than noRecordsMatch, XML that
is not well-formed, an expired resumption token) keeps the records applied so far; the source's
last_datestamp moves on only after a harvest with no failure at all, so the next one fetches the
failed records again.

A harvest from the start (`full`, or a source with no last_datestamp yet) lists the whole feed.
When it ends with no failure at all, every page fetched and every record applied, the records of
the source whose identifiers the list did not hold are marked deleted as a deleted header would
(PageApplier.drop_unlisted; counted in the run's `deleted` and `dropped`). That is how a harvester
learns of deletions from a provider that keeps none (Identify deletedRecord `no`, or `transient`,
§4.2), and of records that left the source's set; a harvest that failed or lost a record marks
nothing.

After a run that created, changed or deleted records, the member library's changed records are
checked against the quality rules by a task (repository.tasks.check_changed_catalogue_records_task),
in the worker.
"""

import logging
from datetime import UTC, datetime, timedelta

import httpx2
from django.db import transaction
from django.utils import timezone
from lxml import etree
from oaipmh_scythe import HTTPConfig, RetryConfig, Scythe
from oaipmh_scythe.exceptions import NoRecordsMatch, OAIPMHException
from oaipmh_scythe.iterator import OAIResponseIterator

from repository.catalogue import records as marc
from repository.catalogue.errors import MarcRecordError
from repository.catalogue.importing import prepare_record, save_record
from repository.choices import AccessLevel
from repository.models import CatalogueRecord, CatalogueSource
from repository.search.tasks import reindex_catalogue_records_task
from repository.tasks import check_changed_catalogue_records_task

from .models import HarvestedRecord, HarvestRun, HarvestSource, HarvestStatus

logger = logging.getLogger("hoclieu.harvest")

OAI = "{http://www.openarchives.org/OAI/2.0/}"
MARC = f"{{{marc.MARCXML_NAMESPACE}}}"
TAG_ACCESS_RESTRICTIONS = "506"
ACCESS_UNRESTRICTED = "0"  # 506 first indicator: no restrictions
GRANULARITY_DAY = "YYYY-MM-DD"
SECONDS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DAY_FORMAT = "%Y-%m-%d"
HTTP_TIMEOUT_SECONDS = 120
HTTP_MAX_RETRIES = 3  # on 503 (busy; Retry-After honoured) and on connection errors


class HarvestRecordError(Exception):
    """A record of a feed that cannot become a catalogue record (no MARC 21 in its metadata)."""


def parse_datestamp(text):
    """An aware UTC datetime from an OAI-PMH UTCdatetime (`YYYY-MM-DDThh:mm:ssZ` or `YYYY-MM-DD`);
    raises ValueError for anything else."""
    for fmt in (SECONDS_FORMAT, DAY_FORMAT):
        try:
            return datetime.strptime((text or "").strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"not an OAI-PMH datestamp: {text!r}")


def format_from(moment, granularity):
    """`moment` (aware datetime) as the `from` argument at the provider's `granularity` (Identify)."""
    moment = moment.astimezone(UTC)
    return moment.strftime(DAY_FORMAT if granularity == GRANULARITY_DAY else SECONDS_FORMAT)


def record_access_level(record, with_token):
    """The CatalogueRecord access level (AccessLevel value) of a harvested pymarc.Record: public
    from a public feed (`with_token` False); from a network's feed, public only when a 506 says
    "no restrictions" (first indicator 0) and none says otherwise, else group."""
    if not with_token:
        return AccessLevel.PUBLIC.value
    indicators = {(field.indicators[0] if field.indicators else " ")
                  for field in record.get_fields(TAG_ACCESS_RESTRICTIONS)}
    return AccessLevel.PUBLIC.value if indicators == {ACCESS_UNRESTRICTED} else AccessLevel.GROUP.value


def open_scythe(source):
    """A Scythe client for `source`'s baseURL: its Bearer token (RFC 6750 §2.1) on every request when
    it has one, OAIResponseIterator (whole pages), retries on 503 and connection errors."""
    token = source.token

    def bearer(request):
        request.headers["Authorization"] = f"Bearer {token}"
        return request

    return Scythe(
        source.base_url,
        http_config=HTTPConfig(timeout=HTTP_TIMEOUT_SECONDS, auth=bearer if token else None),
        retry_config=RetryConfig(max_retries=HTTP_MAX_RETRIES, retry_on_transport_error=True,
                                 default_retry_after=30),
        iterator=OAIResponseIterator,
    )


def _text(element, path):
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _marc_element(record_element):
    """The MARC21slim <record> inside an OAI <record>'s <metadata> (also inside a <collection>)."""
    metadata = record_element.find(f"{OAI}metadata")
    if metadata is None:
        raise HarvestRecordError("biểu ghi không có <metadata>")
    for element in metadata.iter(f"{MARC}record"):
        return element
    raise HarvestRecordError(
        "<metadata> không chứa biểu ghi MARCXML (MARC21slim); hãy dùng metadataPrefix marcxml"
    )


def _mark_deleted(record_id, identifier):
    """Mark CatalogueRecord `record_id` deleted when it is the harvested record of OAI identifier
    `identifier` (never a record the library imported itself); True when it was not deleted before."""
    record = CatalogueRecord.objects.filter(pk=record_id, source_identifier=identifier, deleted=False).first()
    if record is None:
        return False
    record.deleted = True
    record._search_indexed_by_batch = True
    record.save(update_fields=["deleted", "updated_at"])
    return True


class PageApplier:
    """Applies the <record>s of ListRecords pages of one harvest to the catalogue (module step 3).

    With `track_listed` (a harvest of the complete list, from the start) it keeps the identifiers
    of every record the list held (`listed`, a set of str), for drop_unlisted."""

    def __init__(self, source, run, track_listed=False):
        self.source = source
        self.run = run
        self.with_token = source.has_token
        self.library = source.member_library
        self.listed = set() if track_listed else None

    def apply(self, root):
        """Apply one ListRecords response (`root`, the lxml <OAI-PMH> element); returns the number of
        records it held. The page's records are read and prepared first, then the records their
        identifiers became are looked up once for the page (HarvestedRecord); the page's changed
        records are indexed once its transaction commits."""
        items = []
        count = 0
        for element in root.iterfind(f"{OAI}ListRecords/{OAI}record"):
            count += 1
            header = element.find(f"{OAI}header")
            identifier = _text(header, f"{OAI}identifier") if header is not None else ""
            if identifier and self.listed is not None:
                self.listed.add(identifier)
            try:
                if not identifier:
                    raise HarvestRecordError("biểu ghi không có <header>/<identifier>")
                datestamp = _text(header, f"{OAI}datestamp")
                if header.get("status") == "deleted":
                    items.append((identifier, datestamp, None))
                    continue
                record = marc.record_from_element(_marc_element(element))
                prepared = prepare_record(record)
                prepared.columns["access_level"] = record_access_level(record, self.with_token)
                items.append((identifier, datestamp, prepared))
            except (HarvestRecordError, MarcRecordError) as exc:
                self.run.add_failure(identifier, str(exc))
        self._apply_items(items)
        return count

    def drop_unlisted(self, chunk_size=500):
        """Mark deleted the records of the source whose identifiers the complete list (`listed`)
        did not hold, as a `status="deleted"` header would (their HarvestedRecord keeps its
        datestamp); counted in the run's `deleted` and `dropped`. Returns how many were marked."""
        unlisted = [(identifier, datestamp) for identifier, datestamp in
                    HarvestedRecord.objects.filter(source=self.source, deleted=False)
                    .values_list("identifier", "datestamp").iterator()
                    if identifier not in self.listed]
        before = self.run.deleted
        for start in range(0, len(unlisted), chunk_size):
            self._apply_items([(identifier, datestamp, None)
                               for identifier, datestamp in unlisted[start:start + chunk_size]])
        self.run.dropped += self.run.deleted - before
        return self.run.deleted - before

    def _apply_items(self, items):
        """Apply [(identifier, datestamp, PreparedRecord, or None for a deletion)] in one transaction,
        each in a savepoint; a record that cannot be saved is a failure and the others go on."""
        changed = []
        with transaction.atomic():
            self.links = {link.identifier: link for link in HarvestedRecord.objects.filter(
                source=self.source, identifier__in=[identifier for identifier, _d, _p in items])}
            self.records = CatalogueRecord.objects.prefetch_related("holdings").in_bulk(
                [link.record_id for link in self.links.values() if link.record_id])
            self.seen = set()
            for identifier, datestamp, prepared in items:
                try:
                    with transaction.atomic():
                        if prepared is None:
                            changed += self._delete(identifier, datestamp)
                        else:
                            changed += self._upsert(identifier, datestamp, prepared)
                    self.seen.add(identifier)
                except Exception as exc:  # a database error on one record must not stop the harvest
                    logger.exception("harvest %s: record %s not saved", self.source.name, identifier)
                    self.run.add_failure(identifier, f"không lưu được ({type(exc).__name__}: {exc})")
            if changed:
                ids = sorted(set(changed))
                transaction.on_commit(lambda: reindex_catalogue_records_task.enqueue(ids))

    def _own_record(self, link, identifier):
        """The CatalogueRecord (holdings prefetched) that `identifier` became in the member library,
        or None: no link yet, a tombstone, or a row that is not this identifier's harvested record
        in this library (the member library was changed, or a row shared before identifiers
        keyed harvested records): a new row is made then."""
        if link is None or link.record_id is None:
            return None
        if identifier in self.seen:  # the identifier came twice in this page: read its row again
            record = CatalogueRecord.objects.prefetch_related("holdings").filter(pk=link.record_id).first()
        else:
            record = self.records.get(link.record_id)
        if record is None or record.source_identifier != identifier or record.library_id != self.library.pk:
            return None
        return record

    def _upsert(self, identifier, datestamp, prepared):
        link = self.links.get(identifier)
        existing = self._own_record(link, identifier)
        outcome, pk = save_record(self.library, prepared, CatalogueSource.HARVESTED, self.source.name,
                                  existing, source_identifier=identifier)
        setattr(self.run, outcome, getattr(self.run, outcome) + 1)
        changed = [] if outcome == "unchanged" else [pk]
        if link is None:
            self.links[identifier] = HarvestedRecord.objects.create(
                source=self.source, identifier=identifier, datestamp=datestamp, record_id=pk)
            return changed
        if link.record_id and link.record_id != pk and _mark_deleted(link.record_id, identifier):
            changed.append(link.record_id)  # its row in the former member library goes
        link.record_id, link.datestamp, link.deleted = pk, datestamp, False
        link.save(update_fields=["record", "datestamp", "deleted"])
        return changed

    def _delete(self, identifier, datestamp):
        link = self.links.get(identifier)
        if link is None:  # a record this hub never held: remember its tombstone only
            self.links[identifier] = HarvestedRecord.objects.create(
                source=self.source, identifier=identifier, datestamp=datestamp, deleted=True)
            return []
        changed = []
        if link.record_id and _mark_deleted(link.record_id, identifier):
            self.run.deleted += 1
            changed.append(link.record_id)
        link.datestamp, link.deleted = datestamp, True
        link.save(update_fields=["datestamp", "deleted"])
        return changed


def _complete_list_size(root):
    token = root.find(f"{OAI}ListRecords/{OAI}resumptionToken")
    size = token.get("completeListSize") if token is not None else None
    return int(size) if size and size.isdigit() else None


def harvest_source(source, full=False, progress=None):
    """Harvest HarvestSource `source` once (see the module docstring); returns the HarvestRun.

    `full`: ListRecords from the start instead of from `source.last_datestamp`. `progress(run,
    records, complete_list_size)` is called after each page with the records read so far and the
    provider's completeListSize (None when it gives none). Never raises for what the provider
    sends: a failed harvest is a run with status "failed" and its message.
    """
    from_moment = None if full else source.last_datestamp
    run = HarvestRun.objects.create(source=source, full=full, from_datestamp=from_moment)
    HarvestSource.objects.filter(pk=source.pk).update(last_status=HarvestStatus.RUNNING,
                                                     last_run_at=run.started_at)
    applier = PageApplier(source, run, track_listed=from_moment is None)
    records = 0
    try:
        with open_scythe(source) as scythe:
            identify = scythe.harvest({"verb": "Identify"}).xml
            run.response_date = parse_datestamp(_text(identify, f"{OAI}responseDate"))
            granularity = _text(identify, f"{OAI}Identify/{OAI}granularity")
            arguments = {"metadata_prefix": source.metadata_prefix, "set_": source.set_spec or None}
            if from_moment is not None:
                arguments["from_"] = format_from(from_moment, granularity)
            try:
                for response in scythe.list_records(**arguments):
                    root = response.xml
                    records += applier.apply(root)
                    run.pages += 1
                    run.save()
                    if progress is not None:
                        progress(run, records, _complete_list_size(root))
            except NoRecordsMatch:
                pass
    except (OAIPMHException, httpx2.HTTPError, etree.XMLSyntaxError, ValueError) as exc:
        run.status = HarvestStatus.FAILED
        run.message = _describe(exc)
        logger.warning("harvest %s failed: %s", source.name, run.message)
    else:
        if from_moment is None and not run.failed:
            applier.drop_unlisted()
        run.status = HarvestStatus.PARTIAL if run.failed else HarvestStatus.SUCCESS
    run.finished_at = timezone.now()
    run.save()
    if run.created or run.updated or run.deleted:
        library_ids = [source.member_library_id]
        transaction.on_commit(lambda: check_changed_catalogue_records_task.enqueue(library_ids))
    updates = {"last_status": run.status}
    if run.status == HarvestStatus.SUCCESS and run.response_date is not None:
        updates["last_datestamp"] = run.response_date
    HarvestSource.objects.filter(pk=source.pk).update(**updates)
    for name, value in updates.items():
        setattr(source, name, value)
    return run


def _describe(exc):
    """A one-line reason (str) for a harvest that failed as a whole."""
    if isinstance(exc, httpx2.HTTPStatusError):
        return f"HTTP {exc.response.status_code} từ {exc.request.url}: {exc.response.text[:200].strip()}"
    if isinstance(exc, httpx2.HTTPError):
        return f"Lỗi kết nối ({type(exc).__name__}): {exc}"
    if isinstance(exc, OAIPMHException):
        return f"Lỗi OAI-PMH {type(exc).__name__}: {exc}"
    if isinstance(exc, etree.XMLSyntaxError):
        return f"Phản hồi không phải XML hợp lệ: {exc}"
    return f"{type(exc).__name__}: {exc}"


def claim_due_sources(now=None):
    """The pks (list of int) of the sources due at `now` (default: the current time) that this call
    claimed: each one's next_harvest_at is moved to now + its interval by a conditional update, so
    when several workers tick together each due source is claimed once."""
    now = now or timezone.now()
    claimed = []
    for source in HarvestSource.objects.due(now).only("pk", "next_harvest_at", "interval_minutes"):
        following = now + timedelta(minutes=source.interval_minutes)
        won = HarvestSource.objects.filter(pk=source.pk, next_harvest_at=source.next_harvest_at).update(
            next_harvest_at=following)
        if won:
            claimed.append(source.pk)
    return claimed
