"""PAdES signatures with pyHanko (media_pipeline.signing): sign, verify, tamper, PKCS#11 (SoftHSM2).

poppler's `pdfsig` is the independent verifier; SoftHSM2 stands for a USB token. Both are Debian
packages `make install` installs (APT_PACKAGES): their tests fail, not skip, when they are missing.
"""

import hashlib
import os
import shutil
import subprocess

import pypdfium2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from media_pipeline import signing
from tests.signing_ca import LIBRARY_CN, LIBRARY_P12, PASSWORD, PRINCIPAL_CN, PRINCIPAL_P12, make_test_ca

PDF = "pdf/maint-guide.vi.pdf"
REASON = "Phê duyệt kế hoạch bài dạy"
LOCATION = "Quận 1, TP Hồ Chí Minh"
SOFTHSM_MODULES = ["/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"]
TOKEN_LABEL, USER_PIN, SO_PIN, KEY_LABEL = "hoclieu-test", "123456", "654321", "hieutruong"


@pytest.fixture(scope="session")
def ca_dir(tmp_path_factory):
    return make_test_ca(tmp_path_factory.mktemp("demo-ca"))


@pytest.fixture(scope="session")
def roots(ca_dir):
    return signing.load_certificates([ca_dir / "ca.pem"])


@pytest.fixture(scope="session")
def signed(ca_dir, tmp_path_factory):
    """(original path, signed path, SignedPdf) signed by the principal's PKCS#12 file."""
    from tests.conftest import FIXTURES

    out = tmp_path_factory.mktemp("signed") / "signed.pdf"
    result = signing.sign_pdf(FIXTURES / PDF, out, signing.Pkcs12Signer(ca_dir / PRINCIPAL_P12, PASSWORD),
                              reason=REASON, location=LOCATION)
    return FIXTURES / PDF, out, result


def principal_key_and_certificate(ca_dir):
    """(private key, certificate, chain) of the principal's PKCS#12 file (cryptography objects)."""
    return pkcs12.load_key_and_certificates((ca_dir / PRINCIPAL_P12).read_bytes(), PASSWORD.encode())


def pdfsig(path):
    """poppler's pdfsig report of `path` (str). Fails the test when pdfsig is not installed."""
    tool = shutil.which("pdfsig")
    assert tool, "pdfsig (Debian poppler-utils) is not installed: run make install"
    run = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=60)
    return run.stdout + run.stderr


def tamper(signed_path, target):
    """Copy `signed_path` to `target` with one byte changed inside the first stream of the original
    (a signed range). Returns `target`."""
    data = bytearray(signed_path.read_bytes())
    at = data.index(b"stream", 0) + 40
    data[at] = (data[at] + 1) % 256
    target.write_bytes(bytes(data))
    return target


def append_update(signed_path, target):
    """Copy `signed_path` to `target` with an incremental update (a new document language)
    appended after the signature, as an editor would save it. Returns `target`."""
    from pyhanko.pdf_utils.generic import pdf_string
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    shutil.copyfile(signed_path, target)
    with open(target, "r+b") as handle:
        writer = IncrementalPdfFileWriter(handle, strict=False)
        writer.root["/Lang"] = pdf_string("en")
        writer.update_root()
        writer.write_in_place()
    return target


# --- signing and verifying ----------------------------------------------------------------------


def test_signed_copy_keeps_the_original_bytes_first_and_is_pades(signed):
    original, path, result = signed
    data = path.read_bytes()
    assert data.startswith(original.read_bytes())  # an incremental update: nothing rewritten
    assert b"/ETSI.CAdES.detached" in data
    assert result.level == "B-B"
    assert result.sha256 == hashlib.sha256(data).hexdigest() and result.size == len(data)
    assert result.certificate.signer_name == PRINCIPAL_CN


def test_verify_reports_who_when_which_certificate_and_trust(signed, roots, ca_dir):
    _original, path, result = signed
    report = signing.verify_pdf(path, roots)
    assert report.intact and report.covers_whole_file and not report.changed
    assert report.trusted and report.ok and report.problems == []
    assert report.certificate.signer_name == PRINCIPAL_CN
    assert "Hoclieu Demo CA" in report.certificate.issuer
    # The certificate in the PKCS#12 file, by serial and SHA-256 fingerprint.
    _key, cert, _chain = principal_key_and_certificate(ca_dir)
    assert report.certificate.serial == format(cert.serial_number, "X")
    der = cert.public_bytes(serialization.Encoding.DER)
    assert report.certificate.sha256_fingerprint == hashlib.sha256(der).hexdigest().upper()
    assert report.signed_at == result.signed_at and report.signed_at is not None
    assert report.reason == REASON and report.location == LOCATION


def test_without_the_ca_the_signature_is_intact_but_untrusted(signed):
    report = signing.verify_pdf(signed[1])
    assert report.intact and not report.changed
    assert not report.trusted and not report.ok
    assert report.problems


def test_pdfsig_verifies_the_signed_copy(signed):
    out = pdfsig(signed[1])
    assert "Signature is Valid" in out
    assert "Total document signed" in out
    assert f"Signer Certificate Common Name: {PRINCIPAL_CN}" in out
    assert "ETSI.CAdES.detached" in out


def test_tampered_copy_is_reported_changed_by_both(signed, roots, tmp_path):
    tampered = tamper(signed[1], tmp_path / "tampered.pdf")
    report = signing.verify_pdf(tampered, roots)
    assert not report.intact and report.changed and not report.ok
    out = pdfsig(tampered)
    assert "Signature is Valid" not in out
    assert "Digest Mismatch" in out or "Signature is Invalid" in out


def test_appended_update_is_reported_changed_by_both(signed, roots, tmp_path):
    appended = append_update(signed[1], tmp_path / "appended.pdf")
    report = signing.verify_pdf(appended, roots)
    assert report.intact  # the signed revision itself is untouched...
    assert not report.covers_whole_file and report.changed  # ...but the file is not the signed one
    out = pdfsig(appended)
    assert "Not total document signed" in out


def test_stamp_text_with_diacritics_is_in_the_pdf(signed):
    """The stamp is drawn with embedded DejaVu Sans (a subset with a ToUnicode map): flattened onto
    the page, its text extracts back with every Vietnamese mark."""
    _original, path, _result = signed
    tool = shutil.which("pdffonts")
    assert tool, "pdffonts (Debian poppler-utils) is not installed: run make install"
    fonts = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=60, check=True).stdout
    dejavu = [line.split() for line in fonts.splitlines() if "DejaVuSans" in line]
    assert dejavu and dejavu[0][-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, ToUnicode
    document = pypdfium2.PdfDocument(str(path))
    document.init_forms()
    page = document[0]
    page.flatten()
    page.close()
    page = document[0]
    textpage = page.get_textpage()
    text = textpage.get_text_range()
    line = f"Đã ký số bởi: {PRINCIPAL_CN}"
    start = text.index(line)
    left = textpage.get_charbox(start)[0]
    right = textpage.get_charbox(start + len(line) - 1)[2]
    document.close()
    # Letters stand at their natural distance (DejaVu scaled to 1000 units per em): the line is
    # about 0.55 em a character, 8 pt each; unscaled it would be twice as wide.
    assert 0.4 * 8 * len(line) < right - left < 0.75 * 8 * len(line)
    assert f"Lí do: {REASON}" in text
    assert f"Nơi ký: {LOCATION}" in text
    assert "Ngày ký: " in text


def test_signer_name_on_the_stamp_can_differ_from_the_certificate(ca_dir, fixture_path, tmp_path):
    out = tmp_path / "named.pdf"
    signing.sign_pdf(fixture_path(PDF), out, signing.Pkcs12Signer(ca_dir / LIBRARY_P12, PASSWORD),
                     reason=REASON, signer_name="Thư viện (thay mặt)")
    assert signing.verify_pdf(out).certificate.signer_name == LIBRARY_CN
    assert b"/Name" in out.read_bytes()


# --- bad input ----------------------------------------------------------------------------------


def test_wrong_password_is_a_clear_error(ca_dir, fixture_path, tmp_path):
    with pytest.raises(signing.SignerUnavailable):
        signing.sign_pdf(fixture_path(PDF), tmp_path / "x.pdf",
                         signing.Pkcs12Signer(ca_dir / LIBRARY_P12, "sai"), reason=REASON)
    assert not (tmp_path / "x.pdf").exists()


def test_encrypted_pdf_is_refused(ca_dir, fixture_path, tmp_path):
    with pytest.raises(signing.EncryptedPdf):
        signing.sign_pdf(fixture_path("pdf/password-example.pdf"), tmp_path / "x.pdf",
                         signing.Pkcs12Signer(ca_dir / LIBRARY_P12, PASSWORD), reason=REASON)
    assert not (tmp_path / "x.pdf").exists()


def test_not_a_pdf_is_refused(ca_dir, fixture_path, tmp_path):
    with pytest.raises(signing.NotAPdf):
        signing.sign_pdf(fixture_path("office/test.pptx"), tmp_path / "x.pdf",
                         signing.Pkcs12Signer(ca_dir / LIBRARY_P12, PASSWORD), reason=REASON)


def test_verifying_an_unsigned_pdf_says_so(fixture_path):
    with pytest.raises(signing.NoSignature):
        signing.verify_pdf(fixture_path(PDF))


# --- PKCS#11: a token in SoftHSM2 ---------------------------------------------------------------


@pytest.fixture(scope="session")
def softhsm_token(ca_dir, tmp_path_factory):
    """A SoftHSM2 token (TOKEN_LABEL, USER_PIN) in a temporary SOFTHSM2_CONF holding the principal's
    key and certificate under KEY_LABEL. Returns a signing.Pkcs11Signer for it."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    util = shutil.which("softhsm2-util")
    assert util, "softhsm2-util (Debian softhsm2) is not installed: run make install"
    module = next((m for m in SOFTHSM_MODULES if os.path.isfile(m)), None)
    assert module, "libsofthsm2.so (Debian softhsm2) is not installed: run make install"
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    previous_conf = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # read by the module when it is first loaded, below
    key, cert, _chain = principal_key_and_certificate(ca_dir)
    key_pem = base / "key.pem"
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    subprocess.run([util, "--init-token", "--free", "--label", TOKEN_LABEL, "--pin", USER_PIN,
                    "--so-pin", SO_PIN], check=True, capture_output=True, env=env, timeout=60)
    subprocess.run([util, "--import", str(key_pem), "--token", TOKEN_LABEL, "--label", KEY_LABEL,
                    "--id", "01", "--pin", USER_PIN], check=True, capture_output=True, env=env, timeout=60)
    key_pem.unlink()
    token = pkcs11.lib(module).get_token(token_label=TOKEN_LABEL)
    with token.open(rw=True, user_pin=USER_PIN) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True, Attribute.LABEL: KEY_LABEL, Attribute.ID: b"\x01",
            Attribute.SUBJECT: cert.subject.public_bytes(),
            Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
        })
    yield signing.Pkcs11Signer(module_path=module, token_label=TOKEN_LABEL, pin=USER_PIN,
                               cert_label=KEY_LABEL)
    if previous_conf is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous_conf


def test_pkcs11_token_signs_and_the_signature_verifies(softhsm_token, roots, fixture_path, tmp_path):
    out = tmp_path / "token.pdf"
    result = signing.sign_pdf(fixture_path(PDF), out, softhsm_token, reason=REASON, location=LOCATION)
    assert result.certificate.signer_name == PRINCIPAL_CN
    report = signing.verify_pdf(out, roots)
    assert report.ok and report.certificate.signer_name == PRINCIPAL_CN
    assert "Signature is Valid" in pdfsig(out)


def test_pkcs11_wrong_pin_is_a_clear_error(softhsm_token, fixture_path, tmp_path):
    wrong = signing.Pkcs11Signer(module_path=softhsm_token.module_path, token_label=TOKEN_LABEL, pin="000000",
                                 cert_label=KEY_LABEL)
    with pytest.raises(signing.SignerUnavailable):
        signing.sign_pdf(fixture_path(PDF), tmp_path / "x.pdf", wrong, reason=REASON)
    assert not (tmp_path / "x.pdf").exists()


def test_signing_and_verifying_work_where_an_event_loop_is_running(ca_dir, roots, tmp_path):
    """pyHanko's synchronous API calls asyncio.run(); a caller whose thread runs an event loop (an
    async framework, Playwright's sync API in the browser tests) must still get a signature."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from tests.conftest import FIXTURES

    async def sign_and_verify_inside_a_loop():
        out = tmp_path / "in-loop.pdf"
        signing.sign_pdf(FIXTURES / PDF, out, signing.Pkcs12Signer(ca_dir / LIBRARY_P12, PASSWORD),
                         reason=REASON)
        return signing.verify_pdf(out, trust_roots=roots)

    # In a thread of its own, where no other loop runs (the browser tests may leave one in this one).
    with ThreadPoolExecutor(max_workers=1) as executor:
        report = executor.submit(asyncio.run, sign_and_verify_inside_a_loop()).result()
    assert report.ok and not report.changed
