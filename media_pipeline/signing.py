"""PAdES signatures on PDF files with pyHanko: sign (with a visible stamp) and verify.

Plain functions that know nothing of the domain. The signature is a PAdES baseline signature
(ETSI EN 319 142-1): B-B (a CAdES detached signature in the PDF, `/SubFilter /ETSI.CAdES.detached`,
with the signing certificate as a signed attribute), B-T when a time-stamping authority (RFC 3161)
is given. It is added as an incremental update, so the bytes of the original stay the first bytes of
the signed file.

Signers are pluggable (`Pkcs12Signer`, `Pkcs11Signer`): each opens a pyHanko `Signer` for the time of
one signature. The visible stamp on the first page is drawn with an embedded TrueType font (DejaVu
Sans by default, `STAMP_FONT_PATH`) through pyHanko's OpenType support (HarfBuzz shaping, a subset
of the font embedded as a CID font with a ToUnicode map), so Vietnamese diacritics render and the
text can be extracted again; the font is first scaled to 1000 units per em (`stamp_font`).

Errors on bad input are `SigningError`s (media_pipeline.errors.MediaError): a file that is not a
readable PDF, an encrypted PDF, a signer that cannot be opened (wrong password, missing token), a
file with no signature to verify. The input file is never written.
"""

import asyncio
import contextlib
import hashlib
import logging
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from .errors import MediaError

#: DejaVu Sans from Debian's fonts-dejavu-core: Latin with every Vietnamese letter and tone mark.
STAMP_FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#: The stamp's box on the first page, in PDF points (1/72 inch): width, height, margin from the
#: bottom-left corner of the page's crop box.
STAMP_WIDTH, STAMP_HEIGHT, STAMP_MARGIN = 250, 64, 24
STAMP_FONT_SIZE = 8
#: The stamp's text; pyHanko fills %(ts)s with the signing time (STAMP_TIME_FORMAT), the others come
#: from `sign_pdf`.
STAMP_TEXT = "Đã ký số bởi: %(signer)s\nNgày ký: %(ts)s\nLí do: %(reason)s\nNơi ký: %(location)s"
STAMP_TIME_FORMAT = "%d/%m/%Y %H:%M:%S %Z"
SIGNATURE_FIELD = "HoclieuSignature"
#: Seconds a time-stamping authority may take to answer.
TSA_TIMEOUT = 30

# fontTools warns on every stamp that it drops DejaVu's FFTM table (a font-forge timestamp) from the
# subset; that is expected and says nothing about the signature.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


class SigningError(MediaError):
    code = "signing_error"
    message = _("Không ký số được tệp PDF: %(detail)s")


class NotAPdf(SigningError):
    code = "signing_not_pdf"
    message = _("Tệp không phải PDF đọc được nên không ký hay kiểm tra chữ ký được (%(detail)s).")


class EncryptedPdf(SigningError):
    code = "signing_pdf_encrypted"
    message = _("Tệp PDF được mã hoá (có mật khẩu) nên không ký số được.")


class SignerUnavailable(SigningError):
    code = "signer_unavailable"
    message = _("Không mở được khoá ký số (%(detail)s).")


class NoSignature(SigningError):
    code = "no_signature"
    message = _("Tệp PDF không có chữ ký số nào.")


# --- signers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pkcs12Signer:
    """A key and certificate chain in a PKCS#12 (.p12/.pfx, RFC 7292) file with its password.

    `path`: the file; `password`: str or bytes (None or "" for none).
    """

    path: str
    password: str | bytes | None = None

    @contextlib.contextmanager
    def open(self):
        """Yield a pyHanko SimpleSigner. Raises SignerUnavailable for a missing file or a wrong
        password."""
        from pyhanko.sign import signers

        password = self.password.encode() if isinstance(self.password, str) else self.password
        if not os.path.isfile(self.path):
            raise SignerUnavailable(detail=_("không có tệp %(path)s") % {"path": os.path.basename(self.path)})
        try:
            signer = signers.SimpleSigner.load_pkcs12(self.path, passphrase=password or None)
        except (ValueError, OSError) as error:
            raise SignerUnavailable(detail=str(error) or type(error).__name__) from error
        if signer is None:  # pyHanko logs and returns None for a wrong password
            raise SignerUnavailable(detail=_("sai mật khẩu của tệp PKCS#12"))
        yield signer


@dataclass(frozen=True)
class Pkcs11Signer:
    """A key and certificate on a PKCS#11 token (a USB token, an HSM; tested with SoftHSM2).

    `module_path`: the PKCS#11 library (.so); `token_label`: the token's label; `pin`: the user PIN;
    `key_label` / `cert_label`: labels of the private key and certificate objects (the key label
    defaults to the certificate's).
    """

    module_path: str
    token_label: str
    pin: str
    cert_label: str
    key_label: str | None = None

    @contextlib.contextmanager
    def open(self):
        """Yield a pyHanko PKCS11Signer on an open session, closed afterwards. Raises
        SignerUnavailable for a missing module or token, a wrong PIN, or missing objects."""
        from pkcs11.exceptions import PKCS11Error
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11 as hanko_pkcs11

        if not os.path.isfile(self.module_path):
            raise SignerUnavailable(
                detail=_("không có thư viện PKCS#11 %(path)s") % {"path": self.module_path})
        try:
            session = hanko_pkcs11.open_pkcs11_session(
                self.module_path, token_criteria=TokenCriteria(label=self.token_label), user_pin=self.pin
            )
        except (PKCS11Error, OSError, ValueError) as error:
            raise SignerUnavailable(detail=str(error) or type(error).__name__) from error
        try:
            yield hanko_pkcs11.PKCS11Signer(
                session, cert_label=self.cert_label, key_label=self.key_label or self.cert_label
            )
        finally:
            session.close()


# --- signing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedPdf:
    """What `sign_pdf` made: `path` of the signed file, its `sha256` and `size` (bytes), `level`
    ("B-B" or "B-T"), and the signer's certificate facts (`CertificateFacts`)."""

    path: str
    sha256: str
    size: int
    level: str
    signed_at: datetime | None
    certificate: "CertificateFacts"

    def as_metadata(self):
        """A JSON-ready dict of these facts (datetimes as ISO 8601 strings)."""
        return {"sha256": self.sha256, "size": self.size, "level": self.level,
                "signed_at": self.signed_at.isoformat() if self.signed_at else None,
                **self.certificate.as_metadata()}


@dataclass(frozen=True)
class CertificateFacts:
    """A certificate as people check it: `signer_name` (subject CN), `subject` and `issuer`
    (RFC 4514 strings), `serial` (hex), `sha256_fingerprint` (hex of the DER's SHA-256, colon-less,
    upper case), `not_before` / `not_after` (aware datetimes)."""

    signer_name: str
    subject: str
    issuer: str
    serial: str
    sha256_fingerprint: str
    not_before: datetime
    not_after: datetime

    @classmethod
    def of(cls, certificate):
        """Facts of an asn1crypto x509.Certificate."""
        from cryptography import x509
        from cryptography.x509.oid import NameOID

        cert = x509.load_der_x509_certificate(certificate.dump())
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return cls(
            signer_name=str(names[0].value) if names else cert.subject.rfc4514_string(),
            subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
            serial=format(cert.serial_number, "X"),
            sha256_fingerprint=hashlib.sha256(certificate.dump()).hexdigest().upper(),
            not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
        )

    def as_metadata(self):
        return {"signer_name": self.signer_name, "subject": self.subject, "issuer": self.issuer,
                "serial": self.serial, "sha256_fingerprint": self.sha256_fingerprint,
                "not_before": self.not_before.isoformat(), "not_after": self.not_after.isoformat()}


#: Characters the stamp font keeps: Latin (with Vietnamese's letters and tone marks), combining marks,
#: punctuation, the đồng sign.
STAMP_FONT_UNICODES = [*range(0x20, 0x250), *range(0x300, 0x370), *range(0x1E00, 0x1F00),
                       *range(0x2000, 0x2070), 0x20AB]


def _outside_event_loop(func, *args, **kwargs):
    """Call `func(*args, **kwargs)` and return its result. pyHanko's synchronous API runs its async
    core with `asyncio.run()`, which refuses to run in a thread whose event loop is running (a caller
    inside an async framework, or a browser driven by Playwright's sync API): there, the call runs in
    a thread of its own, and this one waits for it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return func(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(func, *args, **kwargs).result()


def stamp_font(font_path):
    """Path of the font the stamp embeds: `font_path` cut to STAMP_FONT_UNICODES and scaled to 1000
    units per em, made once and kept in a cache directory (HOCLIEU_FONT_CACHE, else the system's
    temporary directory) under a name that changes with the source font.

    pyHanko 0.38 writes glyph widths (/W) and TJ adjustments in the font's own units, which PDF reads
    as thousandths of an em; DejaVu Sans has 2048 units per em, so unscaled its letters would stand
    twice as far apart as they should.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    stat = os.stat(font_path)
    key = hashlib.sha1(f"{os.path.abspath(font_path)}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
    directory = os.environ.get("HOCLIEU_FONT_CACHE") or os.path.join(tempfile.gettempdir(), "hoclieu-fonts")
    stem = os.path.splitext(os.path.basename(font_path))[0]
    target = os.path.join(directory, f"{stem}-{key[:12]}-1000upem.ttf")
    if os.path.isfile(target):
        return target
    os.makedirs(directory, exist_ok=True)
    font = TTFont(font_path)
    if font["head"].unitsPerEm != 1000:
        options = subset.Options()
        options.layout_features, options.name_IDs, options.notdef_outline = ["*"], ["*"], True
        options.hinting = False  # its instructions do not survive the scaling below
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=STAMP_FONT_UNICODES)
        subsetter.subset(font)
        scale_upem(font, 1000)
    partial = f"{target}.{os.getpid()}.partial"
    font.save(partial)
    os.replace(partial, target)
    return target


def _stamp_box(path):
    """(x1, y1, x2, y2) of the stamp: bottom-left corner of the first page, in PDF points."""
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        page = document[0]
        left, bottom, right, top = page.get_cropbox()
        page.close()
    finally:
        document.close()
    width = min(STAMP_WIDTH, max(right - left - 2 * STAMP_MARGIN, 80))
    x1, y1 = left + STAMP_MARGIN, bottom + STAMP_MARGIN
    return (int(x1), int(y1), int(x1 + width), int(y1 + STAMP_HEIGHT))


def _open_for_signing(handle):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError

    try:
        writer = IncrementalPdfFileWriter(handle, strict=False)
    except (PdfError, ValueError, KeyError, TypeError) as error:
        raise NotAPdf(detail=str(error)[:200] or type(error).__name__) from error
    if writer.prev.encrypted:
        raise EncryptedPdf()
    return writer


def sign_pdf(input_path, output_path, signer, *, reason, location="", signer_name=None, tsa_url=None,
             font_path=STAMP_FONT_PATH):
    """Sign the PDF at `input_path` into `output_path` with a PAdES baseline signature and a
    visible stamp in the bottom-left corner of the first page; return a SignedPdf.

    `signer`: a Pkcs12Signer or Pkcs11Signer. `reason` and `location`: the signature dictionary's
    /Reason and /Location, also shown on the stamp. `signer_name`: the name on the stamp and in
    /Name (default: the certificate's subject CN). `tsa_url`: an RFC 3161 time-stamping authority
    (B-T); None for B-B. `font_path`: the TrueType/OpenType font embedded for the stamp.

    Raises NotAPdf, EncryptedPdf, SignerUnavailable, or SigningError (a TSA that does not answer,
    a missing font). `output_path` is written only when the signature is complete.
    """
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers, timestamps
    from pyhanko.stamp import TextStampStyle

    if not os.path.isfile(font_path):
        raise SigningError(detail=_("không có phông chữ %(path)s") % {"path": font_path})
    with open(input_path, "rb") as source:
        _open_for_signing(source)  # refuses what is not a PDF, or is encrypted, before any signer opens
    try:
        box = _stamp_box(input_path)
    except Exception as error:  # pypdfium2 raises PdfiumError for anything it cannot open
        raise NotAPdf(detail=str(error)[:200] or type(error).__name__) from error
    with signer.open() as hanko_signer:
        certificate = CertificateFacts.of(hanko_signer.signing_cert)
        name = signer_name or certificate.signer_name
        style = TextStampStyle(
            stamp_text=STAMP_TEXT, timestamp_format=STAMP_TIME_FORMAT,
            text_box_style=TextBoxStyle(
                font=GlyphAccumulatorFactory(stamp_font(font_path), font_size=STAMP_FONT_SIZE),
                font_size=STAMP_FONT_SIZE, leading=STAMP_FONT_SIZE + 3),
        )
        metadata = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD, subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason, location=location or None, name=name,
            use_pades_lta=False, embed_validation_info=False,
        )
        timestamper = timestamps.HTTPTimeStamper(tsa_url, timeout=TSA_TIMEOUT) if tsa_url else None
        pdf_signer = signers.PdfSigner(
            metadata, signer=hanko_signer, timestamper=timestamper, stamp_style=style,
            new_field_spec=fields.SigFieldSpec(SIGNATURE_FIELD, on_page=0, box=box),
        )
        partial = f"{output_path}.partial"
        try:
            with open(input_path, "rb") as source:
                writer = _open_for_signing(source)
                with open(partial, "wb") as target:
                    _outside_event_loop(pdf_signer.sign_pdf, writer, output=target, appearance_text_params={
                        "signer": name, "reason": reason, "location": location or "—"})
            os.replace(partial, output_path)
        except SigningError:
            raise
        except Exception as error:
            raise SigningError(detail=str(error)[:300] or type(error).__name__) from error
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(partial)
    digest, size = _sha256_of(output_path)
    return SignedPdf(path=output_path, sha256=digest, size=size, level="B-T" if tsa_url else "B-B",
                     signed_at=_signing_time(output_path), certificate=certificate)


def _signing_time(path):
    """The signing time the last signature of the PDF at `path` reports (no validation), or None."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    with open(path, "rb") as handle:
        signatures = PdfFileReader(handle, strict=False).embedded_signatures
        return signatures[-1].self_reported_timestamp if signatures else None


def _sha256_of(path):
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# --- verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureReport:
    """The verification of one signature in a PDF.

    `certificate`: CertificateFacts of the signer; `signed_at`: the time stamp's time when there is
    one (`timestamped`), else the signing time the signer reported (aware datetime or None);
    `reason`, `location`: as signed; `intact`: the signed bytes are unchanged (digest and signature
    check out); `covers_whole_file`: nothing was appended after the signature; `changed`: not intact
    or not covering the whole file, i.e. the file is not the one that was signed; `trusted`: the
    certificate chains to one of the trust roots given (False when none were given); `level`:
    "B-B" or "B-T"; `problems`: Vietnamese sentences for people, empty for a good, trusted one.
    """

    certificate: CertificateFacts
    signed_at: datetime | None
    timestamped: bool
    reason: str
    location: str
    intact: bool
    covers_whole_file: bool
    trusted: bool
    level: str
    problems: list = field(default_factory=list)

    @property
    def changed(self):
        return not (self.intact and self.covers_whole_file)

    @property
    def ok(self):
        """True for an intact signature over the whole file by a trusted certificate."""
        return not self.changed and self.trusted

    def as_metadata(self):
        """A JSON-ready dict of the report."""
        return {"signed_at": self.signed_at.isoformat() if self.signed_at else None,
                "timestamped": self.timestamped, "reason": self.reason, "location": self.location,
                "intact": self.intact, "covers_whole_file": self.covers_whole_file, "changed": self.changed,
                "trusted": self.trusted, "level": self.level, "problems": [str(p) for p in self.problems],
                **self.certificate.as_metadata()}


def load_certificates(paths):
    """asn1crypto Certificates from PEM or DER files at `paths` (a file may hold several PEM
    certificates). Raises SigningError for a file that holds none."""
    from asn1crypto import pem, x509

    certificates = []
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        if pem.detect(data):
            found = [x509.Certificate.load(der) for _type, _headers, der in pem.unarmor(data, multiple=True)]
        else:
            found = [x509.Certificate.load(data)]
        if not found:
            raise SigningError(detail=_("không có chứng thư trong %(path)s") % {"path": path})
        certificates.extend(found)
    return certificates


def verify_pdf(path, trust_roots=()):
    """Verify the last signature of the PDF at `path`; return a SignatureReport.

    `trust_roots`: asn1crypto Certificates (see load_certificates) the signer must chain to;
    revocation is not checked (the demo authority publishes no CRL or OCSP). A file whose signed
    bytes changed reports `intact` False; bytes appended after the signature (an incremental update
    or anything else) report `covers_whole_file` False.

    Raises NotAPdf for a file pyHanko cannot read, NoSignature for a PDF without a signature.
    """
    return verify_all(path, trust_roots)[-1]


def verify_all(path, trust_roots=()):
    """SignatureReports of every signature of the PDF at `path`, in signing order (see verify_pdf)."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False,
                                revocation_mode="soft-fail")
    reports = []
    with open(path, "rb") as handle:
        try:
            reader = PdfFileReader(handle, strict=False)
            signatures = reader.embedded_signatures
        except (PdfError, ValueError, KeyError, TypeError) as error:
            raise NotAPdf(detail=str(error)[:200] or type(error).__name__) from error
        if not signatures:
            raise NoSignature()
        for embedded in signatures:
            try:
                status = _outside_event_loop(validate_pdf_signature, embedded, context)
            except (SignatureValidationError, PdfError, ValueError) as error:
                reports.append(_broken_report(embedded, error))
                continue
            reports.append(_report(embedded, status, bool(trust_roots)))
    return reports


def _report(embedded, status, have_roots):
    from pyhanko.sign.validation import SignatureCoverageLevel

    timestamped = status.timestamp_validity is not None
    signed_at = status.timestamp_validity.timestamp if timestamped else status.signer_reported_dt
    covers = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    intact = bool(status.intact and status.valid)
    trusted = bool(have_roots and status.trusted)
    problems = []
    if not intact:
        problems.append(_("Nội dung đã bị thay đổi sau khi ký: chữ ký không khớp với tệp."))
    if intact and not covers:
        problems.append(_("Tệp có thêm nội dung sau chữ ký: phần thêm vào không được chữ ký bảo đảm."))
    if not trusted:
        problems.append(_("Chứng thư của người ký không thuộc cơ quan chứng thực được tin cậy."))
    return SignatureReport(
        certificate=CertificateFacts.of(status.signing_cert), signed_at=signed_at, timestamped=timestamped,
        reason=str(embedded.sig_object.get("/Reason", "")),
        location=str(embedded.sig_object.get("/Location", "")),
        intact=intact, covers_whole_file=covers, trusted=trusted, level="B-T" if timestamped else "B-B",
        problems=problems,
    )


def _broken_report(embedded, error):
    """A report for a signature pyHanko could not even evaluate (its bytes mangled)."""
    certificate = embedded.signer_cert
    return SignatureReport(
        certificate=CertificateFacts.of(certificate), signed_at=embedded.self_reported_timestamp,
        timestamped=False, reason=str(embedded.sig_object.get("/Reason", "")),
        location=str(embedded.sig_object.get("/Location", "")), intact=False, covers_whole_file=False,
        trusted=False, level="B-B",
        problems=[_("Chữ ký hỏng, không kiểm tra được (%(error)s).") % {"error": str(error)[:200]}],
    )
