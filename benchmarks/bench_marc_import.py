"""Benchmark: `import_marc` (repository.catalogue.importing) throughput and peak memory at N and 10×N records.

Generated input: the 22 records of fixtures/marc/thcs_print_catalogue_nfc.mrc repeated with a new
001 each (BENCH0000001, ...), 1–3 holdings (852) each, written to ISO 2709 files of N and 10×N
records in a temporary folder.

Each import runs in a child process of its own (a fresh SQLite database, cms.settings.test, migrated
there; the search indexing tasks an import queues per batch are not run, as they are the worker's
job), which reports the import's time and its peak RSS (getrusage ru_maxrss).
Printed:
- throughput: records per second of the import, beside pymarc's bare MARCReader (to_unicode=True,
  only iterating) over the same file, measured in the same run; the ratio is import time / reader time;
- memory: peak RSS of the import child at N and 10×N records and their ratio (1.0 = flat), beside
  the reference of the same child reading the file into a list with MARCReader (what an importer
  that does not stream holds).
Run: python benchmarks/bench_marc_import.py [--records N]   (default 10000, so 10,000 and 100,000)
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SOURCE = ROOT / "fixtures" / "marc" / "thcs_print_catalogue_nfc.mrc"

from benchmarks.common import best_of  # noqa: E402


def generate(path, count):
    """Write `count` ISO 2709 records to `path`: the fixture's records in turn, each with a unique 001."""
    import pymarc

    with SOURCE.open("rb") as stream:
        templates = list(pymarc.MARCReader(stream, to_unicode=True))
    with open(path, "wb") as out:
        for number in range(count):
            record = templates[number % len(templates)]
            record["001"].data = f"BENCH{number:07d}"
            out.write(record.as_marc())


def _maxrss_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def child_import(path):
    """In a child process: migrate a fresh SQLite database, import `path`, print JSON figures."""
    tmp = Path(tempfile.mkdtemp(prefix="hoclieu-bench-import-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    os.environ["HOCLIEU_SEARCH_INDEX_PATH"] = str(tmp / "search_index")
    import django

    django.setup()
    from django.apps import apps
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    apps.get_app_config("haystack").signal_processor.teardown()
    from repository.catalogue import importing
    from repository.models import Library

    class _Queued:
        """Stands for the indexing task: in production it is queued for the worker, not run here."""

        @staticmethod
        def enqueue(ids):
            return None

    importing.reindex_catalogue_records_task = _Queued

    library = Library.objects.create(name="Trường đo", code="BENCH", province="Hà Nội")
    baseline = _maxrss_kib()
    start = time.perf_counter()
    report = importing.import_marc_files([path], library)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "records": report.imported, "failed": report.failed,
                      "baseline_kib": baseline, "peak_kib": _maxrss_kib()}))


def child_list(path):
    """In a child process: read `path` into a list with pymarc's MARCReader; print JSON figures."""
    import pymarc

    baseline = _maxrss_kib()
    with open(path, "rb") as stream:
        records = list(pymarc.MARCReader(stream, to_unicode=True))
    print(json.dumps({"records": len(records), "baseline_kib": baseline, "peak_kib": _maxrss_kib()}))


def run_child(mode, path):
    output = subprocess.run([sys.executable, __file__, mode, str(path)], check=True, capture_output=True,
                            text=True, timeout=3600).stdout
    return json.loads(output.strip().splitlines()[-1])


def bare_reader_seconds(path):
    import pymarc

    def read():
        with open(path, "rb") as stream:
            return sum(1 for _ in pymarc.MARCReader(stream, to_unicode=True))

    return best_of(3, read)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hoclieu-bench-marc-import-"))
    sizes = (args.records, 10 * args.records)
    files = {}
    for size in sizes:
        files[size] = tmp / f"records-{size}.mrc"
        generate(files[size], size)
    results = {}
    for size in sizes:
        imported = run_child("--child-import", files[size])
        listed = run_child("--child-list", files[size])
        reader_seconds, count = bare_reader_seconds(files[size])
        results[size] = (imported, listed, reader_seconds, count)
        rate = imported["records"] / imported["seconds"]
        reader_rate = count / reader_seconds
        mib = files[size].stat().st_size / 2**20
        print(f"{size:>7} records ({mib:.1f} MiB): import {rate:,.0f} records/s "
              f"({imported['failed']} failed); pymarc MARCReader alone {reader_rate:,.0f} records/s; "
              f"import takes {imported['seconds'] / reader_seconds:.1f}× the reader's time")
        print(f"         peak RSS: import {imported['peak_kib'] / 1024:.1f} MiB (after set-up "
              f"{imported['baseline_kib'] / 1024:.1f} MiB); "
              f"list(MARCReader) {listed['peak_kib'] / 1024:.1f} MiB")
    small, large = sizes
    import_ratio = results[large][0]["peak_kib"] / results[small][0]["peak_kib"]
    list_ratio = results[large][1]["peak_kib"] / results[small][1]["peak_kib"]
    print(f"peak RSS {large:,} / {small:,} records: import {import_ratio:.2f} (1.00 = flat); "
          f"reference list(MARCReader) {list_ratio:.2f}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child-import":
        child_import(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "--child-list":
        child_list(sys.argv[2])
    else:
        main()
