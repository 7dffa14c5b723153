"""Batch import (manage.py import_materials): good files in, bad files reported, the batch goes on."""

import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import WorkflowState

from repository.models import MaterialPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(tmp_path, fixture_path):
    """A folder with good files, a nested folder, and bad ones (empty, mismatched, wrong extension)."""
    for rel in ("pdf/scotus-transcript-p1.pdf", "office/test.docx", "audio/id3_frames.mp3",
                "broken/empty.pdf", "broken/slides_named_as.pdf"):
        shutil.copy(fixture_path(rel), tmp_path / fixture_path(rel).name)
    (tmp_path / "sub").mkdir()
    shutil.copy(fixture_path("office/test.pptx"), tmp_path / "sub" / "Bai_giang_so_1.pptx")
    (tmp_path / "ghi_chu.txt").write_text("không phải học liệu")
    return tmp_path


def run(*args, expect_failure=False):
    """Run import_materials; return its standard output. It must exit non-zero exactly when
    `expect_failure` (a file skipped or failed in processing)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_materials", *map(str, args), stdout=out, stderr=err)
    except CommandError as error:
        assert expect_failure, (str(error), out.getvalue())
        assert error.returncode == 1
        return out.getvalue() + str(error)
    assert not expect_failure, out.getvalue()
    return out.getvalue()


def test_import_publishes_good_files_and_reports_bad_ones(school, batch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        output = run(batch, "--library", "THCS-ND", "--type", "digitised", "--subject", "lich-su",
                     "--grade", "7", "--publish", "--user", "thuvien", expect_failure=True)
    pages = MaterialPage.objects.filter(library=school["a"])
    assert pages.count() == 4
    assert all(p.live for p in pages)
    assert {p.title for p in pages} >= {"scotus transcript p1", "Bai giang so 1"}
    page = pages.get(title="Bai giang so 1")
    assert (page.subject, page.grade, page.material_type) == ("lich-su", 7, "digitised")
    assert page.get_parent().specific == school["index_a"]
    assert page.file.sha256 and len(page.file.sha256) == 64
    assert page.file.collection == school["a"].collection
    assert "Đã nhập 4/7 tệp" in output
    assert "empty.pdf" in output and "rỗng" in output
    assert "slides_named_as.pdf" in output and "PPTX" in output
    assert "ghi_chu.txt" in output and ".txt" in output


def test_import_without_publish_waits_for_review(school, batch):
    run(batch / "scotus-transcript-p1.pdf", "--library", "THCS-ND", "--type", "lesson_plan",
        "--subject", "toan", "--user", "gv_toan", "--no-wait")
    page = MaterialPage.objects.get(library=school["a"])
    assert not page.live
    state = WorkflowState.objects.for_instance(page).get()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS


def test_second_import_skips_duplicates(school, batch):
    run(batch / "test.docx", "--library", "THCS-ND", "--type", "lesson_plan", "--publish", "--no-wait")
    output = run(batch / "test.docx", "--library", "THCS-ND", "--type", "lesson_plan", "--publish",
                 "--no-wait", expect_failure=True)
    assert MaterialPage.objects.filter(library=school["a"]).count() == 1
    assert "Trùng nội dung" in output


def test_unknown_library_is_a_clear_error(school, batch):
    with pytest.raises(CommandError, match="NOPE"):
        call_command("import_materials", str(batch), "--library", "NOPE", "--type", "digitised",
                     stdout=StringIO(), stderr=StringIO())


def test_an_unexpected_error_on_one_file_is_reported_and_the_batch_goes_on(school, batch, monkeypatch):
    from django.db import OperationalError

    from repository import importing

    real = importing.import_file

    def flaky(path, *args, **kwargs):
        if path.name == "test.docx":
            raise OperationalError("database is locked")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(importing, "import_file", flaky)
    output = run(batch / "test.docx", batch / "scotus-transcript-p1.pdf", "--library", "THCS-ND",
                 "--type", "lesson_plan", "--no-wait", expect_failure=True)
    assert "BỎ QUA" in output and "test.docx" in output and "database is locked" in output
    assert MaterialPage.objects.filter(library=school["a"]).count() == 1
