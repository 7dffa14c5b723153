"""Stored files without assuming local disk: hashing through the storage API and a local path for tools.

Works with any Django `FieldFile` (FileSystemStorage, S3Storage, ...): files are read through
`storage.open()` in chunks, never loaded whole into memory.
"""

import hashlib
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass

CHUNK_SIZE = 1024 * 1024  # bytes


@dataclass
class Digest:
    """SHA-256 of a file's content (64 lower-case hex digits, FIPS 180-4) and its size in bytes."""

    sha256: str
    size: int


def digest_fileobj(fileobj, chunk_size=CHUNK_SIZE):
    """Digest of a binary file object read from its start in `chunk_size`-byte chunks.

    The position is put back at the start afterwards when the object can seek.
    """
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)
    hasher = hashlib.sha256()
    size = 0
    while chunk := fileobj.read(chunk_size):
        hasher.update(chunk)
        size += len(chunk)
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)
    return Digest(sha256=hasher.hexdigest(), size=size)


@contextmanager
def open_fieldfile(fieldfile):
    """Yield a readable binary file object for `fieldfile`, whether or not it is stored yet.

    A file just assigned (an upload not committed to storage) is read from the upload itself, so
    hashing at save time does not fetch back from S3 what is about to be sent there; a stored one
    is opened through its storage.
    """
    if not getattr(fieldfile, "_committed", True):
        yield fieldfile.file
        return
    with fieldfile.storage.open(fieldfile.name, "rb") as fileobj:
        yield fileobj


def digest_fieldfile(fieldfile, chunk_size=CHUNK_SIZE):
    """Digest (SHA-256, size in bytes) of a FieldFile's content, streamed through the storage API."""
    with open_fieldfile(fieldfile) as fileobj:
        return digest_fileobj(fileobj, chunk_size)


@contextmanager
def local_path(fieldfile, chunk_size=CHUNK_SIZE):
    """Yield a path on local disk holding the content of `fieldfile` (a stored FieldFile).

    With local storage it is the stored file itself (read it, never write it); otherwise the content
    is copied in chunks to a temporary file with the same extension (tools such as ffmpeg look at
    it), removed on exit.
    """
    try:
        path = fieldfile.storage.path(fieldfile.name)
    except NotImplementedError:
        path = None
    if path is not None and os.path.exists(path):
        yield path
        return
    suffix = os.path.splitext(fieldfile.name)[1]
    handle, temporary = tempfile.mkstemp(prefix="hoclieu-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as out, fieldfile.storage.open(fieldfile.name, "rb") as source:
            shutil.copyfileobj(source, out, chunk_size)
        yield temporary
    finally:
        os.unlink(temporary)
