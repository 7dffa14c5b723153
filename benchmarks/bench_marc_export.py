"""Benchmark: peak memory of `export_records` (MARC 21 export) for N and 10×N records: it must stay flat.

A temporary SQLite database (cms.settings.test with DATABASE_URL pointing into a temporary folder,
migrated here) gets one library and 10×N published material pages sharing one PDF file row; the
pages are added to the tree directly, live, without revisions or the media pipeline, which the export
does not read. Then, under tracemalloc, the export of the first N pages (one library) and of all
10×N pages (all libraries) is written to a sink that only counts bytes, in ISO 2709 and in MARCXML.

Printed, per format: peak traced memory in KiB for N and 10×N records, records per second, and the
ratio peak(10×N) / peak(N) (1.0 = flat; a list of all records would give about 10). The reference,
measured in the same run: the same 10×N records built into a list first and then written, the way
an export that does not stream uses memory.

Throughput (issue 8, item 8), timed without tracemalloc, best of --repeat runs: `export_records` of
the 10×N records (read from the database, built and written) beside pymarc's bare writers writing
the same records already built (pymarc.MARCWriter for ISO 2709, pymarc.XMLWriter for MARCXML) to
the same kind of sink, as records per second and the ratio of their times.
Run: python benchmarks/bench_marc_export.py [--records N]   (default 500, so 500 and 5,000)
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="hoclieu-bench-marc-"))
os.environ["DATABASE_URL"] = f"sqlite:///{TMP / 'bench.sqlite3'}"
os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"

import django  # noqa: E402

django.setup()

import pymarc  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.common import best_of  # noqa: E402

KIB = 1024


class CountingSink:
    """A binary stream that keeps nothing: write() only counts the bytes."""

    def __init__(self):
        self.size = 0

    def write(self, data):
        self.size += len(data)
        return len(data)


def make_collection(count):
    """Two libraries with published MaterialPages: `count` // 10 in the first, the rest in the second."""
    from django.apps import apps

    from repository.models import Library, MaterialFile, MaterialPage
    from repository.roles import library_collection, setup_library

    apps.get_app_config("haystack").signal_processor.teardown()  # no indexing: the export is measured
    now = timezone.now()
    small = Library.objects.create(name="Trường đo N", code="BENCH-N", province="Hà Nội")
    large = Library.objects.create(name="Trường đo 9N", code="BENCH-9N", province="Hà Nội")
    files = {}
    for library in (small, large):
        index = setup_library(library)
        MaterialFile.objects.bulk_create([MaterialFile(
            title="bench", file=f"documents/bench-{library.code}.pdf", collection=library_collection(library),
            media_kind="pdf", page_count=64, file_size=425_984, processing_status="done", processed_at=now,
            sha256="0" * 64,
        )])
        material_file = MaterialFile.objects.get(title="bench", collection=library_collection(library))
        files[library.pk] = (index, material_file)
    for number in range(count):
        library = small if number < count // 10 else large
        index, material_file = files[library.pk]
        index.add_child(instance=MaterialPage(
            title=f"Giáo án số {number}: ôn tập phân số", slug=f"giao-an-{number}",
            material_type="lesson_plan",
            creators="Nguyễn Thị Lan\nTrần Văn Bình", subject="toan", grade=6, access_level="public",
            summary="Ôn tập phân số. " * 20, ddc="372.7", file=material_file, live=True,
            first_published_at=now, last_published_at=now,
        ))
    return small.code


def measure(function):
    """(peak traced bytes, seconds, result) of function()."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, seconds, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=500, help="N (the large export has 10×N)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each throughput timing (best kept)")
    args = parser.parse_args()

    from repository.marc import FORMAT_ISO2709, FORMAT_MARCXML, export_records, iter_records, write_iso2709

    try:
        call_command("migrate", "--no-input", verbosity=0)
        started = time.perf_counter()
        small_code = make_collection(10 * args.records)
        print(f"made {10 * args.records} material pages in {time.perf_counter() - started:.0f} s (SQLite)")
        export_records(CountingSink(), library_code=small_code)  # warm caches (sites, content types)

        for fmt in (FORMAT_ISO2709, FORMAT_MARCXML):
            small_peak, small_s, small_n = measure(
                lambda fmt=fmt: export_records(CountingSink(), fmt=fmt, library_code=small_code))
            large_peak, large_s, large_n = measure(lambda fmt=fmt: export_records(CountingSink(), fmt=fmt))
            assert (small_n, large_n) == (args.records, 10 * args.records), (small_n, large_n)
            for count, peak, seconds in ((small_n, small_peak, small_s), (large_n, large_peak, large_s)):
                rate = count / seconds
                print(f"{fmt:8} {count:6d} records: peak {peak / KIB:8.0f} KiB, {rate:6.0f} records/s")
            print(f"{fmt:8} peak ratio 10×N / N: {large_peak / small_peak:.2f} (1.0 = flat)")

        def materialised(library_code=None):
            records = list(iter_records(library_code))
            return write_iso2709(records, CountingSink())

        ref_small, _s, _n = measure(lambda: materialised(small_code))
        ref_large, _s, _n = measure(materialised)
        print(f"reference (all records in a list, then written): peak {ref_small / KIB:.0f} KiB for N, "
              f"{ref_large / KIB:.0f} KiB for 10×N, ratio {ref_large / ref_small:.2f}")

        records = list(iter_records())
        bare_writers = {
            FORMAT_ISO2709: lambda sink: pymarc.MARCWriter(sink),
            FORMAT_MARCXML: lambda sink: pymarc.XMLWriter(sink),
        }
        for fmt, make_writer in bare_writers.items():
            ours_s, count = best_of(args.repeat, lambda fmt=fmt: export_records(CountingSink(), fmt=fmt))

            def bare(make_writer=make_writer):
                writer = make_writer(CountingSink())
                for record in records:
                    writer.write(record)
                writer.close(close_fh=False)
                return len(records)

            bare_s, bare_count = best_of(args.repeat, bare)
            assert count == bare_count == 10 * args.records, (count, bare_count)
            print(f"{fmt:8} throughput, {count} records: export_marc {count / ours_s:7.0f} records/s; "
                  f"pymarc's bare writer (records already built, ref.) {count / bare_s:7.0f} records/s; "
                  f"ratio {ours_s / bare_s:.1f}× the writer's time")
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
