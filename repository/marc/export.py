"""Export the MARC records of all published materials, for the library system (ILS) to import.

The export is the library's own: it holds every published material, school-only ones included,
because the ILS is the library's catalogue of its whole collection (DESIGN.md "the rules").
Access to each material stays with Hoclieu (506 says who may read it; 856 leads to the page,
which checks repository.access).

An incremental export (`since`, for a nightly import) holds the records changed since then and a
deletion record (leader/05 "d") for each material unpublished or deleted since then, found in
Wagtail's page log ("wagtail.unpublish", "wagtail.delete", which keep the page id and title).
"""

import gc
from itertools import chain

from .build import build_deleted_record, build_record, organization_code
from .errors import MarcError
from .write import write_iso2709, write_marcxml

CHUNK_SIZE = 200  # rows fetched per database round trip while streaming
# Wagtail's log actions after which a material no longer has a live page.
UNPUBLISH_ACTIONS = ("wagtail.unpublish", "wagtail.unpublish.scheduled")
DELETE_ACTION = "wagtail.delete"
PUBLISH_ACTION = "wagtail.publish"
FORMAT_ISO2709 = "iso2709"
FORMAT_MARCXML = "marcxml"
WRITERS = {FORMAT_ISO2709: write_iso2709, FORMAT_MARCXML: write_marcxml}


class UnknownLibrary(MarcError):
    """No library has the code given to the export."""


def _check_library(library_code):
    from ..models import Library

    if library_code and not Library.objects.filter(code=library_code).exists():
        raise UnknownLibrary(f"Không có thư viện mã {library_code}.")


def _with_related(materials):
    return materials.select_related("file", "library__network", "print_twin").prefetch_related(
        "tagged_items__tag"
    )


def published_materials(library_code=None, since=None):
    """Live MaterialPages ordered by id (a QuerySet), optionally of the library `library_code`.

    With `since` (an aware datetime), only those whose record changed at or after it: published
    again, or whose file the pipeline processed again (page count, duration: 300, 306, 347).
    Raises UnknownLibrary if no library has that code.
    """
    from django.db.models import Q

    from ..models import MaterialPage

    _check_library(library_code)
    materials = MaterialPage.objects.live().order_by("pk")
    if library_code:
        materials = materials.filter(library__code=library_code)
    if since is not None:
        materials = materials.filter(Q(last_published_at__gte=since) | Q(file__processed_at__gte=since))
    return _with_related(materials)


def _withdrawn_log(since):
    """PageLogEntries of MaterialPages unpublished or deleted at or after `since`, once published."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import PageLogEntry

    from ..models import MaterialPage

    content_type = ContentType.objects.get_for_model(MaterialPage)
    once_published = PageLogEntry.objects.filter(action=PUBLISH_ACTION).values("page_id")
    return PageLogEntry.objects.filter(
        content_type=content_type, timestamp__gte=since,
        action__in=(*UNPUBLISH_ACTIONS, DELETE_ACTION), page_id__in=once_published,
    )


def withdrawn_materials(since, library_code=None):
    """MaterialPages that still exist but are not live and were unpublished at or after `since`.

    A QuerySet ordered by id; each page has `withdrawn_at`, the moment of its last unpublishing.
    Raises UnknownLibrary if no library has code `library_code`.
    """
    from django.db.models import OuterRef, Subquery

    from ..models import MaterialPage

    _check_library(library_code)
    log = _withdrawn_log(since)
    last_withdrawal = log.filter(page_id=OuterRef("pk")).order_by("-timestamp").values("timestamp")[:1]
    materials = (
        MaterialPage.objects.filter(live=False, pk__in=log.values("page_id"))
        .annotate(withdrawn_at=Subquery(last_withdrawal)).order_by("pk")
    )
    if library_code:
        materials = materials.filter(library__code=library_code)
    return _with_related(materials)


def deleted_material_log(since):
    """(page id, title, deleted at, first published at or None) of MaterialPages deleted since `since`.

    An iterator, ordered by page id, one tuple per page, read from Wagtail's "wagtail.delete" log
    entries of pages that had been published. Deleted pages have no library any more, so this is
    not filtered by library.
    """
    from wagtail.models import Page, PageLogEntry

    entries = (
        _withdrawn_log(since).filter(action=DELETE_ACTION)
        .exclude(page_id__in=Page.objects.values("pk"))
        .order_by("page_id", "-timestamp")
        .values_list("page_id", "label", "timestamp")
    )
    previous = None
    for page_id, label, timestamp in entries.iterator(chunk_size=CHUNK_SIZE):
        if page_id == previous:
            continue
        previous = page_id
        first = (
            PageLogEntry.objects.filter(page_id=page_id, action=PUBLISH_ACTION)
            .order_by("timestamp").values_list("timestamp", flat=True).first()
        )
        yield page_id, label, timestamp, first


def _released(pages):
    """Yield each page of `pages`; once its record is built, let its objects go.

    Model instances hold reference cycles (a prefetched tagged item points back to its page, a
    FieldFile to its document), which plain reference counting never frees: left to the garbage
    collector's rare full passes they pile up, and an export's memory would grow with the
    collection. The prefetched keywords are dropped at once, and a full collection after every
    CHUNK_SIZE pages frees the rest (a few per cent of the export's time;
    benchmarks/bench_marc_export.py measures both).
    """
    for count, page in enumerate(pages, start=1):
        yield page
        page._prefetched_objects_cache = {}
        if count % CHUNK_SIZE == 0:
            gc.collect()


def iter_records(library_code=None, base_url=None, since=None):
    """The pymarc Records to export, built one at a time (an iterator), in three runs ordered by id.

    Without `since`: every published material. With `since` (aware datetime): the materials changed
    since then (leader/05 "n"), then those unpublished since then (full record, leader/05 "d"), then
    those deleted since then (minimal record, leader/05 "d"; see build_deleted_record). A deleted
    page's library is unknown; with `library_code` its record carries that library's organisation
    code in 003, as that library's earlier exports did. Raises UnknownLibrary, MarcBuildError.
    """
    materials = published_materials(library_code, since)
    records = (
        build_record(page, base_url=base_url) for page in _released(materials.iterator(chunk_size=CHUNK_SIZE))
    )
    if since is None:
        return records
    withdrawn = (
        build_record(page, base_url=base_url, deleted=True, changed_at=page.withdrawn_at)
        for page in _released(withdrawn_materials(since, library_code).iterator(chunk_size=CHUNK_SIZE))
    )
    organization = organization_code(library_code)
    deleted = (
        build_deleted_record(page_id, title, deleted_at, entered, organization=organization)
        for page_id, title, deleted_at, entered in deleted_material_log(since)
    )
    return chain(records, withdrawn, deleted)


def export_records(stream, fmt=FORMAT_ISO2709, library_code=None, base_url=None, since=None):
    """Write the records of iter_records(library_code, base_url, since) to the binary `stream` in `fmt`.

    Records are built and written one at a time from a database iterator, so memory does not grow
    with the collection (benchmarks/bench_marc_export.py). Returns the number of records written.
    Raises ValueError for an unknown `fmt`, UnknownLibrary, and the MarcError of a record that
    cannot be built or written.
    """
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise ValueError(f"Định dạng không hỗ trợ: {fmt} (chọn {', '.join(WRITERS)}).") from None
    return writer(iter_records(library_code, base_url, since), stream)
