"""The search index of published materials (django-haystack; Whoosh backend in repository.search)."""

from datetime import UTC

from django.conf import settings
from django.utils import timezone, translation
from haystack import indexes

from .models import MaterialPage


class MaterialPageIndex(indexes.SearchIndex, indexes.Indexable):
    """One document per *live* MaterialPage; drafts and unpublished pages never enter the index.

    Fields:
    - `text` (document): title, creators, summary, lesson, keywords, type/subject/grade/series
      labels and the file's extracted text, from search/indexes/repository/materialpage_text.txt;
    - facets `material_type`, `subject`, `grade` (codes; haystack adds the verbatim `*_exact`);
    - filters `library_id`, `network_id`, `access_level` (verbatim strings), mirroring
      repository.access.access_filter so a query can be limited to what a reader may see;
    - `published_at`: first publication (naive UTC, as Whoosh stores datetimes), for "latest".
    """

    text = indexes.CharField(document=True, use_template=True)
    material_type = indexes.CharField(model_attr="material_type", faceted=True)
    subject = indexes.CharField(model_attr="subject", faceted=True)
    grade = indexes.CharField(null=True, faceted=True)
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

    def prepare_grade(self, obj):
        return str(obj.grade) if obj.grade else None

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

    def update_object(self, instance, using=None, **kwargs):
        """Index `instance` (a MaterialPage) if it is live now, else remove it from the index.

        The page is read again from the database, so the stored state decides, not the caller's copy.
        """
        backend = self.get_backend(using)
        if backend is None:
            return
        current = self.index_queryset(using=using).filter(pk=instance.pk).first()
        if current is None:
            backend.remove(instance)
        else:
            backend.update(self, [current])
