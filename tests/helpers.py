"""Helpers shared by tests: put a derivative in place without running the media pipeline; make an
image bomb."""

import struct
import zlib

from django.core.files.base import ContentFile
from django.utils import timezone

from repository.models import Derivative, DerivativeStatus
from repository.models.derivatives import params_version


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
