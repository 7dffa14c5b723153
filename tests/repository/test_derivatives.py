"""Derivatives as records: one per (file, kind, input SHA-256, parameters version), leases, retries,
parameters versions, deletion, and the state shown to people."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from media_pipeline.errors import ToolTimeout
from repository import pipeline
from repository.models import Derivative, DerivativeKind, DerivativeStatus, MaterialFile
from repository.models.derivatives import params_version
from repository.models.materials import ProcessingStatus

pytestmark = pytest.mark.django_db

PDF = "pdf/scotus-transcript-p1.pdf"
AUDIO = "audio/sach_noi_espeak_vi.mp3"


@pytest.fixture
def store(school, fixture_path, django_capture_on_commit_callbacks):
    def _store(relative, owner=None):
        path = fixture_path(relative)
        material_file = MaterialFile(title=path.stem, uploaded_by_user=owner or school["teacher"])
        with django_capture_on_commit_callbacks(execute=True):
            material_file.file.save(path.name, ContentFile(path.read_bytes()), save=False)
            material_file.save()
        material_file.refresh_from_db()
        return material_file

    return _store


def kinds(material_file):
    return sorted(material_file.derivatives.values_list("kind", flat=True))


def test_one_derivative_per_kind_and_running_twice_changes_nothing(store):
    material_file = store(PDF)
    assert kinds(material_file) == ["page_previews", "probe", "text", "thumbnail"]
    before = list(material_file.derivatives.values_list("pk", "attempts", "output"))
    for kind in DerivativeKind.values:
        pipeline.process_derivative(material_file.pk, kind)
    pipeline.process_material_file(material_file.pk)
    assert list(material_file.derivatives.values_list("pk", "attempts", "output")) == before
    # Extracted text lives in the derivative, not on the document row that listings load.
    assert "full_text" not in {field.name for field in MaterialFile._meta.get_fields()}
    assert material_file.full_text and material_file.page_texts


def test_a_new_loudness_target_reprocesses_only_the_audio_rendition(store, settings,
                                                                    django_capture_on_commit_callbacks):
    material_file = store(AUDIO)
    old = material_file.derivatives.get(kind=DerivativeKind.AUDIO_RENDITION)
    probe = material_file.derivatives.get(kind=DerivativeKind.PROBE)
    settings.HOCLIEU_STREAM_LOUDNESS_LUFS = -19.0
    assert params_version(DerivativeKind.AUDIO_RENDITION) != old.params_version
    assert params_version(DerivativeKind.PROBE) == probe.params_version
    assert material_file.stream_rendition is None  # no rendition of the current parameters yet
    with django_capture_on_commit_callbacks(execute=True):
        assert pipeline.reprocess([material_file], kind=DerivativeKind.AUDIO_RENDITION) == 1
    material_file.refresh_from_db()
    new = material_file.derivatives.get(kind=DerivativeKind.AUDIO_RENDITION)
    assert new.pk != old.pk and new.status == DerivativeStatus.DONE
    assert material_file.derivatives.get(kind=DerivativeKind.PROBE).attempts == probe.attempts == 1
    assert not old.output.storage.exists(old.output.name)  # the superseded rendition's bytes are gone
    assert material_file.stream_rendition.name == new.output.name


def test_a_passing_failure_is_retried_up_to_the_limit(store, monkeypatch, settings):
    calls = []

    def timing_out(*args, **kwargs):
        calls.append(1)
        raise ToolTimeout(tool="ffmpeg", seconds=1.0)

    monkeypatch.setattr(pipeline.audio, "process_audio", timing_out)
    material_file = store(AUDIO)
    rendition = material_file.derivatives.get(kind=DerivativeKind.AUDIO_RENDITION)
    assert len(calls) == pipeline.MAX_ATTEMPTS == rendition.attempts
    assert rendition.status == DerivativeStatus.FAILED and not rendition.permanent
    assert "quá 1,0 giây" in material_file.processing_error


def test_a_fault_of_the_file_is_not_retried(store):
    material_file = store("pdf/password-example.pdf")
    probe = material_file.derivatives.get(kind=DerivativeKind.PROBE)
    assert (probe.status, probe.attempts, probe.permanent, probe.error_code) == (
        DerivativeStatus.FAILED, 1, True, "pdf_encrypted")


def test_an_expired_lease_is_reaped_and_taken_over_once(store, client, school,
                                                        django_capture_on_commit_callbacks):
    material_file = store(PDF)
    text = material_file.derivatives.get(kind=DerivativeKind.TEXT)
    # A worker claimed the text, then died: its lease ran out.
    Derivative.objects.filter(pk=text.pk).update(
        status=DerivativeStatus.RUNNING, attempts=1, lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert pipeline.claim(text) == 2  # an expired lease can be claimed again ...
    Derivative.objects.filter(pk=text.pk).update(
        status=DerivativeStatus.RUNNING, attempts=1, lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert list(pipeline.stuck_files()) == [material_file]
    client.force_login(school["teacher"])
    assert material_file.title in client.get(reverse("hoclieu_pipeline:failed_files")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert pipeline.reap_expired_leases() == [(material_file.pk, DerivativeKind.TEXT)]
    text.refresh_from_db()
    assert (text.status, text.attempts) == (DerivativeStatus.DONE, 2)
    assert pipeline.reap_expired_leases() == []
    # ... and a live lease cannot.
    Derivative.objects.filter(pk=text.pk).update(
        status=DerivativeStatus.RUNNING, lease_expires_at=timezone.now() + timedelta(minutes=5))
    assert pipeline.claim(text) is None


def test_deleting_a_file_deletes_its_derivatives_and_their_bytes_after_commit(store,
                                                                              django_capture_on_commit_callbacks):
    material_file = store(PDF)
    thumbnail = material_file.derivatives.get(kind=DerivativeKind.THUMBNAIL).output
    storage, name = thumbnail.storage, thumbnail.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        material_file.delete()
    assert storage.exists(name)  # nothing is deleted before the transaction commits
    for callback in callbacks:
        callback()
    assert not storage.exists(name)
    assert not Derivative.objects.exists()


def test_a_rolled_back_deletion_keeps_the_bytes(store):
    material_file = store(PDF)
    thumbnail = material_file.derivatives.get(kind=DerivativeKind.THUMBNAIL).output
    with pytest.raises(RuntimeError), transaction.atomic():
        Derivative.objects.filter(material_file=material_file).delete()
        raise RuntimeError("rolled back")
    assert thumbnail.storage.exists(thumbnail.name)
    assert material_file.derivatives.count() == 4


def test_librarians_dashboard_counts_failed_and_waiting_files(store, client, school):
    store("broken/invalid.pdf", owner=school["librarian"])
    waiting = store(PDF, owner=school["librarian"])
    MaterialFile.objects.filter(pk=waiting.pk).update(processing_status=ProcessingStatus.PENDING)
    client.force_login(school["librarian"])
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "1 tệp xử lí lỗi" in html and "1 tệp đang chờ xử lí" in html


def test_prefetched_derivatives_are_those_current_derivative_finds(store, django_assert_num_queries):
    """A page of search results reads its files' text derivatives in one query; what it finds for
    each file and kind is what MaterialFile.current_derivative finds one by one."""
    from repository.models import prefetch_current_derivatives

    pdf = store("pdf/maint-guide.vi.pdf")
    docx = store("office/test.docx")
    failed = store("office/test.pptx")
    stale = Derivative.objects.get(material_file=pdf, kind="text")
    # A finished text of other bytes (an older version of the file) is not the current one.
    Derivative.objects.filter(pk=stale.pk).update(input_sha256="0" * 64)
    Derivative.objects.filter(material_file=failed, kind="text").update(status=DerivativeStatus.FAILED)
    expected = {
        (f.pk, kind): getattr(MaterialFile.objects.get(pk=f.pk).current_derivative(kind), "pk", None)
        for f in (pdf, docx, failed) for kind in ("ocr", "text", "transcript")
    }
    files = list(MaterialFile.objects.filter(pk__in=[pdf.pk, docx.pk, failed.pk]))
    with django_assert_num_queries(1):
        prefetch_current_derivatives(files, ("ocr", "text", "transcript"))
    with django_assert_num_queries(0):
        found = {(f.pk, kind): getattr(f.current_derivative(kind), "pk", None)
                 for f in files for kind in ("ocr", "text", "transcript")}
    assert found == expected
    assert found[(pdf.pk, "text")] is None and found[(failed.pk, "text")] is None
    assert found[(docx.pk, "text")] == Derivative.objects.get(material_file=docx, kind="text").pk
