"""Real workers on a real database: one killed with SIGKILL in the middle of a task, then two side by side.

The site runs as `make demo` runs it (cms.settings.dev, the database task backend, `manage.py
db_worker` processes), on a fresh database of the same kind as the suite's: an SQLite file in WAL
mode, or a new PostgreSQL database when the suite runs on PostgreSQL (DATABASE_URL).
"""

import csv
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import Site, tiny_pdf, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.database]

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 4
FIXTURES = ROOT / "fixtures"


@pytest.fixture
def site(tmp_path):
    site = Site(
        tmp_path / "var", HOCLIEU_DERIVATIVE_LEASE_SECONDS=str(LEASE_SECONDS), HOCLIEU_REAP_INTERVAL="1",
    )
    try:
        site.manage("migrate", "--no-input", "-v0", timeout=600)
        site.manage("shell", "-c", "from repository.models import Library; from repository.roles import "
                    "setup_library; setup_library(Library.objects.create(name='Trường thử', code='THU'))")
        yield site
    finally:
        site.drop()


def test_killed_worker_then_two_workers_leave_one_derivative_per_kind_and_no_orphans(site, tmp_path):
    audio_dir, pdf_dir = tmp_path / "audio", tmp_path / "pdf"
    audio_dir.mkdir()
    pdf_dir.mkdir()
    # Five minutes of sound: its rendition (loudnorm + AAC) runs long enough to be killed midway.
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=300", "-ac", "1", "-b:a", "64k",
                    str(audio_dir / "bai-hat-dai.mp3")], check=True, timeout=120)
    site.manage("import_materials", audio_dir, "--library", "THU", "--type", "audiobook", "--no-wait")

    first = site.worker()
    try:
        running = wait_for(lambda: site.query(
            "SELECT id, attempts FROM repository_derivative WHERE kind='audio_rendition' "
            "AND status='running' AND progress > 0"), 120, "the audio rendition to be under way")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    derivative_id, attempts = running[0]
    assert attempts == 1
    assert site.query(f"SELECT status FROM repository_derivative WHERE id={derivative_id}") == [("running",)]

    for number in range(50):
        (pdf_dir / f"phieu-{number:02d}.pdf").write_bytes(tiny_pdf(f"Phieu bai tap so {number}"))
    site.manage("import_materials", pdf_dir, "--library", "THU", "--type", "lesson_plan", "--no-wait")
    time.sleep(LEASE_SECONDS + 1)  # the dead worker's lease runs out

    workers = [site.worker("--batch"), site.worker("--batch")]
    outputs = [site.finish(worker, timeout=600) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs

    statuses = dict(site.query("SELECT processing_status, COUNT(*) FROM repository_materialfile "
                               "GROUP BY processing_status"))
    assert statuses == {"done": 51}, (statuses, outputs)
    per_kind = site.query("SELECT material_file_id, kind, COUNT(*) FROM repository_derivative "
                          "GROUP BY material_file_id, kind")
    assert all(count == 1 for _file, _kind, count in per_kind)
    kinds = {}
    for file_id, kind, _count in per_kind:
        kinds.setdefault(file_id, set()).add(kind)
    assert sorted(map(sorted, kinds.values())).count(["page_previews", "probe", "text", "thumbnail"]) == 50
    assert ["audio_rendition", "chapters", "probe"] in map(sorted, kinds.values())
    # The killed run was taken over once; no other work was done twice, by either worker.
    assert site.query(f"SELECT attempts, status FROM repository_derivative WHERE id={derivative_id}") == [
        (2, "done")]
    assert site.query(f"SELECT COUNT(*) FROM repository_derivative WHERE attempts != 1 "
                      f"AND id != {derivative_id}") == [(0,)]
    # Every stored output belongs to a derivative, and every derivative's output is stored.
    outputs = site.query("SELECT output FROM repository_derivative WHERE output != ''")
    referenced = {name for (name,) in outputs}
    media = site.var / "media"
    stored = {str(path.relative_to(media)) for path in (media / "derivatives").rglob("*") if path.is_file()}
    assert stored == referenced
    assert len(referenced) == 101  # 50 thumbnails, 50 page-preview archives and one rendition



def test_import_300_files_while_a_worker_processes_them(site, tmp_path):
    """Issue 6, item 5: the embedded default (SQLite in WAL mode, or the suite's PostgreSQL) takes a
    300-file import side by side with a running worker; every file's outcome is reported by name,
    the bad ones with their reason, and the batch goes on past them."""
    import docx

    batch = tmp_path / "lo-300"
    batch.mkdir()
    for number in range(270):
        (batch / f"phieu-{number:03d}.pdf").write_bytes(tiny_pdf(f"Phieu hoc tap so {number}"))
    for number in range(20):
        document = docx.Document()
        document.add_paragraph(f"Kế hoạch bài dạy số {number}: phân số và số thập phân.")
        document.save(batch / f"ke-hoach-{number:02d}.docx")
    for number in range(5):
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                        f"sine=frequency={300 + 50 * number}:duration=2", str(batch / f"am-{number}.wav")],
                       check=True, timeout=60)
    broken = {
        "hong-cau-truc.pdf": (FIXTURES / "broken" / "invalid.pdf").read_bytes(),
        "bi-cat-ngang.pdf": (FIXTURES / "broken" / "truncated_scotus-transcript-p1.pdf").read_bytes(),
        "co-mat-khau.pdf": (FIXTURES / "pdf" / "password-example.pdf").read_bytes(),
        "rong.pdf": b"",
        "trinh-chieu-doi-ten.pdf": (FIXTURES / "office" / "test.pptx").read_bytes(),
    }
    for name, data in broken.items():
        (batch / name).write_bytes(data)
    assert len(list(batch.iterdir())) == 300

    worker = site.worker()
    try:
        report = tmp_path / "bao-cao.csv"
        result = site.manage("import_materials", batch, "--library", "THU", "--type", "lesson_plan",
                             "--publish", "--timeout", "900", "--report", report, check=False, timeout=1200)
    finally:
        worker_output = site.stop(worker)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert "database is locked" not in result.stdout + result.stderr + worker_output

    with open(report, newline="", encoding="utf-8-sig") as handle:
        rows = {row["file"]: row for row in csv.DictReader(handle)}
    assert len(rows) == 300
    by_status = {}
    for name, row in rows.items():
        by_status.setdefault(row["status"], set()).add(name)
    good = {name for name in rows if name not in broken}
    assert by_status["imported"] == good, {k: len(v) for k, v in by_status.items()}
    assert by_status["failed"] | by_status["skipped"] == set(broken)
    assert all(rows[name]["reason"] for name in broken)
    for name in broken:  # the reason is named in the summary too
        assert name in result.stdout

    # Every good file is processed and published; nothing of a failed file is published.
    done = site.query("SELECT COUNT(*) FROM repository_materialfile WHERE processing_status='done'")
    assert done == [(295,)]
    assert site.query("SELECT COUNT(*) FROM repository_materialpage m JOIN wagtailcore_page p "
                      "ON p.id = m.page_ptr_id WHERE p.live") == [(295,)]
    assert site.query("SELECT COUNT(*) FROM repository_derivative GROUP BY material_file_id, kind "
                      "HAVING COUNT(*) > 1") == []
