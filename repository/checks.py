"""System checks: report missing media tools at start-up rather than at the first upload."""

import shutil

from django.conf import settings
from django.core.checks import Warning, register


@register()
def check_media_tools(app_configs, **kwargs):
    """Warn (hoclieu.W001) when ffmpeg/ffprobe or pdftotext are not on PATH."""
    problems = []
    for tool in (settings.HOCLIEU_FFMPEG, settings.HOCLIEU_FFPROBE, "pdftoppm"):
        if shutil.which(tool) is None:
            problems.append(
                Warning(
                    f"'{tool}' was not found on PATH; the media pipeline cannot process files that need it.",
                    hint="apt-get install ffmpeg poppler-utils (make demo and make test do this).",
                    id="hoclieu.W001",
                )
            )
    return problems
