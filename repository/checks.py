"""System checks: report missing media tools at start-up rather than at the first upload."""

import shutil

from django.conf import settings
from django.core.checks import Warning, register


def media_tools():
    """(command, the setting naming it or None, what needs it) for each external media tool."""
    return [
        (settings.HOCLIEU_FFMPEG, "HOCLIEU_FFMPEG", "audio renditions"),
        (settings.HOCLIEU_FFPROBE, "HOCLIEU_FFPROBE", "audio probe"),
        ("pdftoppm", None, "poppler-utils (PDF tools; benchmarks use pdftotext)"),
    ]


@register()
def check_media_tools(app_configs, **kwargs):
    """Warn (hoclieu.W001) for each media tool (ffmpeg, ffprobe, pdftoppm) not found on PATH."""
    problems = []
    for tool, setting, purpose in media_tools():
        if shutil.which(tool) is None:
            where = f" (setting {setting})" if setting else ""
            problems.append(
                Warning(
                    f"'{tool}'{where} was not found; the media pipeline cannot do: {purpose}.",
                    hint="apt-get install ffmpeg poppler-utils (make demo and make test do this), "
                    "or point the setting at the program.",
                    id="hoclieu.W001",
                )
            )
    return problems
