"""Workflow task types of Hoclieu's review (Wagtail workflows)."""

from django.utils.translation import gettext_lazy as _
from wagtail.models import Task


class SubjectGroupReviewTask(Task):
    """Review by the subject group (tổ chuyên môn) of the material's subject, in its own library.

    Unlike Wagtail's GroupApprovalTask, the reviewers are not a fixed group: for each page they are
    resolved from the page's `library` and `subject` (SubjectGroup.for_subject). A page whose
    library has no group for its subject falls back to the library's principals.
    """

    admin_form_fields = Task.admin_form_fields

    class Meta:
        verbose_name = _("Duyệt bởi tổ chuyên môn")
        verbose_name_plural = _("Duyệt bởi tổ chuyên môn")
