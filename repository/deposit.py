"""Depositing a material in the admin (issue 9, item 6): one path from the dashboard to "Gửi duyệt".

- `create_material_url(index_page)`: the create form of a material under a library's index page,
  where the dashboard's "Thêm học liệu" leads (repository.permissions.deposit_targets says which).
- `propose_from_upload(uploaded)` and `propose_from_file(material_file)`: what the form proposes
  from a file: its title (its metadata title, else its name cleaned: media_pipeline.metadata) and
  its material type (from the format found in its content, `MATERIAL_TYPE_BY_KIND`).
- `creator_name(user)`: the depositor's name as the material's author, family name first as
  Vietnamese names are written ("Nguyễn Thị Lan").
- `check_upload(uploaded)`: the checks of every upload before anything is stored (also those of
  the admin's upload form, repository.forms.MaterialFileForm); `store_upload(uploaded, library,
  user)`: a file uploaded in the material's form becomes a MaterialFile of the library's collection.

This module imports no models (the material's form, which the models import, uses it).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.permissions import policy_registry
from wagtail.search import index as search_index

from media_pipeline.detect import IMAGE_FORMATS, detect, kind_of, sniff
from media_pipeline.errors import MediaError
from media_pipeline.metadata import file_title, title_from_name
from media_pipeline.ocr import inspect_image

from .choices import MaterialType

# The material type proposed for a file, by media_pipeline.detect.kind_of its format.
MATERIAL_TYPE_BY_KIND = {
    "pdf": MaterialType.LESSON_PLAN,
    "docx": MaterialType.LESSON_PLAN,
    "pptx": MaterialType.SLIDES,
    "audio": MaterialType.AUDIOBOOK,
    "video": MaterialType.VIDEO,
    "image": MaterialType.DIGITISED,
}


@dataclass(frozen=True)
class Proposal:
    """What a file proposes for its material: `title` (str, never the raw file name) and
    `material_type` (a MaterialType value, or "" when the format is not recognised)."""

    title: str
    material_type: str


def _propose(fileobj, name):
    try:
        fmt = sniff(fileobj)
    except MediaError:
        return Proposal(title=title_from_name(name), material_type="")
    return Proposal(title=file_title(fileobj, name, fmt),
                    material_type=MATERIAL_TYPE_BY_KIND.get(kind_of(fmt), ""))


def propose_from_upload(uploaded):
    """Proposal for an uploaded file (a Django UploadedFile, read and rewound)."""
    return _propose(uploaded, uploaded.name)


def propose_from_file(material_file):
    """Proposal for a stored MaterialFile (a Wagtail document): its title as stored (set from the
    file when uploaded) and the type of its format, sniffed from the stored bytes."""
    with material_file.file.open("rb") as fileobj:
        proposal = _propose(fileobj, material_file.file.name)
    return Proposal(title=material_file.title or proposal.title, material_type=proposal.material_type)


def creator_name(user):
    """`user`'s name as an author line: family name then given name (Django's last_name, first_name),
    or the username when neither is set."""
    return " ".join(part for part in (user.last_name.strip(), user.first_name.strip()) if part) \
        or user.get_username()


def create_material_url(index_page):
    """The admin URL of the create form of a material under `index_page`."""
    return reverse("wagtailadmin_pages:add", args=["repository", "materialpage", index_page.pk])


def check_upload(uploaded):
    """Check an upload before anything is stored; returns its format (a media_pipeline.detect
    constant) or None for a file already stored (no UploadedFile: only its size is checked).

    Refused, with ValidationError (code "empty", "too_large", or the MediaError's code): empty files,
    files over HOCLIEU_MAX_UPLOAD_BYTES, content that is not a supported format or does not match the
    extension (media_pipeline.detect, e.g. a PPTX named .pdf), page images over HOCLIEU_OCR_MAX_PIXELS
    (an image bomb; its header is read, nothing decoded). Deeper checks (encryption, truncation) run
    in the pipeline afterwards. The rules of every upload: repository.forms.MaterialFileForm too.
    """
    if uploaded.size == 0:
        raise ValidationError(_("Tệp rỗng (0 byte)."), code="empty")
    limit = settings.HOCLIEU_MAX_UPLOAD_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            _("Tệp quá lớn: %(size)s, tối đa %(limit)s.")
            % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if not isinstance(uploaded, UploadedFile):  # the file already stored
        return None
    try:
        fmt = detect(uploaded, uploaded.name)
        if fmt in IMAGE_FORMATS:
            inspect_image(uploaded, max_pixels=settings.HOCLIEU_OCR_MAX_PIXELS, decode=False)
    except MediaError as error:
        raise ValidationError(str(error), code=error.code) from error
    return fmt


def check_may_upload(user, library):
    """Raise ValidationError unless `user` may add files to `library`'s collection (Wagtail's
    collection permissions: repository.roles gives every staff role "add")."""
    collection = library.collection if library is not None else None
    policy = policy_registry.get_by_type(get_document_model())
    allowed = policy.collections_user_has_permission_for(user, "add") if user is not None else None
    if collection is None or allowed is None or not allowed.filter(pk=collection.pk).exists():
        raise ValidationError(_("Bạn không có quyền tải tệp lên thư viện %(library)s.")
                              % {"library": library or "?"}, code="permission")


def store_upload(uploaded, library, user):
    """Store `uploaded` (an UploadedFile) as a new MaterialFile (WAGTAILDOCS_DOCUMENT_MODEL) of
    `library`'s collection, uploaded by `user`, titled from the file (`propose_from_upload`), after
    `check_may_upload` and `check_upload`. Returns the saved file; its processing is queued on commit
    as for every upload (repository.signal_handlers). Raises ValidationError when refused."""
    check_may_upload(user, library)
    check_upload(uploaded)
    material_file = get_document_model()(
        title=propose_from_upload(uploaded).title[:255], file=uploaded,
        collection=library.collection, uploaded_by_user=user,
    )
    material_file._set_document_file_metadata()  # size and hash, as Wagtail's document form does
    material_file.save()
    search_index.insert_or_update_object(material_file)
    return material_file
