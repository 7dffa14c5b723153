"""Haystack's Whoosh backend with Vietnamese folding, verbatim facet fields and a patient writer.

Settings (cms/settings/base.py)::

    HAYSTACK_CONNECTIONS = {"default": {
        "ENGINE": "repository.search.backend.VietnameseWhooshEngine",
        "PATH": ".../whoosh_index",
        "LOCK_TIMEOUT": 10.0,   # optional, seconds to wait for the index's write lock
    }}

What changes from haystack's WhooshSearchBackend:
- the ranked fields (repository.search.fields.PreparedTermsField) hold terms prepared in Python and
  are only split on spaces (Whoosh's SpaceSeparatedTokenizer), weighted by their haystack `boost`
  (Whoosh's `field_boost`, scored with BM25F), without positions (bigrams stand for adjacency);
- other full-text fields use `repository.search.text.vietnamese_analyzer` (no stemming, diacritics folded)
  at index and at query time, since Whoosh's query parser analyses a term with its field's analyzer;
  the document field is neither stored nor sortable (it holds whole extracted texts);
- facet fields (haystack's `Facet*Field` of strings, e.g. `subject_exact`, `access_level`) are Whoosh
  `ID` fields: one verbatim, sortable term, so filters match exactly and facets count whole values;
- searches keep their searcher while the index is unchanged, match filter queries without
  scoring, and count facets from columns (see `VietnameseWhooshSearchBackend.search`);
- writes wait for Whoosh's single write lock. The web process (publishing) and the task worker (a
  file's processing finishing) both write to the same index; haystack's remove() would log a
  LockError and drop the removal. Here a writer retries the lock every `LOCK_DELAY` seconds for up
  to `LOCK_TIMEOUT` seconds, then raises IndexLockedError.
"""

import logging

from django.conf import settings
from django.utils.encoding import force_str
from haystack.backends import log_query
from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SearchBackendError, SkipDocument
from haystack.fields import FacetField
from haystack.utils import get_identifier, get_model_ct
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID as WHOOSH_ID
from whoosh.fields import TEXT, Schema
from whoosh.index import LockError
from whoosh.sorting import Count, FieldFacet
from whoosh.writing import CLEAR

from .text import vietnamese_analyzer

logger = logging.getLogger("hoclieu.search")

# Seconds to keep trying for the write lock, and seconds between two tries.
LOCK_TIMEOUT = 10.0
LOCK_DELAY = 0.1
# Filter queries (e.g. one reader's access limit) whose document sets are kept per searcher.
FILTER_CACHE_SIZE = 64


class IndexLockedError(SearchBackendError):
    """The Whoosh index's write lock stayed taken for the whole lock timeout."""


class VietnameseWhooshSearchBackend(WhooshSearchBackend):
    """WhooshSearchBackend with the Vietnamese schema and lock handling described in the module."""

    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self.lock_timeout = float(connection_options.get("LOCK_TIMEOUT", LOCK_TIMEOUT))
        self._kept = None

    def build_schema(self, fields):
        """Haystack's schema with Vietnamese text fields and ID facet fields.

        `fields` maps names to haystack SearchFields; returns (document field name, whoosh Schema).
        """
        content_field_name, schema = super().build_schema(fields)
        # Only haystack's own fields: leave out the spelling sub-field Whoosh adds for the document.
        names = {ID, DJANGO_CT, DJANGO_ID} | {field.index_fieldname for field in fields.values()}
        whoosh_fields = {name: schema[name] for name in names}
        for field in fields.values():
            name = field.index_fieldname
            if field.field_type != "string" or field.is_multivalued:
                continue
            if getattr(field, "prepared_terms", False):
                whoosh_fields[name] = TEXT(analyzer=SpaceSeparatedTokenizer(), field_boost=field.boost,
                                           phrase=False, stored=False)
            elif isinstance(field, FacetField):
                whoosh_fields[name] = WHOOSH_ID(stored=True, sortable=True)
            else:
                whoosh_fields[name] = TEXT(
                    analyzer=field.analyzer or vietnamese_analyzer(),
                    field_boost=field.boost,
                    stored=not field.document,
                    sortable=not field.document,
                )
        return content_field_name, Schema(**whoosh_fields)

    def setup(self):
        """Haystack's setup (open or create the index), forgetting the searcher kept for queries."""
        super().setup()
        self._close_searcher()

    def _close_searcher(self):
        kept = getattr(self, "_kept", None)
        self._kept = None
        if kept is not None:
            kept["searcher"].close()

    def _searcher_and_filters(self):
        """(Whoosh searcher, {filter query: docnum set}) for the index as it is now.

        The searcher is kept between queries (opening one reads the segment's files, which costs
        more than a short query at 10k materials) and opened again when the index has changed: its
        generation or its segments (a cleared and re-created index starts its generations again).
        The filter sets belong to that searcher and go with it."""
        toc = self.index._read_toc()
        signature = (toc.generation, tuple(segment.segment_id() for segment in toc.segments))
        if self._kept is None or self._kept["signature"] != signature:
            self._close_searcher()
            self._kept = {"signature": signature, "searcher": self.index.searcher(), "filters": {}}
        return self._kept["searcher"], self._kept["filters"]

    def _filter_docs(self, searcher, filters, narrow_query):
        """The document numbers (set of int) matching `narrow_query` (Whoosh syntax), unscored,
        cached per searcher (readers mostly share a few access filters)."""
        docs = filters.get(narrow_query)
        if docs is None:
            if len(filters) >= FILTER_CACHE_SIZE:
                filters.clear()
            docs = filters[narrow_query] = set(searcher.docs_for_query(self.parser.parse(narrow_query)))
        return docs

    @log_query
    def search(self, query_string, sort_by=None, start_offset=0, end_offset=None, fields="",
               highlight=False, facets=None, date_facets=None, query_facets=None, narrow_queries=None,
               spelling_query=None, within=None, dwithin=None, distance_point=None, models=None,
               limit_to_registered_models=None, result_class=None, **kwargs):
        """Haystack's Whoosh search (same arguments and return value), with these changes:

        - all narrow (filter) queries and the model limit are joined into one query, matched
          without scoring into a set of document numbers (cached while the index is unchanged)
          that is Whoosh's `filter`. Haystack ran each narrow query as a scored search of every
          matching document and intersected the hits; and Whoosh treats an *empty* filter as no
          filter at all (collectors.py: ``ftc(allow) if allow else None``), so two filters that
          exclude each other, e.g. "what this reader may see" and "grade 11", let every document
          through. Here an empty filter answers no hits;
        - the searcher is kept between queries (`_searcher_and_filters`);
        - facets of single-valued fields (all of Hoclieu's) are counted from the field's column
          (Whoosh's FieldFacet without overlap) instead of a list of every document's values built
          again at each search; documents without a value are counted under None, as haystack
          counts them.
        Date facets, highlighting and spelling go to haystack's implementation, with the joined
        filter query.
        """
        if limit_to_registered_models is None:
            limit_to_registered_models = getattr(settings, "HAYSTACK_LIMIT_TO_REGISTERED_MODELS", True)
        if models:
            model_cts = sorted(get_model_ct(model) for model in models)
        elif limit_to_registered_models:
            model_cts = self.build_models_list()
        else:
            model_cts = []
        clauses = sorted(narrow_queries or ())
        if model_cts:
            clauses.append(" OR ".join(f"{DJANGO_CT}:{ct}" for ct in model_cts))

        joined = " AND ".join(f"({clause})" for clause in clauses)
        if date_facets or highlight or spelling_query:
            return super().search(
                query_string, sort_by=sort_by, start_offset=start_offset, end_offset=end_offset,
                fields=fields, highlight=highlight, facets=facets, date_facets=date_facets,
                query_facets=query_facets, narrow_queries={joined} if joined else None,
                spelling_query=spelling_query, models=None, limit_to_registered_models=False,
                result_class=result_class, **kwargs,
            )
        if not self.setup_complete:
            self.setup()
        query_string = force_str(query_string)
        if not query_string or (len(query_string) <= 1 and query_string != "*"):
            return {"results": [], "hits": 0}
        if query_facets is not None:
            logger.warning("Whoosh does not handle query faceting.")

        self.index = self.index.refresh()
        if not self.index.doc_count():
            return {"results": [], "hits": 0, "spelling_suggestion": None}
        searcher, filters = self._searcher_and_filters()
        search_kwargs = {}
        if joined:
            docs = self._filter_docs(searcher, filters, joined)
            if not docs:
                return {"results": [], "hits": 0}
            search_kwargs["filter"] = docs
        parsed_query = self.parser.parse(query_string)
        if parsed_query is None:
            return {"results": [], "hits": 0}

        reverse = False
        if sort_by is not None:
            directions = {name.startswith("-") for name in sort_by}
            if len(directions) > 1:
                raise SearchBackendError("Whoosh requires all order_by fields to use the same sort direction")
            reverse = directions == {True}
            sort_by = [name.lstrip("-") for name in sort_by]
        facet_types = {}
        group_by = []
        for facet in facets or ():
            field = self.schema[facet] if facet in self.schema.names() else None
            overlap = field is None or field.column_type is None or field.column_type.stores_lists()
            group_by.append(FieldFacet(facet, allow_overlap=overlap, maptype=Count))
            facet_types[facet] = "fields"

        page_num, page_length = self.calculate_page(start_offset, end_offset)
        try:
            raw_page = searcher.search_page(parsed_query, page_num, pagelen=page_length, sortedby=sort_by,
                                            reverse=reverse, groupedby=group_by, **search_kwargs)
        except ValueError:
            if not self.silently_fail:
                raise
            return {"results": [], "hits": 0, "spelling_suggestion": None}
        # As in haystack: Whoosh 2.5+ answers the last page for a page past the end.
        if raw_page.pagenum < page_num:
            return {"results": [], "hits": 0, "spelling_suggestion": None}
        results = self._process_results(raw_page, query_string=query_string, result_class=result_class,
                                        facet_types=facet_types)
        fields = results.get("facets", {}).get("fields", {})
        for name, counts in fields.items():
            fields[name] = _without_value_as_none(counts)
        return results

    def writer(self):
        """A Whoosh writer holding the write lock; use it as a context manager (commits on exit).

        Raises IndexLockedError when the lock is not free within `lock_timeout` seconds.
        """
        if not self.setup_complete:
            self.setup()
        self.index = self.index.refresh()
        try:
            return self.index.writer(timeout=self.lock_timeout, delay=LOCK_DELAY)
        except LockError as exc:
            raise IndexLockedError(
                f"Chỉ mục tìm kiếm {self.path} đang bị khoá ghi quá {self.lock_timeout:g} giây."
            ) from exc

    def update(self, index, iterable, commit=True):
        """Add or replace the documents of `iterable` (model instances) prepared by `index`.

        A document whose preparation fails is logged and skipped (or raised when SILENTLY_FAIL is
        False); the others are written in one commit.
        """
        objects = list(iterable)
        if not objects:
            return
        with self.writer() as writer:
            for doc in self._documents(index, objects):
                writer.update_document(**doc)

    def _documents(self, index, objects):
        """Whoosh documents (dicts) of `objects` prepared by `index`; see `update` for failures."""
        for obj in objects:
            try:
                doc = index.full_prepare(obj)
            except SkipDocument:
                continue
            except Exception:
                if not self.silently_fail:
                    raise
                logger.exception("Không chuẩn bị được %s để đánh chỉ mục", get_identifier(obj))
                continue
            doc = {key: self._from_python(value) for key, value in doc.items()}
            doc.pop("boost", None)  # document boosts are not supported by Whoosh 2.5+
            yield doc

    def rebuild(self, index, iterable, extra=()):
        """Replace the whole index by the documents of `iterable` (model instances, read lazily)
        prepared by `index`, and those of each (index, iterable) pair of `extra`, in one commit:
        readers see the old index until the new one is complete, never an empty or half-built one
        (Whoosh's CLEAR merge drops the old segments only at commit). Holds the write lock
        throughout; a failure leaves the old index as it was. Returns the number of documents written."""
        writer = self.writer()
        written = 0
        try:
            for source_index, source in ((index, iterable), *extra):
                for doc in self._documents(source_index, source):
                    writer.add_document(**doc)
                    written += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR)
        return written

    def vocabulary_version(self):
        """A value that changes whenever the index does (Whoosh's latest generation number)."""
        if not self.setup_complete:
            self.setup()
        self.index = self.index.refresh()
        return self.index.latest_generation()

    def field_vocabulary(self, fieldname, skip=None):
        """The terms of the index field `fieldname` with their document frequencies: a list of
        (str, int), in the index's term order. Terms containing the string `skip` (e.g. "_" for
        bigrams) are left out. Empty for a field the index does not have. Reads each term's
        frequency from the term's own entry, in one pass over the field's terms."""
        if not self.setup_complete:
            self.setup()
        self.index = self.index.refresh()
        if fieldname not in self.index.schema.names():
            return []
        skipped = skip.encode("utf-8") if skip else None
        with self.index.reader() as reader:
            return [(term.decode("utf-8"), info.doc_frequency())
                    for term, info in reader.iter_field(fieldname)
                    if skipped is None or skipped not in term]

    def remove(self, obj_or_string, commit=True):
        """Delete the document of `obj_or_string` (a model instance or "app.model.pk")."""
        with self.writer() as writer:
            writer.delete_by_term(ID, get_identifier(obj_or_string))


def _without_value_as_none(counts):
    """Facet `counts` [(value, count)] sorted by count then value, with the documents without a
    value (a column answers "") counted under None, placed as haystack places it: before the first
    value counted fewer times, else last."""
    missing = sum(count for value, count in counts if value in ("", None))
    counted = [(value, count) for value, count in counts if value not in ("", None)]
    if missing:
        position = next((i for i, (_value, count) in enumerate(counted) if count < missing), len(counted))
        counted.insert(position, (None, missing))
    return counted


class VietnameseWhooshEngine(WhooshEngine):
    """Haystack engine for `VietnameseWhooshSearchBackend` (with haystack's Whoosh query class)."""

    backend = VietnameseWhooshSearchBackend
