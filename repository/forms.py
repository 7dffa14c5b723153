"""Admin forms: the material-file upload form (Wagtail's document form base).

The material page's form is in repository.page_forms: the models import it, while this module
imports the models (and repository.versions), so it is loaded only once they are.

An approved file is never replaced in place (repository.versions): a new upload over it becomes a
new version, sent for review with the materials that use it.
"""

import os
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail.documents.forms import BaseDocumentForm
from wagtail.search import index as search_index

from media_pipeline.errors import MediaError
from media_pipeline.files import digest_fileobj
from media_pipeline.metadata import file_title

from .deposit import check_upload
from .models import MaterialFile
from .pagesets import (
    PageSource,
    assemble,
    assembled_name,
    check_page_images,
    keep_page_images,
    refusal_message,
)
from .versions import file_is_approved, new_version_of, replacement_problems, submit_new_version


class MultipleImageInput(forms.ClearableFileInput):
    """A file input that takes several files at once (Django's documented way)."""

    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several uploaded files: cleans to a list of UploadedFile (empty when none)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": ".tif,.tiff,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class MaterialFileForm(BaseDocumentForm):
    """Rejects, before anything is stored: empty files, files over HOCLIEU_MAX_UPLOAD_BYTES, files
    whose content is not a supported format or does not match their extension (media_pipeline.detect,
    e.g. a PPTX named .pdf), and page images over HOCLIEU_OCR_MAX_PIXELS (an image bomb; its header
    is read, nothing decoded): repository.deposit.check_upload. Deeper checks (encryption,
    truncation) run in the pipeline afterwards. A title left as the raw file name becomes the file's
    own title (its metadata title, else its name cleaned).

    A new file may instead be a set of scanned page images (`page_images`, several files chosen at
    once; repository.pagesets): each is checked (format, pixel limit, full decode), and if every one
    is good they are assembled, in natural order of their names, into the one multi-page TIFF that
    becomes the file; the images are kept as its PageImages once it is saved. A bad image refuses
    the upload with each bad image's name and reason (nothing stored).
    """

    def __init__(self, *args, **kwargs):
        self.user = kwargs.get("user")  # BaseCollectionMemberForm takes it out of kwargs
        self.new_version = None  # a repository.versions.NewVersion once save() has made one
        self.same_content = False  # True when the upload is the approved file's own bytes
        self.upload_format = None  # the new upload's format (media_pipeline.detect), once checked
        self.page_set = []  # CheckedPages.good of an accepted page set, kept on save
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            # Django's own check catches a 0-byte upload before clean_file; say it the same way.
            self.fields["file"].error_messages["empty"] = _("Tệp rỗng (0 byte).")
        if "file" in self.fields and self.instance.pk is None:
            self.fields["file"].required = False
            self.fields["page_images"] = MultipleImageField(
                label=_("hoặc: bộ ảnh các trang quét"), required=False,
                help_text=_("Chọn nhiều ảnh trang (TIFF, JPEG, PNG) cùng lúc cho một tài liệu số hoá: "
                            "chúng được ghép theo thứ tự tên tệp (trang-2 trước trang-10) thành một "
                            "tệp TIFF nhiều trang rồi nhận dạng chữ; ảnh gốc được giữ lại."),
            )

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
        """The checks of every upload (repository.deposit.check_upload); keeps its format."""
        uploaded = self.cleaned_data.get("file")
        if uploaded is None or not hasattr(uploaded, "size"):
            return uploaded
        self.upload_format = check_upload(uploaded)
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

    def _title_from_file(self, cleaned_data):
        """A title left as the raw file name ("Ke_hoach_bai_day.pdf", or without its extension, as
        Wagtail's upload script fills it in) becomes the file's own title
        (media_pipeline.metadata.file_title: its metadata title, else its name cleaned)."""
        uploaded = cleaned_data.get("file")
        if self.upload_format is None or not isinstance(uploaded, UploadedFile):
            return
        name = PurePath(uploaded.name).name
        if cleaned_data.get("title", "").strip() in {name, PurePath(name).stem}:
            cleaned_data["title"] = file_title(uploaded, name, self.upload_format)[:255]

    def clean(self):
        """Give a title left as the raw file name the file's own title (`_title_from_file`).

        Refuse a new version of an approved file that the user may not send for review
        (repository.versions.replacement_problems: a material they may not edit, or one locked).
        For a new file: a file or a set of page images, not both, not neither; a page set with a
        bad image is refused naming each, a good one becomes the file (`_assemble_page_set`)."""
        cleaned_data = super().clean()
        self._title_from_file(cleaned_data)
        images = cleaned_data.get("page_images") or []
        if "page_images" in self.fields and not self.has_error("file") and not self.has_error("page_images"):
            if images and cleaned_data.get("file"):
                self.add_error("page_images", _("Chọn một tệp hoặc một bộ ảnh trang, không chọn cả hai."))
            elif images:
                self._assemble_page_set(images, cleaned_data)
            elif not cleaned_data.get("file"):
                self.add_error("file", _("Chọn một tệp, hoặc một bộ ảnh các trang quét."))
        if not self.has_error("file") and self.replaces_approved_file():
            for problem in replacement_problems(self.instance, self.user):
                self.add_error("file", problem)
        return cleaned_data

    def _assemble_page_set(self, images, cleaned_data):
        checked = check_page_images([PageSource(name=os.path.basename(image.name), fileobj=image)
                                     for image in images])
        if checked.refused:
            self.add_error("page_images", ValidationError(
                _("Ảnh trang không dùng được, chưa lưu gì; hãy sửa hoặc bỏ các ảnh này rồi tải lên lại:\n"
                  "%(pages)s") % {"pages": refusal_message(checked.refused)}, code="page_image"))
            return
        name = assembled_name(cleaned_data.get("title") or os.path.splitext(images[0].name)[0])
        assembled = TemporaryUploadedFile(name, "image/tiff", 0, None)
        try:
            assemble(checked.good, assembled.temporary_file_path())
        except MediaError as error:
            assembled.close()
            self.add_error("page_images", ValidationError(str(error), code=error.code))
            return
        assembled.size = os.path.getsize(assembled.temporary_file_path())
        assembled.seek(0)
        if assembled.size > settings.HOCLIEU_MAX_UPLOAD_BYTES:
            assembled.close()
            self.add_error("page_images", ValidationError(
                _("Tệp quá lớn: %(size)s, tối đa %(limit)s.")
                % {"size": filesizeformat(assembled.size),
                   "limit": filesizeformat(settings.HOCLIEU_MAX_UPLOAD_BYTES)}, code="too_large"))
            return
        cleaned_data["file"] = assembled
        self.page_set = checked.good
        self._assembled = assembled

    def _save_m2m(self):
        super()._save_m2m()
        if self.page_set and self.instance.pk:
            keep_page_images(self.instance, self.page_set)
            self.page_set = []
            # Storage may have moved the temporary file; Django's close() expects that.
            self._assembled.close()

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
