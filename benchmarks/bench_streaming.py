"""Benchmark: RFC 7233 ranged responses (repository.streaming) vs reading the file directly.

Serves a 20 MiB file stored in the default storage (a temporary MEDIA_ROOT) as 1 MiB range requests
through `ranged_file_response` -- parsing, storage metadata, validators, chunked streaming -- and
compares with references measured in the same run: open + seek + read of the same ranges
straight from disk, in one read per range and in chunks of the size the response uses. Prints
throughput in MiB/s and the ratios (ours / reference; 1.0 = as fast).
Run: python benchmarks/bench_streaming.py [--size-mib 20] [--range-mib 1] [--rounds 10]
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

import django  # noqa: E402

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db.models.fields.files import FieldFile  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from repository.models import MaterialFile  # noqa: E402
from repository.streaming import CHUNK_SIZE, ranged_file_response  # noqa: E402

MIB = 1024 * 1024


def ranges_of(size, range_bytes, seed):
    """Every (first, last) range of `range_bytes` covering a `size`-byte file, in a shuffled order."""
    ranges = [(first, min(first + range_bytes, size) - 1) for first in range(0, size, range_bytes)]
    random.Random(seed).shuffle(ranges)
    return ranges


def read_direct(path, ranges):
    total = 0
    for first, last in ranges:
        with open(path, "rb") as handle:
            handle.seek(first)
            total += len(handle.read(last - first + 1))
    return total


def read_direct_chunked(path, ranges, chunk_size=CHUNK_SIZE):
    total = 0
    for first, last in ranges:
        with open(path, "rb") as handle:
            handle.seek(first)
            remaining = last - first + 1
            while remaining > 0:
                chunk = handle.read(min(chunk_size, remaining))
                remaining -= len(chunk)
                total += len(chunk)
    return total


def read_ranged(fieldfile, ranges, factory):
    total = 0
    for first, last in ranges:
        request = factory.get("/stream", headers={"Range": f"bytes={first}-{last}"})
        response = ranged_file_response(request, fieldfile)
        assert response.status_code == 206
        for chunk in response.streaming_content:
            total += len(chunk)
        response.close()
    return total


def best_of(rounds, function, *args):
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=20)
    parser.add_argument("--range-mib", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    size = args.size_mib * MIB
    range_bytes = int(args.range_mib * MIB)
    data = os.urandom(size)
    name = default_storage.save("bench/stream.mp3", ContentFile(data))
    try:
        fieldfile = FieldFile(None, MaterialFile._meta.get_field("file"), name)
        path = default_storage.path(name)
        ranges = ranges_of(size, range_bytes, seed=7)
        factory = RequestFactory()

        # Correctness first: one range through each path must give the same bytes as the file.
        first, last = ranges[0]
        response = ranged_file_response(
            factory.get("/stream", headers={"Range": f"bytes={first}-{last}"}), fieldfile
        )
        assert b"".join(response.streaming_content) == data[first : last + 1]

        ref_time, ref_bytes = best_of(args.rounds, read_direct, path, ranges)
        chunked_time, chunked_bytes = best_of(args.rounds, read_direct_chunked, path, ranges)
        our_time, our_bytes = best_of(args.rounds, read_ranged, fieldfile, ranges, factory)
        assert ref_bytes == chunked_bytes == our_bytes == size

        ref_rate = size / MIB / ref_time
        chunked_rate = size / MIB / chunked_time
        our_rate = size / MIB / our_time
        print(f"file {args.size_mib} MiB, {len(ranges)} range requests of {args.range_mib:g} MiB, "
              f"chunk {CHUNK_SIZE // 1024} KiB, best of {args.rounds}")
        print(f"reference  open+seek+read (one read per range) "
              f"{ref_time * 1000:7.1f} ms {ref_rate:9.1f} MiB/s")
        print(f"reference  open+seek+read in {CHUNK_SIZE // 1024} KiB chunks    "
              f"{chunked_time * 1000:7.1f} ms {chunked_rate:9.1f} MiB/s")
        print(f"ours       ranged_file_response (206 responses)  "
              f"{our_time * 1000:7.1f} ms {our_rate:9.1f} MiB/s")
        print(f"ratio ours/reference: {our_rate / ref_rate:.2f}; ours/chunked reference: "
              f"{our_rate / chunked_rate:.2f}")
        print(f"per request: reference {ref_time / len(ranges) * 1e6:.0f} µs, "
              f"ours {our_time / len(ranges) * 1e6:.0f} µs")
    finally:
        default_storage.delete(name)


if __name__ == "__main__":
    main()
