"""Digital signatures (chữ ký số, PAdES) on approved lesson plans and slides.

The flow (DESIGN.md "on final approval the PDF is signed"):

1. When a material's review workflow is approved (Wagtail's `workflow_approved` signal, after the
   page was published), a lesson plan or slides material whose file is a PDF, or a DOCX/PPTX whose
   PDF preview (LibreOffice, the PREVIEW_PDF kind) is made, gets a SIGNED_PDF Derivative
   (`request_signature`), queued once the transaction commits, when a signer is configured: the
   approving user's own when they are a principal of the material's library and one is configured
   for them, otherwise the library's (`signer_for`). A DOCX/PPTX whose preview is made after its
   approval is signed then (`request_signature_after_preview`, called by the pipeline), by the user
   of its latest approval.
2. The media pipeline runs it like any other kind (repository.pipeline: claim, lease, retries);
   `make_signed_pdf` signs a local copy of the original PDF, or of the DOCX/PPTX's preview PDF, with
   media_pipeline.signing (PAdES B-B, B-T with HOCLIEU_SIGNING_TSA_URL) and stores the signed copy as
   the derivative's output, with the signature's facts and what was signed (`source`: "original" or
   "preview_pdf") in its `metadata`. The original MaterialFile is never written: it stays the
   approved file version.
3. Readers who download a PDF material's file get the signed copy (`signed_copy`, used by the
   document view); the preview PDF of a DOCX/PPTX is served signed (`signed_preview`) while the
   DOCX/PPTX itself is served as uploaded; `/materials/<id>/signature/` and `manage.py
   verify_signature FILE` verify either.

Signers come from settings (see `signer_from_spec` for the shape of one):
HOCLIEU_SIGNING_USER_SIGNERS {username: spec}, HOCLIEU_SIGNING_LIBRARY_SIGNERS {library code: spec},
then, for both, a PKCS#12 file named by convention in HOCLIEU_SIGNING_PKCS12_DIR
(`user-<username>.p12`, `library-<CODE>.p12`, password HOCLIEU_SIGNING_PKCS12_PASSWORD; the demo CA
writes them there). HOCLIEU_SIGNING_TRUST_ROOTS lists the PEM files of the trusted CAs.
"""

import logging
import os
from datetime import datetime
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import WorkflowState

from media_pipeline import detect, signing
from media_pipeline.files import local_path

from .access import user_library_ids
from .choices import MaterialType, Role
from .models import DerivativeKind, DerivativeStatus, MaterialFile, MaterialPage
from .models.derivatives import Derivative, current_derivative

logger = logging.getLogger("hoclieu.signatures")

#: Material types whose PDF is signed on final approval.
SIGNED_TYPES = (MaterialType.LESSON_PLAN, MaterialType.SLIDES)
SIGNED_BY_PRINCIPAL, SIGNED_BY_LIBRARY = "principal", "library"


class NoSigner(signing.SigningError):
    code = "no_signer"
    message = _("Chưa cấu hình chứng thư số để ký cho thư viện này.")


class NothingToSign(signing.SigningError):
    code = "nothing_to_sign"
    message = _("Tệp không phải PDF và chưa có bản xem trước PDF để ký.")


def person_name(user):
    """`user`'s name in Vietnamese order (family and middle names, then the given name: "Hoàng Văn
    Bình"), or the username when both are empty."""
    return f"{user.last_name} {user.first_name}".strip() or user.get_username()


# --- signers from settings ----------------------------------------------------------------------


def signer_from_spec(spec):
    """A media_pipeline.signing signer from a settings dict.

    {"type": "pkcs12", "path": str, "password": str} or {"type": "pkcs11", "module": path of the
    PKCS#11 library, "token_label": str, "pin": str, "cert_label": str, "key_label": str (optional)}.
    Raises ImproperlyConfigured-like ValueError for another "type".
    """
    kind = spec.get("type", "pkcs12")
    if kind == "pkcs12":
        return signing.Pkcs12Signer(path=str(spec["path"]), password=spec.get("password"))
    if kind == "pkcs11":
        return signing.Pkcs11Signer(module_path=str(spec["module"]), token_label=spec["token_label"],
                                    pin=str(spec["pin"]), cert_label=spec["cert_label"],
                                    key_label=spec.get("key_label"))
    raise ValueError(f"HOCLIEU_SIGNING_*_SIGNERS: unknown signer type {kind!r} (pkcs12 or pkcs11)")


def _configured(mapping, key, filename):
    spec = getattr(settings, mapping, {}).get(key)
    if spec:
        return signer_from_spec(spec)
    directory = getattr(settings, "HOCLIEU_SIGNING_PKCS12_DIR", "")
    if directory and os.path.isfile(os.path.join(directory, filename)):
        return signing.Pkcs12Signer(path=os.path.join(str(directory), filename),
                                    password=getattr(settings, "HOCLIEU_SIGNING_PKCS12_PASSWORD", ""))
    return None


def user_signer(user):
    """The signer configured for `user` (HOCLIEU_SIGNING_USER_SIGNERS, then user-<username>.p12), or None."""
    return _configured("HOCLIEU_SIGNING_USER_SIGNERS", user.get_username(), f"user-{user.get_username()}.p12")


def library_signer(library):
    """The signer configured for `library` (HOCLIEU_SIGNING_LIBRARY_SIGNERS, then library-<CODE>.p12),
    or None."""
    return _configured("HOCLIEU_SIGNING_LIBRARY_SIGNERS", library.code, f"library-{library.code}.p12")


def signer_for(library, approver=None):
    """(signer, SIGNED_BY_PRINCIPAL or SIGNED_BY_LIBRARY) for a material of `library` approved by
    `approver` (a user or None), or (None, None) when nothing is configured. The approver's own
    signer counts only when they are a principal of `library`."""
    if approver is not None and library.pk in user_library_ids(approver, [Role.PRINCIPAL]):
        signer = user_signer(approver)
        if signer is not None:
            return signer, SIGNED_BY_PRINCIPAL
    signer = library_signer(library) if library is not None else None
    return (signer, SIGNED_BY_LIBRARY) if signer is not None else (None, None)


def trust_roots():
    """asn1crypto Certificates of HOCLIEU_SIGNING_TRUST_ROOTS (PEM or DER files); missing files are
    left out (logged), so a site without a CA still verifies, untrusted."""
    paths = [p for p in getattr(settings, "HOCLIEU_SIGNING_TRUST_ROOTS", []) if os.path.isfile(p)]
    missing = set(getattr(settings, "HOCLIEU_SIGNING_TRUST_ROOTS", [])) - set(paths)
    if missing:
        logger.warning("trust roots not found: %s", ", ".join(map(str, missing)))
    return signing.load_certificates(paths)


# --- requesting and making the signed copy ------------------------------------------------------


#: What a SIGNED_PDF Derivative signs (its metadata "source").
SOURCE_ORIGINAL, SOURCE_PREVIEW_PDF = "original", "preview_pdf"
OFFICE_FORMATS = frozenset({detect.DOCX, detect.PPTX})


def _format(material_file):
    probe = current_derivative(material_file, DerivativeKind.PROBE)
    if probe is not None:
        return probe.metadata.get("format")
    try:
        with material_file.file.open("rb") as handle:
            return detect.detect(handle, material_file.file.name)
    except Exception:  # not readable or not a known format: nothing to sign
        return None


def _finished_preview_pdf(material_file):
    """The finished PREVIEW_PDF Derivative (with its output) of `material_file`'s bytes, or None."""
    preview = current_derivative(material_file, DerivativeKind.PREVIEW_PDF)
    if preview is None or preview.status != DerivativeStatus.DONE or not preview.output:
        return None
    return preview


def signing_source(material_file):
    """What is signed for `material_file`: SOURCE_ORIGINAL for a PDF, SOURCE_PREVIEW_PDF for a
    DOCX/PPTX whose preview PDF is made, else None (nothing to sign, or not yet)."""
    fmt = _format(material_file)
    if fmt == detect.PDF:
        return SOURCE_ORIGINAL
    if fmt in OFFICE_FORMATS and _finished_preview_pdf(material_file) is not None:
        return SOURCE_PREVIEW_PDF
    return None


def request_signature(page, approver=None):
    """Queue the signed copy of MaterialPage `page`'s file, approved by `approver` (a user or None).

    Only for a lesson plan or slides (SIGNED_TYPES) whose file is a PDF, or a DOCX/PPTX with its
    preview PDF made (`signing_source`), and only when a signer is configured for it (signer_for).
    Returns the SIGNED_PDF Derivative (pending), or None when the material is not signed. A signed
    copy made before (a second approval of the same bytes) is made again, for the new approver. The
    task is queued when the transaction commits.
    """
    from .pipeline import enqueue_derivative, ensure_derivative

    material_file = page.file
    if page.material_type not in SIGNED_TYPES or material_file is None or not material_file.sha256:
        return None
    if page.library_id is None or signer_for(page.library, approver)[0] is None:
        logger.info("material %s: no signer configured for library %s", page.pk, page.library_id)
        return None
    if signing_source(material_file) is None:
        return None
    derivative = ensure_derivative(material_file, DerivativeKind.SIGNED_PDF)
    if derivative.status == DerivativeStatus.RUNNING:
        return derivative
    request = {"page_id": page.pk, "approver_id": approver.pk if approver is not None else None}
    Derivative.objects.filter(pk=derivative.pk).update(
        status=DerivativeStatus.PENDING, metadata={"request": request}, error="", error_code="",
        permanent=False,
    )
    transaction.on_commit(
        partial(enqueue_derivative, material_file.pk, DerivativeKind.SIGNED_PDF), robust=True
    )
    derivative.refresh_from_db()
    return derivative


def make_signed_pdf(material_file, derivative, path, workdir):
    """The SIGNED_PDF work of repository.pipeline on `path`, a local copy of `material_file`'s
    original (a PDF, signed as it is; for a DOCX/PPTX its preview PDF is signed instead):
    (metadata, (file name, File)).

    metadata: {"request": {"page_id", "approver_id"}, "signed_by": "principal" or "library",
    "source": SOURCE_ORIGINAL or SOURCE_PREVIEW_PDF, "signer": {...}
    (media_pipeline.signing.SignedPdf.as_metadata: signer_name, subject, issuer, serial,
    sha256_fingerprint, signed_at, level, sha256 and size of the signed copy)}.
    Raises NoSigner when no signer is configured any more, NothingToSign when the file is neither a
    PDF nor a DOCX/PPTX with its preview PDF, or a media_pipeline.signing.SigningError.
    """
    source = signing_source(material_file)
    if source is None:
        raise NothingToSign()
    if source == SOURCE_PREVIEW_PDF:
        with local_path(_finished_preview_pdf(material_file).output) as preview_path:
            return _sign(material_file, derivative, preview_path, workdir, source)
    return _sign(material_file, derivative, path, workdir, source)


def _sign(material_file, derivative, path, workdir, source):
    request = dict(derivative.metadata.get("request") or {})
    page = MaterialPage.objects.filter(pk=request.get("page_id")).select_related("library").first()
    if page is None:
        page = material_file.materials.select_related("library").first()
    library = page.library if page is not None else None
    approver = get_user_model().objects.filter(pk=request.get("approver_id")).first()
    signer, signed_by = signer_for(library, approver) if library is not None else (None, None)
    if signer is None:
        raise NoSigner()
    name = person_name(approver) if signed_by == SIGNED_BY_PRINCIPAL else None
    type_label = MaterialType(page.material_type).label if page is not None else _("học liệu")
    location = ", ".join(part for part in (library.district, library.province) if part) or library.name
    output = os.path.join(workdir, "signed.pdf")
    signed = signing.sign_pdf(
        path, output, signer, reason=_("Phê duyệt %(type)s") % {"type": str(type_label).lower()},
        location=location, signer_name=name, tsa_url=getattr(settings, "HOCLIEU_SIGNING_TSA_URL", "") or None,
    )
    stem = os.path.splitext(os.path.basename(material_file.file.name))[0]
    if source == SOURCE_PREVIEW_PDF:
        stem += "-preview"
    metadata = {"request": request, "signed_by": signed_by, "source": source,
                "signer": signed.as_metadata()}
    return metadata, (f"{stem}-signed.pdf", File(open(output, "rb"), name=f"{stem}-signed.pdf"))


def request_missing_signatures():
    """Request the signature (request_signature) of every published lesson plan or slides material
    whose file has no signed copy yet, approved by the user of its latest approval record
    (repository.versions): for a site whose signers were configured after approvals (the demo
    makes its CA after building its data). Returns the number of signatures queued."""
    from .versions import approval_entries

    queued = 0
    pages = MaterialPage.objects.live().filter(material_type__in=SIGNED_TYPES, file__isnull=False)
    for page in pages.select_related("file", "library"):
        if signed_derivative(page.file) is not None:
            continue
        entry = approval_entries(material_file=page.file, page=page).first()
        if request_signature(page, entry.user if entry is not None else None) is not None:
            queued += 1
    return queued


def request_signature_after_preview(material_file):
    """Called by the pipeline when `material_file`'s preview PDF is made: request the signature
    (request_signature) of each published lesson plan or slides material using it whose review
    workflow was approved (a material published without review, such as a batch import, is not
    signed) and that has no signed copy yet, for the user of its latest approval of these bytes
    (repository.versions). Returns the number of signatures queued."""
    from .versions import approval_entries

    if signed_derivative(material_file) is not None:
        return 0
    queued = 0
    pages = material_file.materials.live().filter(material_type__in=SIGNED_TYPES)
    for page in pages.select_related("file", "library"):
        if not page.workflow_states.filter(status=WorkflowState.STATUS_APPROVED).exists():
            continue
        entry = approval_entries(material_file=material_file, page=page).first()
        if entry is not None and request_signature(page, entry.user) is not None:
            queued += 1
    return queued


def on_workflow_approved(sender, instance, user=None, **kwargs):
    """`workflow_approved` receiver: request the signature of the approved material (request_signature)."""
    page = instance.content_object
    page = getattr(page, "specific", page)
    if isinstance(page, MaterialPage):
        page = MaterialPage.objects.select_related("file", "library").get(pk=page.pk)
        request_signature(page, user)


def register_signal_handlers():
    """Connect `on_workflow_approved` to Wagtail's `workflow_approved` (idempotent)."""
    from wagtail.models import WorkflowState
    from wagtail.signals import workflow_approved

    workflow_approved.connect(on_workflow_approved, sender=WorkflowState,
                              dispatch_uid="hoclieu_sign_on_approval")


# --- reading it back ----------------------------------------------------------------------------


def signed_derivative(material_file):
    """The finished SIGNED_PDF Derivative of `material_file`'s current bytes, or None."""
    if material_file is None:
        return None
    derivative = current_derivative(material_file, DerivativeKind.SIGNED_PDF)
    return derivative if derivative is not None and derivative.output else None


def signed_copy(material_file):
    """The signed copy (a FieldFile, PDF) readers get instead of `material_file`'s original (a PDF),
    or None."""
    derivative = signed_derivative(material_file)
    if derivative is None or derivative.metadata.get("source", SOURCE_ORIGINAL) != SOURCE_ORIGINAL:
        return None
    return derivative.output


def signed_preview(material_file):
    """The signed copy (a FieldFile, PDF) of a DOCX/PPTX `material_file`'s preview PDF, served
    instead of the unsigned preview, or None."""
    derivative = signed_derivative(material_file)
    if derivative is None or derivative.metadata.get("source") != SOURCE_PREVIEW_PDF:
        return None
    return derivative.output


def verify_fieldfile(fieldfile):
    """media_pipeline.signing.verify_pdf of a stored file (any storage), against trust_roots()."""
    with local_path(fieldfile) as path:
        return signing.verify_pdf(path, trust_roots())


def verify_material(page):
    """(Derivative, SignatureReport) of MaterialPage `page`'s signed copy, verified now, or None when
    it has none. The report says whether the stored copy changed since it was signed."""
    derivative = signed_derivative(page.file) if page.file_id else None
    if derivative is None:
        return None
    return derivative, verify_fieldfile(derivative.output)


def signature_summary(material_file):
    """{"signer_name", "signed_at" (aware datetime or None)} of `material_file`'s signed copy, or None — the
    published page's "Đã ký số bởi … ngày …" (no verification: the page reads the derivative)."""
    derivative = signed_derivative(material_file) if isinstance(material_file, MaterialFile) else None
    if derivative is None:
        return None
    facts = derivative.metadata.get("signer", {})
    signed_at = facts.get("signed_at")
    return {"signer_name": facts.get("signer_name", ""),
            "signed_at": datetime.fromisoformat(signed_at) if signed_at else None}


# --- the demo certificate authority -------------------------------------------------------------


def demo_ca_signers():
    """repository.demo_ca.DemoSigner objects for every library (library-<CODE>.p12, CN the library's
    name) and every principal (user-<username>.p12, CN their full name), for make_demo_ca."""
    from .demo_ca import DemoSigner, library_p12_name, user_p12_name
    from .models import Library

    signers = []
    for library in Library.objects.order_by("code"):
        signers.append(DemoSigner(library_p12_name(library.code), library.name, library.name))
        principals = get_user_model().objects.filter(
            groups__library_role__library=library, groups__library_role__role=Role.PRINCIPAL
        ).distinct().order_by("username")
        for user in principals:
            signers.append(DemoSigner(user_p12_name(user.get_username()),
                                      person_name(user), library.name))
    return signers
