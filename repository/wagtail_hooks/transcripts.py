"""Wagtail hooks: transcript correction (repository.transcripts).

Admin URL `hoclieu_transcript_correct` (pk of a MaterialFile): repository.views.transcripts, linked from
the transcript's row of the "Xử lí tệp" panel on a material's edit view.
"""

from django.urls import path
from wagtail import hooks

from ..views.transcripts import TranscriptCorrectionView


@hooks.register("register_admin_urls")
def register_transcript_urls():
    return [
        path("hoclieu/files/<int:pk>/transcript/", TranscriptCorrectionView.as_view(),
             name="hoclieu_transcript_correct"),
    ]
