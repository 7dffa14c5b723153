"""Benchmark: Vietnamese transcripts by the media pipeline beside bare faster-whisper on the same files.

Quality: word error rate (WER: word-level Levenshtein distance over the known text's word count;
NFC, lower case, punctuation removed) of Hoclieu's transcript against the known text:
- fixtures/audio/generated_espeak_vi_xin_chao.wav (espeak-ng, voice vi; its text in
  fixtures/SOURCES.md / shared/fixtures/SOURCES.md);
- a longer sample GENERATED in the run with `espeak-ng -v vi` from the body of the notice in
  fixtures/images/vi_scan_thong_bao.txt (text written for Hoclieu);
- the VIVOS recording shared/fixtures/audio/VIVOSDEV01_R002.wav (real read speech; CC BY-NC-SA, so
  it is read from the shared folder, not copied into fixtures/) when present; its WER only when its
  prompt text is given with --vivos-text (the fixtures do not hold VIVOS's prompts.txt), else
  Hoclieu's transcript is printed beside "-".

Speed: real-time factor (RTF: seconds of work per second of audio) of
media_pipeline.speech.transcribe (what the transcript derivative runs: ffmpeg decoding in chunks,
Whisper with VAD and word timestamps, cues, WebVTT) beside bare faster-whisper
(`WhisperModel.transcribe` on the same file, same model directory, device, compute type, threads,
language, VAD, word timestamps, no conditioning on previous text; its segments consumed), measured
in the same run; and the audio's duration itself (RTF 1.0). Both models are loaded, and warmed on
the first file, before timing. Each is run `--repeat` times and the best wall-clock time is kept.

Usage: python benchmarks/bench_transcript.py [--model var/whisper-base] [--threads N] [--repeat N]
       [--vivos-text "..."] [--shared ../shared/fixtures]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import best_of  # noqa: E402 (this script's folder is on sys.path)
from faster_whisper import WhisperModel  # noqa: E402

from media_pipeline import audio, speech  # noqa: E402

FIXTURES = ROOT / "fixtures"
# The project's shared fixture set: beside the checkout, or beside the folder of worktrees.
SHARED_CANDIDATES = [ROOT.parent / "shared" / "fixtures", ROOT.parent.parent / "shared" / "fixtures"]
XIN_CHAO = "Xin chào các em. Hôm nay chúng ta học bài Tôi đi học của nhà văn Thanh Tịnh."
LANGUAGE = "vi"


def notice_body():
    """The body paragraphs of page 1 of the notice (its heading lines left out)."""
    page = (FIXTURES / "images" / "vi_scan_thong_bao.txt").read_text(encoding="utf-8").split("\f")[0]
    paragraphs = page.strip().split("\n\n")[1:]
    return " ".join(" ".join(paragraph.split()) for paragraph in paragraphs)


def words(text):
    """Words of `text` for WER: NFC, lower case, letters and digits only."""
    return re.findall(r"\w+", unicodedata.normalize("NFC", text).lower())


def word_errors(reference, hypothesis):
    """Word-level edit distance (substitutions, insertions, deletions) between two word lists."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ref_word != hyp_word)))
        previous = current
    return previous[-1]


def wer(reference, hypothesis):
    ref = words(reference)
    return word_errors(ref, words(hypothesis)) / len(ref)


def bare_transcribe(model, path):
    """Bare faster-whisper with the pipeline's settings; returns the text."""
    segments, _info = model.transcribe(str(path), language=LANGUAGE, word_timestamps=True, vad_filter=True,
                                       condition_on_previous_text=False)
    return " ".join(segment.text.strip() for segment in segments)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=str(ROOT / "var" / "whisper-base"))
    parser.add_argument("--threads", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--vivos-text", default="", help="the VIVOS prompt text of VIVOSDEV01_R002")
    parser.add_argument("--shared", type=Path,
                        default=next((p for p in SHARED_CANDIDATES if p.exists()), SHARED_CANDIDATES[0]),
                        help="the shared fixture folder (default: ../shared/fixtures)")
    args = parser.parse_args()
    speech.check_model(args.model)
    if not shutil.which("espeak-ng"):
        sys.exit("espeak-ng is required (make system-deps)")

    with tempfile.TemporaryDirectory(prefix="bench-transcript-") as workdir:
        body = notice_body()
        generated = Path(workdir) / "thong_bao_espeak_vi.wav"
        subprocess.run(["espeak-ng", "-v", "vi", "-s", "150", body, "-w", str(generated)], check=True,
                       timeout=120, capture_output=True)
        cases = [("espeak-ng: xin chào (4,5 s)", FIXTURES / "audio" / "generated_espeak_vi_xin_chao.wav",
                  XIN_CHAO),
                 ("espeak-ng: thông báo", generated, body)]
        vivos = args.shared / "audio" / "VIVOSDEV01_R002.wav"
        if vivos.exists():
            cases.append(("VIVOS VIVOSDEV01_R002", vivos, args.vivos_text or None))

        device, compute_type = speech.default_device()
        speech.load_model(args.model, device=device, compute_type=compute_type, cpu_threads=args.threads)
        bare = WhisperModel(args.model, device=device, compute_type=compute_type, cpu_threads=args.threads,
                            local_files_only=True)
        bare_transcribe(bare, cases[0][1])  # warm both
        speech.transcribe(cases[0][1], model_path=args.model, language=LANGUAGE, device=device,
                          compute_type=compute_type, cpu_threads=args.threads)

        print(f"Model {os.path.basename(os.path.normpath(args.model))}, {device} {compute_type}, "
              f"{args.threads} threads, language {LANGUAGE}, best of {args.repeat}")
        print(f"{'file':32} {'audio s':>7} {'WER':>7} {'bare WER':>8} {'ours s':>7} {'bare s':>7} "
              f"{'RTF':>6} {'bare RTF':>8} {'ours/bare':>9}")
        totals = [0.0, 0.0, 0.0]
        for label, path, known in cases:
            duration = audio.probe(path).duration
            ours_seconds, result = best_of(args.repeat, lambda p=path, d=duration: speech.transcribe(
                p, model_path=args.model, language=LANGUAGE, duration=d, device=device,
                compute_type=compute_type, cpu_threads=args.threads))
            bare_seconds, bare_text = best_of(args.repeat, lambda p=path: bare_transcribe(bare, p))
            ours_wer = f"{wer(known, result.text):.1%}" if known else "-"
            bare_wer = f"{wer(known, bare_text):.1%}" if known else "-"
            print(f"{label:32} {duration:7.1f} {ours_wer:>7} {bare_wer:>8} {ours_seconds:7.2f} "
                  f"{bare_seconds:7.2f} {ours_seconds / duration:6.3f} {bare_seconds / duration:8.3f} "
                  f"{ours_seconds / bare_seconds:8.2f}×")
            if not known:
                print(f"    Hoclieu: {result.text!r}")
            totals[0] += duration
            totals[1] += ours_seconds
            totals[2] += bare_seconds
        duration, ours_seconds, bare_seconds = totals
        ours_rtf, bare_rtf = ours_seconds / duration, bare_seconds / duration
        ratio = ours_seconds / bare_seconds
        print(f"{'all':32} {duration:7.1f} {'':>7} {'':>8} {ours_seconds:7.2f} {bare_seconds:7.2f} "
              f"{ours_rtf:6.3f} {bare_rtf:8.3f} {ratio:8.2f}×")
        print(f"Hoclieu: {ours_rtf:.3f} s of work per second of audio (the audio's duration: 1.0); "
              f"bare faster-whisper {bare_rtf:.3f}; ratio {ratio:.2f}×")


if __name__ == "__main__":
    main()
