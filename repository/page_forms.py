"""The material page's admin form (MaterialPage.base_form_class), imported by repository.models.

It imports only Wagtail's page form base, which is safe while the models are loading.
"""

from wagtail.admin.forms import WagtailAdminPageForm


class MaterialPageForm(WagtailAdminPageForm):
    """The material's admin form (MaterialPage.base_form_class).

    The transcript language may be left out of a submission: the material keeps its own.

    A new material has no place in the page tree while its form is validated, so its library is taken
    from the parent page here, before the model's own validation (MaterialPage.clean) checks that the
    chosen file belongs to that library.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("transcript_language")
        if field is not None:
            # A form that does not send it (an older client, a script) keeps the material's choice.
            field.required = False

    def clean_transcript_language(self):
        return self.cleaned_data.get("transcript_language") or self.instance.transcript_language

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        parent = getattr(self, "parent_page", None)
        if instance.library_id is None and parent is not None:
            instance.library_id = getattr(parent.specific, "library_id", None)
        return cleaned
