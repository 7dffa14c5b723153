"""The search page's form: the reader's words and one value per facet."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .query import FACETS, SCHOOL_YEAR_PATTERN, SORT_NEWEST, SORT_RELEVANCE

MAX_QUERY_CHARS = 200


class SearchForm(forms.Form):
    """GET parameters of /search/: `q`, one value per facet of FACETS (`type`, `subject`, `grade`,
    `series`, `year`, `library`) and `sort` ("" relevance, "new" newest first)."""

    q = forms.CharField(label=_("Từ khoá"), required=False, max_length=MAX_QUERY_CHARS)
    type = forms.ChoiceField(label=_("Loại học liệu"), required=False, choices=FACETS["type"].choices)
    subject = forms.ChoiceField(label=_("Môn học"), required=False, choices=FACETS["subject"].choices)
    grade = forms.ChoiceField(label=_("Khối lớp"), required=False, choices=FACETS["grade"].choices)
    series = forms.ChoiceField(label=_("Bộ sách"), required=False, choices=FACETS["series"].choices)
    year = forms.RegexField(label=_("Năm học"), required=False, regex=rf"^{SCHOOL_YEAR_PATTERN}$")
    library = forms.ChoiceField(label=_("Thư viện"), required=False, choices=FACETS["library"].choices)
    sort = forms.ChoiceField(
        label=_("Sắp xếp"), required=False,
        choices=[(SORT_RELEVANCE, _("Phù hợp nhất")), (SORT_NEWEST, _("Mới nhất"))],
    )

    def search_arguments(self):
        """(query, filters, sort) from the valid fields; call after is_valid(). Invalid fields are
        left out."""
        data = getattr(self, "cleaned_data", {})
        filters = {key: data[key] for key in FACETS if data.get(key)}
        return data.get("q", ""), filters, data.get("sort", SORT_RELEVANCE)
