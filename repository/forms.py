"""Admin forms: the material-file upload form (Wagtail's document form base).

The material page's form is in repository.page_forms: the models import it, while this module
imports the models (and repository.versions), so it is loaded only once they are.

An approved file is never replaced in place (repository.versions): a new upload over it becomes a
new version, sent for review with the materials that use it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail.documents.forms import BaseDocumentForm
from wagtail.search import index as search_index

from media_pipeline.detect import IMAGE_FORMATS, detect
from media_pipeline.errors import MediaError
from media_pipeline.files import digest_fileobj
from media_pipeline.ocr import inspect_image

from .models import MaterialFile
from .versions import file_is_approved, new_version_of, replacement_problems, submit_new_version


class MaterialFileForm(BaseDocumentForm):
    """Rejects, before anything is stored: empty files, files over HOCLIEU_MAX_UPLOAD_BYTES, files
    whose content is not a supported format or does not match their extension (media_pipeline.detect,
    e.g. a PPTX named .pdf), and page images over HOCLIEU_OCR_MAX_PIXELS (an image bomb; its header
    is read, nothing decoded). Deeper checks (encryption, truncation) run in the pipeline afterwards.
    """

    def __init__(self, *args, **kwargs):
        self.user = kwargs.get("user")  # BaseCollectionMemberForm takes it out of kwargs
        self.new_version = None  # a repository.versions.NewVersion once save() has made one
        self.same_content = False  # True when the upload is the approved file's own bytes
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            # Django's own check catches a 0-byte upload before clean_file; say it the same way.
            self.fields["file"].error_messages["empty"] = _("Tệp rỗng (0 byte).")

    def add_error(self, field, error):
        """Drop the model's second opinion on a file already refused here.

        Wagtail's AbstractDocument.clean() re-validates the extension of the file the form kept, which
        for a refused upload is none at all ("File extension “” is not allowed"), a confusing echo.
        """
        if field is None and self.has_error("file") and hasattr(error, "error_dict"):
            error.error_dict.pop("file", None)
            if not error.error_dict:
                return
        super().add_error(field, error)

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if uploaded is None or not hasattr(uploaded, "size"):
            return uploaded
        if uploaded.size == 0:
            raise ValidationError(_("Tệp rỗng (0 byte)."), code="empty")
        limit = settings.HOCLIEU_MAX_UPLOAD_BYTES
        if uploaded.size > limit:
            raise ValidationError(
                _("Tệp quá lớn: %(size)s, tối đa %(limit)s.")
                % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
                code="too_large",
            )
        if isinstance(uploaded, UploadedFile):  # a new upload, not the file already stored
            try:
                fmt = detect(uploaded, uploaded.name)
                if fmt in IMAGE_FORMATS:
                    inspect_image(uploaded, max_pixels=settings.HOCLIEU_OCR_MAX_PIXELS, decode=False)
            except MediaError as error:
                raise ValidationError(str(error), code=error.code) from error
        return uploaded

    def replaces_approved_file(self):
        """True if this bound form uploads new bytes over an approved file (repository.versions).

        Computed once, after validation of `file`; False for a new document and for forms without
        a file field (the multiple uploader's edit form).
        """
        if not hasattr(self, "_replaces_approved_file"):
            self._replaces_approved_file = bool(
                self.instance.pk
                and "file" in self.fields
                and isinstance(self.cleaned_data.get("file"), UploadedFile)
                and "file" in self.changed_data
                and file_is_approved(self.instance.pk)
            )
        return self._replaces_approved_file

    def clean(self):
        """Refuse a new version of an approved file that the user may not send for review
        (repository.versions.replacement_problems: a material they may not edit, or one locked)."""
        cleaned_data = super().clean()
        if not self.has_error("file") and self.replaces_approved_file():
            for problem in replacement_problems(self.instance, self.user):
                self.add_error("file", problem)
        return cleaned_data

    def save(self, commit=True):
        """Save as Wagtail does, except over an approved file (the rule: repository.versions).

        There the approved row is left as it is, bytes and metadata: the upload becomes a new
        MaterialFile (the form's title and tags, the old file's collection, uploaded by the form's
        user), put on a new draft revision of each material using the old file and sent for review.
        Returns that new file (`self.instance` too); `self.new_version` tells what was done
        (NewVersion.message() for the user). With commit=False the new file is returned unsaved
        and no material is touched. An upload identical to the approved bytes (same SHA-256) makes
        no version: the other fields are saved and `self.same_content` is set.
        """
        if not self.replaces_approved_file():
            return super().save(commit=commit)

        old = MaterialFile.objects.get(pk=self.instance.pk)
        uploaded = self.cleaned_data["file"]
        if old.sha256 and digest_fileobj(uploaded).sha256 == old.sha256:
            # The approved bytes again: keep the stored file, save the rest (title, tags) as usual.
            self.same_content = True
            self.instance.file = self.original_file
            self.changed_data.remove("file")
            return super().save(commit=commit)
        self.instance = new_version_of(old, uploaded, self.user, title=self.cleaned_data.get("title"))
        if not commit:
            self.save_m2m = self._save_m2m
            return self.instance
        self.new_version = submit_new_version(old, self.instance, self.user)
        self._save_m2m()
        search_index.insert_or_update_object(self.instance)
        return self.instance
