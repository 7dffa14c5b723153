"""Haystack search backend on Xapian (Debian's `python3-xapian`, a C++ engine), for Hoclieu's index.

Settings (cms/settings/base.py)::

    HAYSTACK_CONNECTIONS = {"default": {
        "ENGINE": "repository.search.backend.XapianEngine",
        "PATH": ".../search_index",   # a Xapian database (a folder), created when first written
        "LOCK_TIMEOUT": 10.0,         # optional, seconds to wait for the database's write lock
        "BM25": (1.2, 0, 1, 0.75, 0.5),  # optional, BM25Weight's k1, k2, k3, b, min_normlen
    }}

How haystack's index fields (repository/search_indexes.py) become a Xapian document:
- a ranked field (repository.search.fields.PreparedTermsField: `title_terms`, ...) holds terms
  prepared in Python (repository.search.vietnamese); they are split on spaces only and each is
  added as the term ``X<FIELD>:<term>`` with its count in the field as its within-document
  frequency, without positions (bigrams stand for adjacency);
- every other single-valued field (the facet fields such as ``subject_exact``, ``access_level``,
  ``library_id``, and ``published_at``) is a value slot, for facet counts and sorting, and, when not
  empty, a boolean term ``X<FIELD>:<value>`` for filters (datetimes as UTC ``YYYYMMDDHHMMSSffffff``);
- the document field (`text`) is not indexed: ranking uses the prepared fields only;
- ``Q<app.model.pk>`` identifies the document, ``XDJANGO_CT:<app.model>`` its model; the
  document's data is its identifier.

Queries are repository.search.expressions trees (narrow queries and the raw query of
`SearchQuerySet.raw_search`): `Term` on a ranked field is that field's term with its weight scaled
by the field's haystack `boost` (Xapian's OP_SCALE_WEIGHT; BM25 weighting with Robertson's usual
k1 = 1.2 and b = 0.75, which ranked the ViRHE4QA questions a little better than Xapian's defaults
of 1 and 0.5: P@1 76.1% against 74.5% in benchmarks/bench_search_quality.py); `AnyOf` is
OP_OR, `AllOf` OP_AND; narrow queries and the model limit filter without
scoring (OP_FILTER). One search answers the page of hits, the exact hit count and the facet counts
(`ValueCountMatchSpy` on each facet's slot, all matches checked).

Writes: Xapian allows one writer per database. A writer waits for the lock, trying every
`LOCK_DELAY` seconds for up to `LOCK_TIMEOUT` seconds, then raises IndexLockedError (the task
worker queues the work again, repository.search.tasks). Each write is one Xapian transaction, so a
reader sees a write whole or not at all; `rebuild` replaces every document in one transaction.
"""

import logging
import time
from collections import Counter
from datetime import UTC, date, datetime

import xapian
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from haystack import connections
from haystack.backends import BaseEngine, BaseSearchBackend, BaseSearchQuery, log_query
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SearchBackendError, SkipDocument
from haystack.inputs import Raw
from haystack.models import SearchResult
from haystack.utils import get_identifier, get_model_ct

from .expressions import AllOf, AnyOf, Term

# Seconds to keep trying for the write lock, and seconds between two tries.
LOCK_TIMEOUT = 10.0
LOCK_DELAY = 0.1
# Xapian's limit on a term's length is 245 bytes; longer "syllables" (garbage in extracted text)
# are left out of the index.
MAX_TERM_BYTES = 240
ID_PREFIX = "Q"
# Xapian's BM25Weight parameters (k1, k2, k3, b, min_normlen); Xapian's defaults are
# (1, 0, 1, 0.5, 0.5).
BM25_PARAMETERS = (1.2, 0.0, 1.0, 0.75, 0.5)
USE_EXPRESSIONS = ("Use SearchQuerySet.narrow()/raw_search() with repository.search.expressions "
                   "instead of filter().")

logger = logging.getLogger("hoclieu.search")


class IndexLockedError(SearchBackendError):
    """The search database's write lock stayed taken for the whole lock timeout."""


def field_prefix(fieldname):
    """The term prefix of index field `fieldname` (str): ``X<FIELDNAME>:`` (Xapian's convention of
    upper-case prefixes; the colon keeps a prefix from running into a term)."""
    return f"X{fieldname.upper()}:"


def value_text(value):
    """The value slot and filter term text (str) of a prepared field value: "" for None, UTC
    ``YYYYMMDDHHMMSSffffff`` for datetimes (sortable as text, to the microsecond), ``YYYYMMDD``
    for dates, "true"/"false"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y%m%d%H%M%S%f")
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Writer:
    """A Xapian WritableDatabase holding the write lock, with one transaction open.

    Use as a context manager (commits on a normal exit, cancels on an exception), or call
    `commit()` / `cancel()`; either closes the database and lets go of the lock. `database` is the
    xapian.WritableDatabase."""

    def __init__(self, database):
        self.database = database
        self.database.begin_transaction()
        self.is_closed = False

    def commit(self):
        """Make the transaction's changes visible to readers, then let go of the lock."""
        try:
            self.database.commit_transaction()
        finally:
            self._close()

    def cancel(self):
        """Drop the transaction's changes and let go of the lock."""
        try:
            self.database.cancel_transaction()
        finally:
            self._close()

    def _close(self):
        self.is_closed = True
        self.database.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if self.is_closed:
            return
        if exc_type is None:
            self.commit()
        else:
            self.cancel()


class XapianSearchBackend(BaseSearchBackend):
    """Haystack backend on one Xapian database; see the module for the mapping and the queries."""

    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        if "PATH" not in connection_options:
            raise ImproperlyConfigured(f"HAYSTACK_CONNECTIONS[{connection_alias!r}] needs a PATH.")
        self.path = str(connection_options["PATH"])
        self.lock_timeout = float(connection_options.get("LOCK_TIMEOUT", LOCK_TIMEOUT))
        self.bm25 = tuple(float(p) for p in connection_options.get("BM25", BM25_PARAMETERS))
        self._reader = None
        self._fields = None
        self._schema = None

    # --- schema ---------------------------------------------------------------------------------

    def build_schema(self, fields):
        """(document field name, schema) for haystack's `fields` ({name: SearchField}).

        The schema is a dict: ``ranked`` {index field name: weight (the field's boost)} for the
        prepared fields, ``slots`` {index field name: value slot number} for the other
        single-valued fields, ``multi`` (set of names) for multivalued fields (filter terms only).
        """
        content_field_name = ""
        ranked, names, multi = {}, [], set()
        for field in fields.values():
            name = field.index_fieldname
            if field.document:
                content_field_name = name
            elif getattr(field, "prepared_terms", False):
                ranked[name] = float(field.boost)
            elif field.is_multivalued:
                multi.add(name)
            else:
                names.append(name)
        slots = {name: slot for slot, name in enumerate(sorted(set(names)))}
        return content_field_name, {"ranked": ranked, "slots": slots, "multi": multi}

    @property
    def schema(self):
        """The schema of `build_schema` for the unified index's fields (built again if they change)."""
        fields = self._unified_fields()
        if self._fields != fields:
            self._fields = fields
            self._schema = self.build_schema(fields)[1]
        return self._schema

    def _unified_fields(self):
        return connections[self.connection_alias].get_unified_index().all_searchfields()

    # --- reading --------------------------------------------------------------------------------

    def _database(self):
        """The kept xapian.Database at its latest revision, or None when no index exists yet."""
        if self._reader is None:
            try:
                self._reader = xapian.Database(self.path)
            except xapian.DatabaseOpeningError:
                return None
        else:
            try:
                self._reader.reopen()
            except xapian.DatabaseOpeningError:  # the folder was removed
                self._reader = None
                return self._database()
        return self._reader

    def _read(self, function):
        """`function(database)` on the latest revision, retried once when a writer has moved on
        (xapian.DatabaseModifiedError); None when no index exists yet."""
        database = self._database()
        if database is None:
            return None
        try:
            return function(database)
        except xapian.DatabaseModifiedError:
            self._reader.reopen()
            return function(self._reader)

    def document_count(self):
        """Number of documents in the index (int)."""
        return self._read(lambda database: database.get_doccount()) or 0

    def _query(self, expression, scored):
        """The xapian.Query of a repository.search.expressions tree. Terms of ranked fields are
        scaled by their field's weight when `scored`; raises SearchBackendError for anything else."""
        if isinstance(expression, Term):
            query = xapian.Query(field_prefix(expression.field) + expression.value)
            weight = self.schema["ranked"].get(expression.field)
            if scored and weight is not None and weight != 1.0:
                query = xapian.Query(xapian.Query.OP_SCALE_WEIGHT, query, weight)
            return query
        if isinstance(expression, (AnyOf, AllOf)):
            operator = xapian.Query.OP_OR if isinstance(expression, AnyOf) else xapian.Query.OP_AND
            children = [self._query(child, scored) for child in expression.children]
            if not children:
                return xapian.Query() if isinstance(expression, AnyOf) else xapian.Query.MatchAll
            return xapian.Query(operator, children)
        raise SearchBackendError(
            f"The search index takes repository.search.expressions, not {type(expression).__name__}: "
            f"{expression!r}"
        )

    @log_query
    def search(self, query_string, sort_by=None, start_offset=0, end_offset=None, fields="",
               highlight=False, facets=None, date_facets=None, query_facets=None, narrow_queries=None,
               spelling_query=None, within=None, dwithin=None, distance_point=None, models=None,
               limit_to_registered_models=None, result_class=None, **kwargs):
        """Haystack's search: a dict with ``results`` (SearchResults of the page from
        `start_offset` to `end_offset`), ``hits`` (the exact number of matches) and, when `facets`
        (index field names) are asked, ``facets`` {"fields": {name: [(value, count)]}}, values
        counted over every match, those without a value under None.

        `query_string` is an expression (repository.search.expressions) that ranks, or "*" (what
        haystack sends when no raw query was given) for every document; `narrow_queries` is a set
        of expressions; `sort_by` a list of field names ("-" first for descending), all in one
        direction. Date and query facets, highlighting, spelling and spatial arguments are not
        supported (SearchBackendError).
        """
        if date_facets or query_facets or highlight or spelling_query or within or dwithin:
            raise SearchBackendError("Hoclieu's Xapian backend does not do date or query facets, "
                                     "highlighting, spelling or spatial search.")
        if limit_to_registered_models is None:
            limit_to_registered_models = getattr(settings, "HAYSTACK_LIMIT_TO_REGISTERED_MODELS", True)
        if models:
            model_cts = sorted(get_model_ct(model) for model in models)
        elif limit_to_registered_models:
            model_cts = self.build_models_list()
        else:
            model_cts = []
        filters = [self._query(narrow, scored=False) for narrow in sorted(narrow_queries or (), key=repr)]
        if model_cts:
            filters.append(self._query(AnyOf(*(Term(DJANGO_CT, ct) for ct in model_cts)), scored=False))
        if query_string in ("*", "", None):
            query = xapian.Query.MatchAll
            scored = False
        else:
            query = self._query(query_string, scored=True)
            scored = True
        if filters:
            query = xapian.Query(xapian.Query.OP_FILTER, query, xapian.Query(xapian.Query.OP_AND, filters))
        schema = self.schema
        facets = list(facets or ())
        for name in facets:
            if name not in schema["slots"]:
                raise SearchBackendError(f"No facet field {name!r} in the search index.")

        def run(database):
            enquire = xapian.Enquire(database)
            enquire.set_query(query)
            if scored:
                enquire.set_weighting_scheme(xapian.BM25Weight(*self.bm25))
            else:
                enquire.set_weighting_scheme(xapian.BoolWeight())
            if sort_by:
                self._sort(enquire, sort_by, schema)
            spies = {}
            for name in facets:
                spies[name] = xapian.ValueCountMatchSpy(schema["slots"][name])
                enquire.add_matchspy(spies[name])
            total = database.get_doccount()
            first = max(0, start_offset or 0)
            size = total if end_offset is None else max(0, end_offset - first)
            mset = enquire.get_mset(first, size, total)
            results = []
            for match in mset:
                identifier = match.document.get_data().decode("utf-8")
                app_label, model_name, pk = identifier.split(".", 2)
                results.append((result_class or SearchResult)(app_label, model_name, pk, match.weight,
                                                              **{ID: identifier}))
            counted = {
                name: _counts_with_missing(
                    [(item.term.decode("utf-8"), item.termfreq) for item in spy.values()],
                    mset.get_matches_estimated(),
                )
                for name, spy in spies.items()
            }
            return results, mset.get_matches_estimated(), counted

        found = self._read(run)
        if found is None:
            return {"results": [], "hits": 0}
        results, hits, counted = found
        answer = {"results": results, "hits": hits}
        if facets:
            answer["facets"] = {"fields": counted, "dates": {}, "queries": {}}
        return answer

    @staticmethod
    def _sort(enquire, sort_by, schema):
        """Order `enquire` by the value slots of `sort_by` (names, "-" first for descending), then
        by relevance."""
        directions = {name.startswith("-") for name in sort_by}
        if len(directions) > 1:
            raise SearchBackendError("All order_by fields must use the same direction.")
        names = [name.lstrip("-") for name in sort_by]
        missing = [name for name in names if name not in schema["slots"]]
        if missing:
            raise SearchBackendError(f"Cannot sort by {', '.join(missing)}: not a value of the index.")
        if len(names) == 1:
            enquire.set_sort_by_value_then_relevance(schema["slots"][names[0]], directions == {True})
        else:
            sorter = xapian.MultiValueKeyMaker()
            for name in names:
                sorter.add_value(schema["slots"][name], directions == {True})
            enquire.set_sort_by_key_then_relevance(sorter, False)

    def vocabulary_version(self):
        """A value that changes whenever the index does: (database UUID, revision)."""
        return self._read(lambda database: (database.get_uuid(), database.get_revision()))

    def field_vocabulary(self, fieldname, skip=None):
        """The terms of the index field `fieldname` with their document frequencies: a list of
        (str, int) in the index's (byte) order. Terms containing the string `skip` (e.g. "_" for
        bigrams) are left out. Empty for a field the index does not have."""
        prefix = field_prefix(fieldname)
        start = len(prefix.encode("utf-8"))

        def read(database):
            terms = ((item.term[start:].decode("utf-8"), item.termfreq) for item in database.allterms(prefix))
            return [(term, frequency) for term, frequency in terms if not skip or skip not in term]

        return self._read(read) or []

    # --- writing --------------------------------------------------------------------------------

    def writer(self):
        """A `Writer` holding the write lock with a transaction open.

        Raises IndexLockedError when the lock is not free within `lock_timeout` seconds."""
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                database = xapian.WritableDatabase(self.path, xapian.DB_CREATE_OR_OPEN)
                break
            except xapian.DatabaseLockError as exc:
                if time.monotonic() >= deadline:
                    raise IndexLockedError(
                        f"Chỉ mục tìm kiếm {self.path} đang bị khoá ghi quá {self.lock_timeout:g} giây."
                    ) from exc
                time.sleep(LOCK_DELAY)
        return Writer(database)

    def _document(self, index, obj):
        """(identifier term, xapian.Document) of `obj` prepared by `index`, or None when it is
        skipped (SkipDocument, or a failure logged when SILENTLY_FAIL)."""
        try:
            prepared = index.full_prepare(obj)
        except SkipDocument:
            return None
        except Exception:
            if not self.silently_fail:
                raise
            logger.exception("Không chuẩn bị được %s để đánh chỉ mục", get_identifier(obj))
            return None
        schema = self.schema
        document = xapian.Document()
        for name, value in prepared.items():
            prefix = field_prefix(name)
            if name in schema["ranked"]:
                for term, count in Counter(str(value or "").split()).items():
                    if _fits(prefix + term):
                        document.add_term(prefix + term, count)
            elif name in schema["slots"]:
                text = value_text(value)
                document.add_value(schema["slots"][name], text)
                if text and _fits(prefix + text):
                    document.add_boolean_term(prefix + text)
            elif name in schema["multi"]:
                for text in map(value_text, value or ()):
                    if text and _fits(prefix + text):
                        document.add_boolean_term(prefix + text)
        identifier = prepared[ID]
        document.add_boolean_term(field_prefix(DJANGO_CT) + prepared[DJANGO_CT])
        document.add_boolean_term(ID_PREFIX + identifier)
        document.set_data(f"{prepared[DJANGO_CT]}.{prepared[DJANGO_ID]}")
        return ID_PREFIX + identifier, document

    def update(self, index, iterable, commit=True):
        """Add or replace the documents of `iterable` (model instances) prepared by `index`, in one
        transaction. Raises IndexLockedError if the write lock stays taken."""
        objects = list(iterable)
        if not objects:
            return
        with self.writer() as writer:
            for obj in objects:
                made = self._document(index, obj)
                if made is not None:
                    writer.database.replace_document(*made)

    def remove(self, obj_or_string, commit=True):
        """Delete the document of `obj_or_string` (a model instance or "app.model.pk")."""
        with self.writer() as writer:
            writer.database.delete_document(ID_PREFIX + get_identifier(obj_or_string))

    def clear(self, models=None, commit=True):
        """Delete the documents of `models` (model classes), or every document when none are given."""
        with self.writer() as writer:
            if models:
                for model in models:
                    writer.database.delete_document(field_prefix(DJANGO_CT) + get_model_ct(model))
            else:
                _delete_all(writer.database)

    def rebuild(self, index, iterable, extra=()):
        """Replace the whole index by the documents of `iterable` (model instances, read lazily)
        prepared by `index`, and those of each (index, iterable) pair of `extra`, in one
        transaction: readers see the old index until the new one is complete, never an empty or
        half-built one. Holds the write lock throughout; a failure leaves the old index as it was.
        Returns the number of documents written."""
        written = 0
        with self.writer() as writer:
            _delete_all(writer.database)
            for source_index, source in ((index, iterable), *extra):
                for obj in source:
                    made = self._document(source_index, obj)
                    if made is not None:
                        writer.database.replace_document(*made)
                        written += 1
        return written

    def more_like_this(self, model_instance, additional_query_string=None, **kwargs):
        raise SearchBackendError("Hoclieu's Xapian backend does not do more_like_this.")


def _fits(term):
    """True when `term` (str) is within Xapian's term length (MAX_TERM_BYTES, in UTF-8 bytes)."""
    return len(term.encode("utf-8")) <= MAX_TERM_BYTES


def _delete_all(database):
    """Delete every document of the writable `database`."""
    for docid in [item.docid for item in database.postlist("")]:
        database.delete_document(docid)


def _counts_with_missing(counts, matches):
    """Facet `counts` [(value, count)] of `matches` documents, sorted by count (then value), with
    the documents without a value counted under None, placed before the first value counted fewer
    times (as haystack places it), else last."""
    counted = sorted(counts, key=lambda item: (-item[1], item[0]))
    missing = matches - sum(count for _value, count in counted)
    if missing > 0:
        position = next((i for i, (_value, count) in enumerate(counted) if count < missing), len(counted))
        counted.insert(position, (None, missing))
    return counted


class XapianSearchQuery(BaseSearchQuery):
    """Haystack's query class for this backend. Hoclieu asks through `narrow()` and `raw_search()`
    with repository.search.expressions; haystack's `filter()` keyword syntax is not supported."""

    def matching_all_fragment(self):
        return "*"

    def build_query(self):
        """The expression the backend searches: "*" (every document) when nothing was asked, the
        expression of `raw_search`, or `AllOf` several. Raises SearchBackendError for anything
        else (haystack's filter() keywords, OR or NOT of raw searches)."""
        expressions = list(_raw_expressions(self.query_filter))
        if not expressions:
            return self.matching_all_fragment()
        return expressions[0] if len(expressions) == 1 else AllOf(*expressions)

    def build_query_fragment(self, field, filter_type, value):
        raise SearchBackendError(
            USE_EXPRESSIONS
        )


def _raw_expressions(node):
    """The expressions given to `raw_search` under haystack's SearchNode `node`, all joined by AND."""
    if node.children and (node.negated or (node.connector != "AND" and len(node.children) > 1)):
        raise SearchBackendError("Only raw_search() expressions joined by AND are supported.")
    for child in node.children:
        if hasattr(child, "children"):
            yield from _raw_expressions(child)
            continue
        _expression, value = child
        if not isinstance(value, Raw):
            raise SearchBackendError(
                USE_EXPRESSIONS
            )
        yield value.query_string


class XapianEngine(BaseEngine):
    """Haystack engine for `XapianSearchBackend`."""

    backend = XapianSearchBackend
    query = XapianSearchQuery
