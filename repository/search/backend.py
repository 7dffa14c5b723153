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
- writes wait for Whoosh's single write lock. The web process (publishing) and the task worker (a
  file's processing finishing) both write to the same index; haystack's remove() would log a
  LockError and drop the removal. Here a writer retries the lock every `LOCK_DELAY` seconds for up
  to `LOCK_TIMEOUT` seconds, then raises IndexLockedError.
"""

import logging

from django.conf import settings
from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SearchBackendError, SkipDocument
from haystack.fields import FacetField
from haystack.utils import get_identifier, get_model_ct
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID as WHOOSH_ID
from whoosh.fields import TEXT, Schema
from whoosh.index import LockError
from whoosh.writing import CLEAR

from .text import vietnamese_analyzer

logger = logging.getLogger("hoclieu.search")

# Seconds to keep trying for the write lock, and seconds between two tries.
LOCK_TIMEOUT = 10.0
LOCK_DELAY = 0.1


class IndexLockedError(SearchBackendError):
    """The Whoosh index's write lock stayed taken for the whole lock timeout."""


class VietnameseWhooshSearchBackend(WhooshSearchBackend):
    """WhooshSearchBackend with the Vietnamese schema and lock handling described in the module."""

    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self.lock_timeout = float(connection_options.get("LOCK_TIMEOUT", LOCK_TIMEOUT))

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

    def search(self, query_string, narrow_queries=None, models=None, limit_to_registered_models=None,
               **kwargs):
        """Haystack's search, with all narrow (filter) queries joined into one.

        Haystack intersects the hits of each narrow query and hands the intersection to Whoosh as
        its `filter`; Whoosh treats an *empty* filter as no filter at all (collectors.py:
        ``ftc(allow) if allow else None``), so two filters that exclude each other, e.g. "what
        this reader may see" and "grade 11", let every document through. One joined query is
        either empty (haystack then answers no hits) or a real filter. Arguments and return value
        as WhooshSearchBackend.search.
        """
        if narrow_queries:
            if limit_to_registered_models is None:
                limit_to_registered_models = getattr(
                    settings, "HAYSTACK_LIMIT_TO_REGISTERED_MODELS", True
                )
            if models:
                model_cts = sorted(get_model_ct(model) for model in models)
            elif limit_to_registered_models:
                model_cts = self.build_models_list()
            else:
                model_cts = []
            clauses = sorted(narrow_queries)
            if model_cts:
                clauses.append(" OR ".join(f"{DJANGO_CT}:{ct}" for ct in model_cts))
            narrow_queries = {" AND ".join(f"({clause})" for clause in clauses)}
            models, limit_to_registered_models = None, False
        return super().search(
            query_string, narrow_queries=narrow_queries, models=models,
            limit_to_registered_models=limit_to_registered_models, **kwargs,
        )

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

    def field_vocabulary(self, fieldname):
        """The terms of the index field `fieldname` with their document frequencies: a list of
        (str, int). Empty for a field the index does not have."""
        if not self.setup_complete:
            self.setup()
        self.index = self.index.refresh()
        if fieldname not in self.index.schema.names():
            return []
        with self.index.reader() as reader:
            return [(term.decode("utf-8") if isinstance(term, bytes) else term,
                     reader.doc_frequency(fieldname, term))
                    for term in reader.lexicon(fieldname)]

    def remove(self, obj_or_string, commit=True):
        """Delete the document of `obj_or_string` (a model instance or "app.model.pk")."""
        with self.writer() as writer:
            writer.delete_by_term(ID, get_identifier(obj_or_string))


class VietnameseWhooshEngine(WhooshEngine):
    """Haystack engine for `VietnameseWhooshSearchBackend` (with haystack's Whoosh query class)."""

    backend = VietnameseWhooshSearchBackend
