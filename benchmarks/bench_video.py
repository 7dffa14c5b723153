"""Video rendition cost (issue 7, item 7): our whole video step (probe + H.264/AAC 720p rendition +
completeness check, media_pipeline.video) beside the bare `ffmpeg` command with the same settings
(same scale, codec, CRF, preset, audio bit rate, +faststart), measured in the same run on the same
file. Prints seconds, seconds of work per minute of video, and the ratio ours / bare.

Usage: python benchmarks/bench_video.py [--file fixtures/video/...] [--repeat N]
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import best_of  # noqa: E402 (this script's folder is on sys.path)

from media_pipeline import video  # noqa: E402


def bare_command(source, destination, info):
    """The ffmpeg command line that `video.make_rendition` runs, without probe, progress or checks."""
    width, height = video.fit_within(info.display_width, info.display_height)
    return ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), "-map", "0:V:0", "-map", "0:a:0?",
            "-vf", f"scale={width}:{height},setsar=1,format=yuv420p", "-c:v", video.VIDEO_CODEC,
            "-profile:v", video.VIDEO_PROFILE, "-preset", video.VIDEO_PRESET, "-crf", str(video.VIDEO_CRF),
            "-c:a", "aac", "-b:a", video.AUDIO_BITRATE, "-ac", str(min(info.channels or 2, 2)),
            "-movflags", "+faststart", str(destination)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(ROOT / "fixtures/video/big_buck_bunny_0_30.webm"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    source = Path(args.file)
    info = video.probe(source)
    minutes = info.duration / 60
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        bare, _ = best_of(args.repeat, lambda: subprocess.run(bare_command(source, out / "bare.mp4", info),
                                                              check=True, timeout=3600))
        ours, rendition = best_of(args.repeat, lambda: video.make_rendition(
            source, out / "ours.mp4", info=video.probe(source), progress=lambda fraction: None))
    name = source.relative_to(ROOT) if source.is_relative_to(ROOT) else source
    print(f"video: {name} ({source.stat().st_size} bytes, {info.duration:.1f} s, "
          f"{info.display_width}x{info.display_height} -> {rendition.width}x{rendition.height}), "
          f"best of {args.repeat}")
    print(f"{'step':<40}{'seconds':>9}{'s per min':>11}{'ratio':>8}")
    print(f"{'bare ffmpeg, same settings (reference)':<40}{bare:>9.2f}{bare / minutes:>11.2f}{1.0:>8.2f}")
    print(f"{'pipeline: probe+rendition+check':<40}{ours:>9.2f}{ours / minutes:>11.2f}{ours / bare:>8.2f}")


if __name__ == "__main__":
    main()
