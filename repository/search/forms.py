"""The search page's form: the reader's words and one value per facet."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .query import FACETS

MAX_QUERY_CHARS = 200


class SearchForm(forms.Form):
    """GET parameters of /search/: `q`, and facets `type`, `subject`, `grade` (codes of FACETS)."""

    q = forms.CharField(label=_("Từ khoá"), required=False, max_length=MAX_QUERY_CHARS)
    type = forms.ChoiceField(label=_("Loại học liệu"), required=False, choices=FACETS["type"][1])
    subject = forms.ChoiceField(label=_("Môn học"), required=False, choices=FACETS["subject"][1])
    grade = forms.ChoiceField(label=_("Khối lớp"), required=False, choices=FACETS["grade"][1])

    def search_arguments(self):
        """(query, filters) from the valid fields; call after is_valid(). Invalid fields are left out."""
        data = getattr(self, "cleaned_data", {})
        filters = {key: data[key] for key in FACETS if data.get(key)}
        return data.get("q", ""), filters
