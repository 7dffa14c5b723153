"""Fixtures of the repository tests."""

import os

import pytest
from django.core.files.base import ContentFile

from media_pipeline import speech
from repository.models import Library, MaterialFile
from repository.roles import library_collection


@pytest.fixture
def upload(fixture_path):
    """upload(user) -> a MaterialFile owned by `user`, holding a real PDF, in the collection of the
    user's (first) library, as the admin's upload form puts it."""

    def _upload(user, relative="pdf/scotus-transcript-p1.pdf"):
        path = fixture_path(relative)
        library = Library.objects.for_user(user).order_by("pk").first()
        material_file = MaterialFile(title=path.stem, uploaded_by_user=user,
                                     collection=library_collection(library))
        material_file.file.save(path.name, ContentFile(path.read_bytes()), save=False)
        material_file.save()
        return material_file

    return _upload


@pytest.fixture
def whisper(settings):
    """Transcription on, with the model of `make install` (must be there)."""
    speech.check_model(settings.WHISPER_TEST_MODEL_PATH)
    settings.HOCLIEU_WHISPER_MODEL_PATH = settings.WHISPER_TEST_MODEL_PATH
    settings.HOCLIEU_WHISPER_CPU_THREADS = min(4, os.cpu_count() or 1)
    return settings
