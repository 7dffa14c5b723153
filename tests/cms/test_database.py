"""SQLite under concurrent work: WAL, a 20 s busy timeout, write transactions that lock at BEGIN.

cms.settings.base sets these OPTIONS only when the database is SQLite; on PostgreSQL (the suite also
runs there with DATABASE_URL) they must be absent, since psycopg would reject them. pytest-django's
SQLite test database is in memory, where WAL does not exist (journal_mode is "memory"), so the
file-database behaviour is checked in a fresh interpreter with the dev settings and a file under a
temporary HOCLIEU_VAR_DIR.
"""

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SQLITE_OPTIONS = {"timeout", "transaction_mode", "init_command"}


def pragma(cursor, name):
    """The value of SQLite's `PRAGMA name` on `cursor`'s connection."""
    cursor.execute(f"PRAGMA {name}")
    return cursor.fetchone()[0]


@pytest.mark.django_db
def test_test_database_connection_has_the_settings_of_its_engine():
    options = connection.settings_dict["OPTIONS"]
    if connection.vendor == "sqlite":
        assert options["timeout"] == 20
        assert connection.transaction_mode == "IMMEDIATE"
        with connection.cursor() as cursor:
            assert pragma(cursor, "busy_timeout") == 20_000  # milliseconds
            assert pragma(cursor, "synchronous") == 1  # NORMAL
            journal_mode = pragma(cursor, "journal_mode")
        in_memory = connection.creation.is_in_memory_db(connection.settings_dict["NAME"])
        # An in-memory database cannot use WAL; SQLite keeps "memory" (see the test below for a file).
        assert journal_mode == ("memory" if in_memory else "wal")
    else:
        assert connection.vendor == "postgresql"
        assert not SQLITE_OPTIONS & set(options), f"SQLite-only OPTIONS on {connection.vendor}: {options}"


DEV_PROBE = """
import json, sqlite3, django
django.setup()
from django.db import connection, transaction
from django.db.utils import OperationalError
from cms.middleware import is_database_busy

with connection.cursor() as cursor:
    pragmas = {}
    for name in ("journal_mode", "busy_timeout", "synchronous"):
        cursor.execute(f"PRAGMA {name}")
        pragmas[name] = cursor.fetchone()[0]
name = connection.settings_dict["NAME"]

# IMMEDIATE: entering atomic() already holds the write lock, so another writer cannot begin.
other = sqlite3.connect(name, timeout=0, isolation_level=None)
with transaction.atomic():
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        blocked_by_atomic = None
    except sqlite3.OperationalError as error:
        blocked_by_atomic = str(error)
    # WAL: a reader is not blocked by the open write transaction.
    readable = other.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] >= 0

# Another writer holds the lock past our timeout: Django raises what DatabaseBusyMiddleware turns into 503.
other.execute("BEGIN IMMEDIATE")
connection.close()
connection.settings_dict["OPTIONS"]["timeout"] = 0.2
try:
    with transaction.atomic():
        pass
    busy = None
except OperationalError as error:
    busy = {"message": str(error), "is_database_busy": is_database_busy(error)}
other.execute("ROLLBACK")

print(json.dumps({"engine": connection.settings_dict["ENGINE"], "name": name, "pragmas": pragmas,
                  "blocked_by_atomic": blocked_by_atomic, "readable": readable, "busy": busy}))
"""


def test_dev_settings_open_a_file_database_in_wal_mode_with_immediate_transactions(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    environ.update(DJANGO_SETTINGS_MODULE="cms.settings.dev", HOCLIEU_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", DEV_PROBE], cwd=ROOT, env=environ, capture_output=True,
                            text=True, check=True)
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert Path(loaded["name"]) == tmp_path / "hoclieu.sqlite3"
    assert loaded["pragmas"] == {"journal_mode": "wal", "busy_timeout": 20_000, "synchronous": 1}
    # WAL is a property of the file: a plain connection, without Django's init_command, sees it too.
    with closing(sqlite3.connect(tmp_path / "hoclieu.sqlite3")) as plain:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert loaded["blocked_by_atomic"] == "database is locked"
    assert loaded["readable"] is True
    assert loaded["busy"] == {"message": "database is locked", "is_database_busy": True}
