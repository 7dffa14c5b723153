"""The settings split: production reads the environment and switches to S3 only when asked."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'storage': s.STORAGES['default']['BACKEND'], "
    "'engine': s.DATABASES['default']['ENGINE'], 'name': s.DATABASES['default']['NAME'], "
    "'bucket': getattr(s, 'AWS_STORAGE_BUCKET_NAME', None), 'secure': s.SESSION_COOKIE_SECURE, "
    "'lang': s.LANGUAGE_CODE}))"
)


def settings_with(env, module="cms.settings.production"):
    """Load settings `module` in a fresh interpreter with `env` added; return what it read."""
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("AWS_", "DATABASE_URL", "DJANGO_", "HOCLIEU_DEBUG"))}
    environ.update(env, DJANGO_SETTINGS_MODULE=module)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_reads_database_and_keeps_local_files_without_bucket(tmp_path):
    loaded = settings_with({"DJANGO_SECRET_KEY": "k", "HOCLIEU_VAR_DIR": str(tmp_path),
                            "DATABASE_URL": "postgres://hoclieu@db.example:5432/hoclieu"})
    assert loaded["debug"] is False
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["name"] == "hoclieu"
    assert loaded["storage"] == "django.core.files.storage.FileSystemStorage"
    assert loaded["secure"] is True
    assert loaded["lang"] == "vi"


def test_production_switches_to_private_s3_with_a_bucket(tmp_path):
    loaded = settings_with({"DJANGO_SECRET_KEY": "k", "HOCLIEU_VAR_DIR": str(tmp_path),
                            "AWS_STORAGE_BUCKET_NAME": "hoclieu-media"})
    assert loaded["storage"] == "repository.storage.PrivateMediaStorage"
    assert loaded["bucket"] == "hoclieu-media"


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environ.update(DJANGO_SETTINGS_MODULE="cms.settings.production", HOCLIEU_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True,
                            text=True)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_dev_settings_run_with_debug_off_unless_asked(tmp_path):
    """`make demo` shows what a school will see (Hoclieu's error pages); HOCLIEU_DEBUG=1 is opt-in."""
    assert settings_with({"HOCLIEU_VAR_DIR": str(tmp_path)}, "cms.settings.dev")["debug"] is False
    loaded = settings_with({"HOCLIEU_VAR_DIR": str(tmp_path), "HOCLIEU_DEBUG": "0"}, "cms.settings.dev")
    assert loaded["debug"] is False
    loaded = settings_with({"HOCLIEU_VAR_DIR": str(tmp_path), "HOCLIEU_DEBUG": "1"}, "cms.settings.dev")
    assert loaded["debug"] is True
    assert loaded["engine"] == "django.db.backends.sqlite3"
