"""Helpers shared by tests: put a derivative in place without running the media pipeline; make an
image bomb; a whole Hoclieu installation run in processes of its own (Site)."""

import os
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import uuid
import zlib
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from repository.models import Derivative, DerivativeStatus
from repository.models.derivatives import params_version

ROOT = Path(__file__).resolve().parents[1]


def set_derivative(material_file, kind, content=None, name="output.bin", metadata=None):
    """Make `material_file`'s current Derivative of `kind` done, with `content` (bytes) stored as its
    output under `name` (no output when None) and `metadata`; returns it."""
    derivative, _created = Derivative.objects.get_or_create(
        material_file=material_file, kind=kind, input_sha256=material_file.sha256,
        params_version=params_version(kind, material_file),
    )
    if derivative.output:
        derivative.output.delete(save=False)
    if content is not None:
        derivative.output.save(name, ContentFile(content), save=False)
    derivative.status = DerivativeStatus.DONE
    derivative.metadata = metadata if metadata is not None else derivative.metadata
    derivative.finished_at = timezone.now()
    derivative.save()
    material_file.refresh_from_db()
    return derivative


def drop_derivative(material_file, kind):
    """Delete `material_file`'s derivatives of `kind` (and their stored output after commit)."""
    for derivative in Derivative.objects.filter(material_file=material_file, kind=kind):
        derivative.delete()
    material_file.refresh_from_db()


def png_bomb(width, height):
    """A valid 1-bit greyscale PNG of width × height white pixels (a few KiB per 100 million pixels),
    compressed row by row so that making it needs little memory."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def tiny_pdf(text):
    """A one-page PDF (bytes) showing `text` (ASCII) in Helvetica."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def wait_for(predicate, timeout, what):
    """Call `predicate` every 0.2 s until it returns a true value (returned), or fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Site:
    """A Hoclieu installation in `var` (a Path) on its own database, run as `make demo` runs it
    (cms.settings.dev, the database task backend): an SQLite file under `var`, or a new PostgreSQL
    database when the suite runs on PostgreSQL (DATABASE_URL). Runs manage.py, workers, a web
    server on loopback (`serve`) and SQL. `env` adds or overrides environment variables."""

    def __init__(self, var, _template=None, **env):
        self.var = var
        self.workers = 0
        self.servers = []
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
        self.env.update(
            DJANGO_SETTINGS_MODULE="cms.settings.dev", HOCLIEU_VAR_DIR=str(var),
            HOCLIEU_SEARCH_INDEX_PATH=str(var / "search_index"), PYTHONUNBUFFERED="1",
            # Transcription (tests/repository/test_transcript.py) would only add minutes of speech
            # recognition to tests about something else.
            HOCLIEU_WHISPER_MODEL_PATH="",
        )
        self.env.update(env)
        self.extra_env = env
        self.postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
        if self.postgres:
            import psycopg

            db = settings.DATABASES["default"]
            host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
            self.admin_dsn = f"host={host} port={port} user={db['USER']} dbname=postgres"
            self.name = f"hoclieu_site_{uuid.uuid4().hex[:8]}"
            template = f' TEMPLATE "{_template.name}"' if _template is not None else ""
            with psycopg.connect(self.admin_dsn, autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{self.name}"{template}')
            self.env["DATABASE_URL"] = (
                f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{self.name}"
            )
            self.dsn = self.admin_dsn.replace("dbname=postgres", f"dbname={self.name}")

    def manage(self, *args, check=True, timeout=300):
        result = subprocess.run([sys.executable, "manage.py", *map(str, args)], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=timeout)
        if check:
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result

    def worker(self, *args):
        """Start `manage.py db_worker` (and `args`); its output goes to a log file, not a pipe that
        nobody reads while it runs (a full pipe would block the worker on its next log line).
        Returns the Popen, with `.log` the Path of that file."""
        self.workers += 1
        log = self.var.parent / f"worker-{self.workers}.log"
        with open(log, "w") as handle:
            process = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--no-startup-delay",
                                        "--interval", "0.2", *args], cwd=ROOT, env=self.env,
                                       stdout=handle, stderr=subprocess.STDOUT, text=True)
        process.log = log
        return process

    @staticmethod
    def finish(process, timeout):
        """Wait up to `timeout` seconds for a worker to end; return its output."""
        process.wait(timeout=timeout)
        return process.log.read_text()

    @staticmethod
    def stop(process):
        """End a worker with SIGTERM (SIGKILL after 60 s); return its output."""
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return process.log.read_text()

    def clone(self, var, **env):
        """A new Site in `var` whose database starts as a copy of this one's (a migrated database
        copied instead of migrating again): SQLite's online backup, or PostgreSQL's CREATE DATABASE
        ... TEMPLATE. Environment as this site's, `env` added."""
        other = Site(var, _template=self, **{**self.extra_env, **env})
        if not self.postgres:
            var.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(self.var / "hoclieu.sqlite3") as source, \
                    sqlite3.connect(var / "hoclieu.sqlite3") as target:
                source.backup(target)
        return other

    def serve(self, timeout=60):
        """Start `manage.py runserver --noreload` on a free loopback port; returns the Popen, with
        `.url` ("http://127.0.0.1:PORT") and `.log`, once the server answers. `drop` stops it."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log = self.var.parent / f"server-{port}.log"
        with open(log, "w") as handle:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks",
                 f"127.0.0.1:{port}"],
                cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, text=True,
            )
        process.url, process.log = f"http://127.0.0.1:{port}", log
        self.servers.append(process)

        def answers():
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return True
            except OSError:
                return False

        wait_for(answers, timeout, "the web server")
        return process

    def query(self, sql):
        if self.postgres:
            import psycopg

            with psycopg.connect(self.dsn) as connection:
                return connection.execute(sql).fetchall()
        with sqlite3.connect(self.var / "hoclieu.sqlite3", timeout=30) as connection:
            return connection.execute(sql).fetchall()

    def drop(self):
        for server in self.servers:
            self.stop(server)
        if self.postgres:
            import psycopg

            with psycopg.connect(self.admin_dsn, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
