"""Audio pipeline cost: our whole audio step (probe + loudness-normalised AAC rendition + completeness
check) against two references measured in the same run on the same file:

- decode only: `ffmpeg -i SRC -f null -` (the least any processing of the file can cost);
- plain transcode: `ffmpeg -i SRC -ac 1 -c:a aac -b:a 64k OUT.m4a` (no loudness normalisation).

Prints seconds, the real-time factor (audio seconds per wall second) and ratios.
Usage: python benchmarks/bench_audio_rendition.py [--file fixtures/audio/...] [--repeat N]
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import best_of  # noqa: E402 (this script's folder is on sys.path)

from media_pipeline.audio import probe, process_audio  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(ROOT / "fixtures/audio/auphonic_chapter_marks_demo.mp3"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    source = Path(args.file)
    duration = probe(source).duration
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)

        def decode():
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), "-f", "null", "-"], check=True)

        def transcode():
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), "-vn", "-ac", "1",
                            "-c:a", "aac", "-b:a", "64k", str(out / "plain.m4a")], check=True)

        def ours():
            process_audio(source, out / "ours.m4a")

        results = [("decode only (reference)", best_of(args.repeat, decode)[0]),
                   ("plain AAC transcode", best_of(args.repeat, transcode)[0]),
                   ("pipeline: probe+loudnorm+AAC+check", best_of(args.repeat, ours)[0])]
    reference = results[0][1]
    print(f"audio: {source.relative_to(ROOT) if source.is_relative_to(ROOT) else source} "
          f"({source.stat().st_size} bytes, {duration:.1f} s), best of {args.repeat}")
    print(f"{'step':<36}{'seconds':>9}{'x realtime':>12}{'x decode':>10}")
    for name, seconds in results:
        print(f"{name:<36}{seconds:>9.3f}{duration / seconds:>12.1f}{seconds / reference:>10.1f}")


if __name__ == "__main__":
    main()
