"""The search index of published materials (django-haystack; Xapian backend in repository.search)."""

from datetime import UTC

from django.conf import settings
from django.utils import timezone, translation
from haystack import indexes

from .choices import AccessLevel
from .models import CatalogueRecord, MaterialPage
from .search.fields import PreparedTermsField, prepared_terms

# Weights of the ranked fields (BM25F field boosts): title, then lesson and keywords, then summary,
# then everything else (creators, labels, the file's extracted text). Issue 10, item 1.
FIELD_WEIGHTS = {"title_terms": 4.0, "lesson_terms": 2.5, "summary_terms": 1.5, "body_terms": 1.0}


class ReadAgainMixin:
    """`update_object` that indexes the object as the database holds it now: read again through
    `index_queryset` (live materials, print records not deleted) and indexed, or removed from the index
    when that query no longer has it. The stored state decides, not the caller's copy."""

    def update_object(self, instance, using=None, **kwargs):
        backend = self.get_backend(using)
        if backend is None:
            return
        current = self.index_queryset(using=using).filter(pk=instance.pk).first()
        if current is None:
            backend.remove(instance)
        else:
            backend.update(self, [current])


class MaterialPageIndex(ReadAgainMixin, indexes.SearchIndex, indexes.Indexable):
    """One document per *live* MaterialPage; drafts and unpublished pages never enter the index.

    Fields:
    - ranked fields of Vietnamese terms prepared in Python (repository.search.vietnamese, through
      repository.search.fields.prepared_terms), weighted by FIELD_WEIGHTS: `title_terms`,
      `lesson_terms` (lesson and keywords), `summary_terms`, `body_terms` (creators, labels of
      type/subject/grade/series, DDC, the file's extracted text);
    - `text` (haystack's document field): title, creators, lesson, summary and keywords, from
      search/indexes/repository/materialpage_text.txt (not ranked on; the extracted text is in
      `body_terms` only);
    - facets `material_type`, `subject`, `grade`, `textbook_series`, `school_year` (codes; haystack
      adds the verbatim `*_exact`); `library_id` is a facet too;
    - filters `library_id`, `network_id`, `access_level` (verbatim strings), mirroring
      repository.access.access_filter so a query can be limited to what a reader may see;
    - `published_at`: first publication (naive UTC), for "latest".
    """

    text = indexes.CharField(document=True, use_template=True)
    title_terms = PreparedTermsField(boost=FIELD_WEIGHTS["title_terms"])
    lesson_terms = PreparedTermsField(boost=FIELD_WEIGHTS["lesson_terms"])
    summary_terms = PreparedTermsField(boost=FIELD_WEIGHTS["summary_terms"])
    body_terms = PreparedTermsField(boost=FIELD_WEIGHTS["body_terms"])
    material_type = indexes.CharField(model_attr="material_type", faceted=True)
    subject = indexes.CharField(model_attr="subject", faceted=True)
    grade = indexes.CharField(null=True, faceted=True)
    textbook_series = indexes.CharField(null=True, faceted=True)
    school_year = indexes.CharField(null=True, faceted=True)
    library_id = indexes.FacetCharField(null=True)
    network_id = indexes.FacetCharField(null=True)
    access_level = indexes.FacetCharField(model_attr="access_level")
    published_at = indexes.DateTimeField(null=True)

    def get_model(self):
        return MaterialPage

    def index_queryset(self, using=None):
        """Live material pages, with what the document template reads."""
        return (
            MaterialPage.objects.live()
            .select_related("library", "file")
            .prefetch_related("tagged_items__tag")
        )

    def get_updated_field(self):
        return "last_published_at"

    def prepare(self, obj):
        # Labels go into the document in the site's language, whoever triggered the indexing.
        with translation.override(settings.LANGUAGE_CODE):
            return super().prepare(obj)

    def prepare_title_terms(self, obj):
        return prepared_terms(obj.title)

    def prepare_lesson_terms(self, obj):
        return prepared_terms(obj.lesson, *(tag.name for tag in obj.keywords.all()))

    def prepare_summary_terms(self, obj):
        return prepared_terms(obj.summary)

    def prepare_body_terms(self, obj):
        labels = [obj.get_material_type_display(), obj.get_subject_display()]
        if obj.grade:
            labels.append(obj.get_grade_display())
        if obj.textbook_series:
            labels.append(obj.get_textbook_series_display())
        return prepared_terms(obj.creators, *labels, obj.ddc, obj.file.full_text if obj.file_id else "")

    def prepare_grade(self, obj):
        return str(obj.grade) if obj.grade else None

    def prepare_textbook_series(self, obj):
        return obj.textbook_series or None

    def prepare_school_year(self, obj):
        return obj.school_year or None

    def prepare_library_id(self, obj):
        return str(obj.library_id) if obj.library_id else None

    def prepare_network_id(self, obj):
        network_id = obj.library.network_id if obj.library_id else None
        return str(network_id) if network_id else None

    def prepare_published_at(self, obj):
        published = obj.first_published_at or obj.last_published_at
        if published is None:
            return None
        if timezone.is_aware(published):
            published = timezone.make_naive(published, UTC)
        return published


class CatalogueRecordIndex(ReadAgainMixin, indexes.SearchIndex, indexes.Indexable):
    """One document per CatalogueRecord not deleted: the print catalogue, searched beside the
    materials with the same Vietnamese analysis and the same field names (issue 10, item 3).

    `access_level` is the record's (public metadata like an OPAC, or "group" for a network's
    harvested records), `library_id` is their library's, so library facet counts include print, and
    `network_id` that library's network, so the access filter of materials applies as it is. The
    material facets (`material_type`, `subject`, `grade`, `textbook_series`, `school_year`) are
    empty, so filtering on one of them leaves print records out. Ranked fields: `title_terms`
    (245), `lesson_terms` (650 subject headings), `body_terms` (authors, publisher, DDC, ISBN and
    the holdings' call numbers); `published_at` is when the record was first imported.
    """

    text = indexes.CharField(document=True, use_template=True)
    title_terms = PreparedTermsField(boost=FIELD_WEIGHTS["title_terms"])
    lesson_terms = PreparedTermsField(boost=FIELD_WEIGHTS["lesson_terms"])
    summary_terms = PreparedTermsField(boost=FIELD_WEIGHTS["summary_terms"])
    body_terms = PreparedTermsField(boost=FIELD_WEIGHTS["body_terms"])
    material_type = indexes.CharField(null=True, faceted=True)
    subject = indexes.CharField(null=True, faceted=True)
    grade = indexes.CharField(null=True, faceted=True)
    textbook_series = indexes.CharField(null=True, faceted=True)
    school_year = indexes.CharField(null=True, faceted=True)
    library_id = indexes.FacetCharField(null=True)
    network_id = indexes.FacetCharField(null=True)
    access_level = indexes.FacetCharField()
    published_at = indexes.DateTimeField(null=True)

    def get_model(self):
        return CatalogueRecord

    def index_queryset(self, using=None):
        """Records not deleted, with their library and holdings."""
        return CatalogueRecord.objects.active().select_related("library").prefetch_related("holdings")

    def get_updated_field(self):
        return "updated_at"

    def prepare_title_terms(self, obj):
        return prepared_terms(obj.title)

    def prepare_lesson_terms(self, obj):
        from .catalogue.records import subject_headings

        return prepared_terms(*subject_headings(obj.as_pymarc()))

    def prepare_summary_terms(self, obj):
        return None

    def prepare_body_terms(self, obj):
        call_numbers = sorted({holding.call_number for holding in obj.holdings.all() if holding.call_number})
        return prepared_terms(obj.authors, obj.publisher, obj.ddc, obj.isbn, *call_numbers)

    def prepare_material_type(self, obj):
        return None

    def prepare_access_level(self, obj):
        return obj.access_level or AccessLevel.PUBLIC.value

    def prepare_library_id(self, obj):
        return str(obj.library_id)

    def prepare_network_id(self, obj):
        network_id = obj.library.network_id
        return str(network_id) if network_id else None

    def prepare_published_at(self, obj):
        created = obj.created_at
        if created is not None and timezone.is_aware(created):
            created = timezone.make_naive(created, UTC)
        return created
