"""Tests: fast hasher, locmem cache, immediate task backend, an index and media dir per run."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import HAYSTACK_CONNECTIONS

_TMP = Path(tempfile.mkdtemp(prefix="hoclieu-test-"))
MEDIA_ROOT = _TMP / "media"
HAYSTACK_CONNECTIONS["default"]["PATH"] = str(_TMP / "search_index")
# WhiteNoise indexes STATIC_ROOT when the first request comes (and warns if it is missing); tests
# need no collectstatic: pages only name static URLs.
STATIC_ROOT = _TMP / "static"
STATIC_ROOT.mkdir()
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "vi"
ALLOWED_HOSTS = ["*"]
# Transcription is off in tests (it would add seconds to every audio file); the transcript tests
# turn it on with the model `make install` assembles (WHISPER_TEST_MODEL_PATH, base's default).
WHISPER_TEST_MODEL_PATH = HOCLIEU_WHISPER_MODEL_PATH  # noqa: F405
HOCLIEU_WHISPER_MODEL_PATH = os.environ.get("HOCLIEU_TEST_WHISPER_MODEL_PATH", "")
# The PDF preview of DOCX and PPTX is off in tests (LibreOffice would add seconds to every office
# file); the preview tests turn it on with base's program (PREVIEW_TEST_SOFFICE).
PREVIEW_TEST_SOFFICE = HOCLIEU_SOFFICE  # noqa: F405
HOCLIEU_SOFFICE = os.environ.get("HOCLIEU_TEST_SOFFICE", "")
# Suggestions read what a test has just indexed (the time bound has a test of its own).
HOCLIEU_SEARCH_VOCABULARY_MAX_AGE = 0
