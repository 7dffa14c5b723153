"""Digital signatures on approval (repository.signatures): the signed copy, who signs, who gets it.

Final approval of a PDF lesson plan signs it (the library's certificate, or the approving
principal's); readers download the signed copy and the original stays the file version; the
verification page and `manage.py verify_signature` say who signed and whether the file changed; a
reader who may not see the material gets neither.
"""

import io
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.urls import reverse
from lxml import html

from media_pipeline import signing
from repository.models import DerivativeKind, DerivativeStatus
from repository.models.derivatives import Derivative
from repository.signatures import SIGNED_BY_LIBRARY, SIGNED_BY_PRINCIPAL, request_missing_signatures
from tests.signing_ca import LIBRARY_CN, PASSWORD, PRINCIPAL_CN, make_test_ca

pytestmark = pytest.mark.django_db

PDF = "pdf/scotus-transcript-p1.pdf"


@pytest.fixture(scope="module")
def ca_dir(tmp_path_factory):
    return make_test_ca(tmp_path_factory.mktemp("demo-ca"))


@pytest.fixture
def signing_on(settings, ca_dir):
    """The test CA's PKCS#12 files as signers (library-THCS-ND.p12 for library a, user-hieutruong.p12
    for its principal) and its certificate as the trust root."""
    settings.HOCLIEU_SIGNING_PKCS12_DIR = str(ca_dir)
    settings.HOCLIEU_SIGNING_PKCS12_PASSWORD = PASSWORD
    settings.HOCLIEU_SIGNING_TRUST_ROOTS = [str(ca_dir / "ca.pem")]
    return ca_dir


@pytest.fixture
def approve(make_material, django_capture_on_commit_callbacks):
    """approve(relative, approver, **fields) -> the MaterialPage, submitted by its owner (the teacher)
    and approved by `approver` through the review workflow; on_commit callbacks run (signing)."""

    def _approve(relative, approver, **fields):
        page = make_material(relative, publish=False, **fields)
        with django_capture_on_commit_callbacks(execute=True):
            page.get_workflow().start(page, page.owner)
            page.refresh_from_db()
            page.current_workflow_task_state.approve(user=approver, comment="Đạt")
        page.refresh_from_db()
        assert page.live
        return page

    return _approve


def signed_derivative(page):
    return Derivative.objects.filter(material_file=page.file, kind=DerivativeKind.SIGNED_PDF).first()


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_approval_signs_with_the_library_certificate_and_readers_get_the_signed_copy(
    signing_on, approve, school, client, fixture_path, tmp_path
):
    page = approve(PDF, school["reviewer"], access_level="public")
    derivative = signed_derivative(page)
    assert derivative is not None
    assert derivative.status == DerivativeStatus.DONE, derivative.error
    assert derivative.metadata["signed_by"] == SIGNED_BY_LIBRARY
    assert derivative.metadata["signer"]["signer_name"] == LIBRARY_CN
    assert derivative.metadata["request"]["approver_id"] == school["reviewer"].pk

    original = fixture_path(PDF).read_bytes()
    data = body(client.get(page.file.url))
    assert data != original and data.startswith(original)
    downloaded = tmp_path / "downloaded.pdf"
    downloaded.write_bytes(data)
    report = signing.verify_pdf(downloaded, signing.load_certificates([signing_on / "ca.pem"]))
    assert report.ok and report.certificate.signer_name == LIBRARY_CN
    # The original stays the stored file version, unchanged.
    page.file.refresh_from_db()
    with page.file.file.open("rb") as handle:
        assert handle.read() == original


def test_a_principal_approving_signs_with_their_own_certificate(signing_on, approve, school):
    # Library a has no subject group for Lịch sử: its principal reviews.
    page = approve(PDF, school["principal"], subject="lich-su", access_level="public")
    derivative = signed_derivative(page)
    assert derivative.status == DerivativeStatus.DONE, derivative.error
    assert derivative.metadata["signed_by"] == SIGNED_BY_PRINCIPAL
    assert derivative.metadata["signer"]["signer_name"] == PRINCIPAL_CN


def test_published_page_says_who_signed_and_when(signing_on, approve, school, client):
    page = approve(PDF, school["reviewer"], access_level="public")
    signed_at = signed_derivative(page).metadata["signer"]["signed_at"]
    day = f"{signed_at[8:10]}/{signed_at[5:7]}/{signed_at[0:4]}"
    tree = html.fromstring(client.get(page.url).content)
    note = " ".join(tree.xpath("//p[@class='signature-note']//text()"))
    assert f"Đã ký số bởi {LIBRARY_CN} ngày {day}" in note
    assert tree.xpath("//p[@class='signature-note']/a/@href") == [
        reverse("material_signature", kwargs={"page_id": page.pk})]


def test_docx_lesson_plans_and_unconfigured_sites_are_not_signed(settings, signing_on, approve, school):
    page = approve("office/tbl-having-tables.docx", school["reviewer"])
    assert signed_derivative(page) is None
    settings.HOCLIEU_SIGNING_PKCS12_DIR = ""
    page = approve(PDF, school["reviewer"], title="Chưa có chứng thư")
    assert signed_derivative(page) is None


def test_verification_page_shows_signer_certificate_and_integrity(signing_on, approve, school, client):
    page = approve(PDF, school["reviewer"], access_level="public")
    response = client.get(reverse("material_signature", kwargs={"page_id": page.pk}))
    assert response.status_code == 200
    tree = html.fromstring(response.content)
    assert tree.xpath("string(//dd[@class='signer-name'])").startswith(LIBRARY_CN)
    assert "Hoclieu Demo CA" in tree.xpath("string(//dd[@class='issuer'])")
    assert tree.xpath("string(//dd[@class='intact'])") == "có"
    assert tree.xpath("string(//dd[@class='trusted'])") == "có"
    assert tree.xpath("//p[contains(@class,'signature-ok')]")
    fingerprint = signed_derivative(page).metadata["signer"]["sha256_fingerprint"]
    assert tree.xpath("string(//dd[@class='fingerprint'])") == fingerprint


def test_verification_page_reports_a_stored_copy_changed_since(signing_on, approve, school, client):
    page = approve(PDF, school["reviewer"], access_level="public")
    output = signed_derivative(page).output
    path = output.path
    data = bytearray(open(path, "rb").read())
    at = data.index(b"stream") + 40
    data[at] = (data[at] + 1) % 256
    open(path, "wb").write(bytes(data))
    tree = html.fromstring(client.get(reverse("material_signature", kwargs={"page_id": page.pk})).content)
    assert tree.xpath("//p[contains(@class,'signature-changed')]")
    assert tree.xpath("string(//dd[@class='intact'])") == "không"


def test_unsigned_material_has_no_verification_page(signing_on, make_material, client):
    page = make_material(PDF, access_level="public")
    assert client.get(reverse("material_signature", kwargs={"page_id": page.pk})).status_code == 404


def test_outsiders_cannot_reach_a_school_only_signed_copy_or_its_verification(
    signing_on, approve, school, client
):
    page = approve(PDF, school["reviewer"], access_level="school")
    assert signed_derivative(page).status == DerivativeStatus.DONE
    url = reverse("material_signature", kwargs={"page_id": page.pk})
    # Anonymous: sent to log in, nothing of the file or the signature shown.
    for target in (url, page.file.url):
        response = client.get(target)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # A student of another network's school, and of a sister school: the same 404 as for nothing.
    for who in ("student_outsider", "student_b"):
        client.force_login(school[who])
        assert client.get(url).status_code == 404
        assert client.get(page.file.url).status_code == 404
    # A student of the school gets both, the signed copy private to shared caches.
    client.force_login(school["student"])
    assert client.get(url).status_code == 200
    response = client.get(page.file.url)
    assert response.status_code == 200 and "private" in response["Cache-Control"]
    assert b"/ETSI.CAdES.detached" in body(response)


def test_verify_signature_command(signing_on, approve, school, tmp_path):
    page = approve(PDF, school["reviewer"], access_level="public")
    signed = tmp_path / "signed.pdf"
    with signed_derivative(page).output.open("rb") as handle:
        signed.write_bytes(handle.read())
    out = io.StringIO()
    call_command("verify_signature", str(signed), stdout=out)
    text = out.getvalue()
    assert LIBRARY_CN in text and "Hoclieu Demo CA" in text
    assert "Toàn vẹn:            có" in text and "chữ ký hợp lệ" in text

    tampered = tmp_path / "tampered.pdf"
    data = bytearray(signed.read_bytes())
    data[data.index(b"stream") + 40] ^= 0x01
    tampered.write_bytes(bytes(data))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("verify_signature", str(tampered), stdout=out)
    assert exited.value.code == 1
    assert "ĐÃ THAY ĐỔI" in out.getvalue()


def test_verify_signature_as_a_command_line_with_pdfsig_agreeing(signing_on, approve, school, tmp_path):
    """The signed copy the site stores verifies with poppler's pdfsig too (it fails when missing)."""
    page = approve(PDF, school["reviewer"], access_level="public")
    signed = tmp_path / "signed.pdf"
    with signed_derivative(page).output.open("rb") as handle:
        signed.write_bytes(handle.read())
    tool = shutil.which("pdfsig")
    assert tool, "pdfsig (Debian poppler-utils) is not installed: run make install"
    out = subprocess.run([tool, str(signed)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature is Valid" in out and "Total document signed" in out


def test_signatures_can_be_requested_after_approval(settings, signing_on, approve, school,
                                                    django_capture_on_commit_callbacks):
    settings.HOCLIEU_SIGNING_PKCS12_DIR = ""
    page = approve(PDF, school["reviewer"], access_level="public")
    assert signed_derivative(page) is None
    settings.HOCLIEU_SIGNING_PKCS12_DIR = str(signing_on)
    with django_capture_on_commit_callbacks(execute=True):
        assert request_missing_signatures() == 1
    assert signed_derivative(page).status == DerivativeStatus.DONE
    assert request_missing_signatures() == 0


def test_a_signing_failure_is_recorded_without_failing_the_file(settings, signing_on, approve, school, client,
                                                                fixture_path):
    settings.HOCLIEU_SIGNING_PKCS12_PASSWORD = "sai-mat-khau"
    page = approve(PDF, school["reviewer"], access_level="public")
    derivative = signed_derivative(page)
    assert derivative.status == DerivativeStatus.FAILED and derivative.permanent
    assert derivative.error_code == "signer_unavailable" and "PKCS#12" in derivative.error
    page.file.refresh_from_db()
    assert page.file.processing_status == "done"
    # Readers get the approved original until a signed copy exists.
    assert body(client.get(page.file.url)) == fixture_path(PDF).read_bytes()
    assert client.get(reverse("material_signature", kwargs={"page_id": page.pk})).status_code == 404


DOCX = "office/tbl-having-tables.docx"


def preview_url(page):
    return reverse("material_preview_pdf", kwargs={"page_id": page.pk})


def test_an_approved_docx_has_its_pdf_preview_signed_and_served_signed(
    settings, signing_on, approve, school, client, fixture_path, tmp_path
):
    """Issue 9, item 4: the PDF preview of a DOCX lesson plan is signed on approval; readers get the
    signed preview, and the DOCX itself as uploaded."""
    settings.HOCLIEU_SOFFICE = settings.PREVIEW_TEST_SOFFICE
    page = approve(DOCX, school["reviewer"], access_level="public")
    derivative = signed_derivative(page)
    assert derivative is not None and derivative.status == DerivativeStatus.DONE, derivative
    assert derivative.metadata["source"] == "preview_pdf"
    assert derivative.metadata["signer"]["signer_name"] == LIBRARY_CN

    with page.file.preview_pdf.open("rb") as handle:
        unsigned_preview = handle.read()
    served = body(client.get(preview_url(page)))
    assert served != unsigned_preview and served.startswith(unsigned_preview)
    signed = tmp_path / "preview-signed.pdf"
    signed.write_bytes(served)
    report = signing.verify_pdf(signed, signing.load_certificates([signing_on / "ca.pem"]))
    assert report.ok and report.certificate.signer_name == LIBRARY_CN
    tool = shutil.which("pdfsig")
    assert tool, "pdfsig (Debian poppler-utils) is not installed: run make install"
    out = subprocess.run([tool, str(signed)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature is Valid" in out and "Total document signed" in out

    # The DOCX is downloaded as uploaded; the verification page verifies the signed preview.
    assert body(client.get(page.file.url)) == fixture_path(DOCX).read_bytes()
    assert client.get(reverse("material_signature", kwargs={"page_id": page.pk})).status_code == 200


def test_a_docx_approved_before_its_preview_is_made_is_signed_once_it_is(
    settings, signing_on, approve, make_material, school, django_capture_on_commit_callbacks
):
    page = approve(DOCX, school["reviewer"], access_level="public")  # LibreOffice off: no preview
    assert signed_derivative(page) is None
    # A material published without review (a librarian's import) is not signed by the preview.
    imported = make_material("office/test.docx", title="Nhập lô", owner=school["librarian"])
    settings.HOCLIEU_SOFFICE = settings.PREVIEW_TEST_SOFFICE
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reprocess_media", "--kind", "preview_pdf", verbosity=0)
    derivative = signed_derivative(page)
    assert derivative is not None and derivative.status == DerivativeStatus.DONE, derivative
    assert derivative.metadata["source"] == "preview_pdf"
    assert derivative.metadata["request"]["approver_id"] == school["reviewer"].pk
    assert imported.file.current_derivative(DerivativeKind.PREVIEW_PDF).status == DerivativeStatus.DONE
    assert signed_derivative(imported) is None
