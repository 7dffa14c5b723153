"""Benchmark: a mixed batch through `import_materials` and a running `db_worker`, as a school runs it.

A fresh installation (cms.settings.dev, SQLite in WAL mode, local files, the database task backend)
in a temporary folder; one library; one worker (`manage.py db_worker`) started before the import;
`manage.py import_materials DIR --library BENCH --type lesson_plan` waits until the pipeline has
processed everything it queued. The batch is `--files` files (default 300) made from `fixtures/`:
PDFs, DOCX, PPTX and audio in turn, each copy made unique (a PDF comment after %%EOF, a ZIP archive
comment, an ffmpeg `comment` tag) so that none is skipped as a duplicate.

Printed:
- the batch's wall time from the start of the import to the end of processing, and files per minute;
- the reference, measured in the same run on the same files: the bare tools doing the same work one
  file after another, without Hoclieu: `pdftotext` and `pdftoppm` (first page, PNG) for PDFs,
  python-docx / python-pptx reading the text of DOCX / PPTX (what the pipeline uses; no command-line
  tool reads them), `ffprobe` and `ffmpeg` with the pipeline's filters (loudnorm, mono AAC, +faststart)
  for audio; the ratio batch / reference;
- the worker's peak resident memory (VmHWM of the worker process, KiB → MiB), beside the same
  figure for an idle worker measured in the same run.

Usage: python benchmarks/bench_pipeline.py [--files N] [--keep]
"""

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "fixtures"
# The mix, taken in turn: kind, fixture. Audio is the short speech recordings a school records.
MIX = [
    ("pdf", FIXTURES / "pdf" / "scotus-transcript-p1.pdf"),
    ("docx", FIXTURES / "office" / "test.docx"),
    ("pdf", FIXTURES / "pdf" / "issue-33-lorem-ipsum.pdf"),
    ("pptx", FIXTURES / "office" / "test.pptx"),
    ("audio", FIXTURES / "audio" / "spk1_snt1.wav"),
    ("pdf", FIXTURES / "pdf" / "maint-guide.vi.pdf"),
    ("docx", FIXTURES / "office" / "tbl-having-tables.docx"),
    ("pptx", FIXTURES / "office" / "pptx-tbl-cell.pptx"),
    ("audio", FIXTURES / "audio" / "sach_noi_espeak_vi.mp3"),
    ("pdf", FIXTURES / "pdf" / "nics-background-checks-2015-11.pdf"),
]


def make_batch(folder, count):
    """Write `count` unique files to `folder` from MIX; return [(kind, path)]."""
    batch = []
    for number, (kind, source) in zip(range(count), itertools.cycle(MIX)):
        target = folder / f"{number:04d}-{source.name}"
        if kind == "pdf":
            target.write_bytes(source.read_bytes() + f"\n% hoclieu bench {number}\n".encode())
        elif kind in ("docx", "pptx"):
            shutil.copyfile(source, target)
            with zipfile.ZipFile(target, "a") as archive:
                archive.comment = f"hoclieu bench {number}".encode()
        else:
            subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(source), "-map", "0:a",
                            "-c", "copy", "-metadata", f"comment=hoclieu bench {number}", str(target)],
                           check=True, timeout=120)
        batch.append((kind, target))
    return batch


def bare_tools(batch, workdir):
    """Seconds the bare tools take over `batch`, one file after another."""
    import docx
    import pptx

    from media_pipeline import audio, pdf

    start = time.perf_counter()
    for number, (kind, path) in enumerate(batch):
        if kind == "pdf":
            subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), str(workdir / "out.txt")], check=True)
            subprocess.run(["pdftoppm", "-png", "-singlefile", "-f", "1", "-l", "1",
                            "-scale-to-x", str(pdf.THUMBNAIL_WIDTH), "-scale-to-y", "-1",
                            str(path), str(workdir / "thumb")], check=True)
        elif kind == "docx":
            "\n".join(paragraph.text for paragraph in docx.Document(str(path)).paragraphs)
        elif kind == "pptx":
            presentation = pptx.Presentation(str(path))
            "\n".join(shape.text_frame.text for slide in presentation.slides for shape in slide.shapes
                      if shape.has_text_frame)
        else:
            info = audio.probe(path)
            loudnorm = (f"loudnorm=I={audio.LOUDNESS_LUFS}:TP={audio.TRUE_PEAK_DBTP}"
                        f":LRA={audio.LOUDNESS_RANGE_LU}")
            subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(path),
                            "-map", "0:a:0",
                            "-af", loudnorm, "-c:a", "aac", "-b:a", audio.STREAM_BITRATE,
                            "-ac", str(audio.STREAM_CHANNELS),
                            "-ar", str(max(8000, min(info.sample_rate or 44100, 48000))),
                            "-movflags", "+faststart", "-f", "mp4", str(workdir / f"{number}.m4a")],
                           check=True, timeout=600)
    return time.perf_counter() - start


def peak_rss_mib(pid):
    """The peak resident set size (VmHWM) of process `pid`, in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")


class Installation:
    """A fresh Hoclieu in `var`: runs manage.py with cms.settings.dev on its own SQLite database."""

    def __init__(self, var):
        self.var = var
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
        # Transcription is off: its cost has its own measure (the bare tools here do not transcribe).
        self.env.update(DJANGO_SETTINGS_MODULE="cms.settings.dev", HOCLIEU_VAR_DIR=str(var),
                        HOCLIEU_SEARCH_INDEX_PATH=str(var / "search_index"), PYTHONUNBUFFERED="1",
                        HOCLIEU_WHISPER_MODEL_PATH="")

    def manage(self, *args, timeout=3600):
        result = subprocess.run([sys.executable, "manage.py", *map(str, args)], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise SystemExit(f"manage.py {args[0]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        return result

    def worker(self):
        return subprocess.Popen([sys.executable, "manage.py", "db_worker", "--no-startup-delay",
                                 "--interval", "0.2"], cwd=ROOT, env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the temporary installation")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="hoclieu-bench-"))
    try:
        site = Installation(tmp / "var")
        site.manage("migrate", "--no-input", "-v0")
        site.manage("shell", "-c", "from repository.models import Library; from repository.roles import "
                    "setup_library; setup_library(Library.objects.create(name='Trường đo', code='BENCH'))")
        folder = tmp / "batch"
        folder.mkdir()
        batch = make_batch(folder, args.files)
        kinds = {kind: sum(1 for k, _p in batch if k == kind) for kind, _s in MIX}
        size = sum(path.stat().st_size for _k, path in batch)

        idle = site.worker()
        time.sleep(5)
        idle_rss = peak_rss_mib(idle.pid)
        stop(idle)

        worker = site.worker()
        try:
            time.sleep(2)
            start = time.perf_counter()
            site.manage("import_materials", folder, "--library", "BENCH", "--type", "lesson_plan",
                        "--report", tmp / "report.csv")
            batch_seconds = time.perf_counter() - start
            worker_rss = peak_rss_mib(worker.pid)
        finally:
            stop(worker)

        workdir = tmp / "bare"
        workdir.mkdir()
        reference = bare_tools(batch, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    mix = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
    print(f"batch: {len(batch)} files ({mix}; {size / 2**20:.1f} MiB), one worker, SQLite")
    print(f"{'':<44}{'seconds':>9}{'files/min':>11}{'ratio':>8}")
    print(f"{'bare tools, one file after another (ref.)':<44}{reference:>9.1f}"
          f"{len(batch) / reference * 60:>11.0f}{1:>8.2f}")
    print(f"{'import_materials + db_worker, end to end':<44}{batch_seconds:>9.1f}"
          f"{len(batch) / batch_seconds * 60:>11.0f}{batch_seconds / reference:>8.2f}")
    print(f"worker peak RSS: {worker_rss:.0f} MiB (idle worker: {idle_rss:.0f} MiB, "
          f"ratio {worker_rss / idle_rss:.2f})")


if __name__ == "__main__":
    main()
