"""HTTP range requests (RFC 7233) over files held by any Django storage, local disk or S3.

`ranged_file_response(request, fieldfile)` is the one entry point the views use: it answers GET and
HEAD for a stored file with

- 200 and the whole body, with `Accept-Ranges: bytes`, when there is no usable Range header;
- 206 with `Content-Range: bytes first-last/size` for one satisfiable range (RFC 7233 §4.1);
- 416 with `Content-Range: bytes */size` when no range is satisfiable (RFC 7233 §4.4);
- 304 / 412 for If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since (RFC 7232, through
  Django's `get_conditional_response`), with a strong ETag and Last-Modified on every answer.

Choices, each allowed by the RFC:
- a syntactically invalid Range header, or one in a unit other than `bytes`, is ignored: 200 (§3.1);
- Range is honoured on GET only; HEAD answers what a GET without Range would (§3.1: "A server MUST
  ignore a Range header field received with a request method other than GET");
- several ranges: they are coalesced (§4.1 allows merging overlapping or adjacent ranges); if they
  merge into one range, that range is sent as a single-part 206, otherwise the Range header is ignored
  and the whole file is sent with 200 (§3.1 "A server MAY ignore the Range header field"). No
  multipart/byteranges: the players and readers Hoclieu serves ask for one range at a time, and a
  whole-file answer can never be misread by a client;
- If-Range (§3.2): the Range header is honoured only if the validator (our strong ETag, or an HTTP
  date equal to our Last-Modified) matches, otherwise the whole file is sent with 200.

Bytes are read chunk by chunk through the storage API and never held whole in memory. On S3 storage
(django-storages) the range is fetched with a ranged GetObject, because django-storages' `S3File`
downloads the whole object into a temporary buffer on its first read, whatever was asked for.
"""

import hashlib
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date, parse_http_date_safe

# Size of each chunk read from storage and written to the client, in bytes.
CHUNK_SIZE = 64 * 1024

BYTES_UNIT = "bytes"

# Media types of the audio extensions Hoclieu accepts that Python's mimetypes table may lack.
EXTRA_CONTENT_TYPES = {".m4a": "audio/mp4", ".m4b": "audio/mp4", ".flac": "audio/flac", ".mp3": "audio/mpeg"}
DEFAULT_CONTENT_TYPE = "application/octet-stream"

# What select_range() returns when no range of the request can be satisfied (the answer is 416).
UNSATISFIABLE = "unsatisfiable"

# RFC 7233 §2.1 byte-range-spec / suffix-byte-range-spec: "first-[last]" or "-suffix_length".
_RANGE_SPEC_RE = re.compile(r"^(?:(\d+)-(\d*)|-(\d+))$")


@dataclass(frozen=True)
class RangeSpec:
    """One element of a byte-range-set as written by the client, before the file size is known.

    `first`/`last` are byte positions (inclusive, 0-based) of a byte-range-spec, `last` None when
    open-ended (`bytes=500-`); `suffix_length` (bytes) is set instead for a suffix-byte-range-spec
    (`bytes=-500`, the last 500 bytes). RFC 7233 §2.1.
    """

    first: int | None = None
    last: int | None = None
    suffix_length: int | None = None


@dataclass(frozen=True)
class ByteRange:
    """A satisfiable range resolved against a file of `size` bytes: positions `first`..`last` inclusive."""

    first: int
    last: int

    @property
    def length(self):
        """Number of bytes in the range."""
        return self.last - self.first + 1

    def content_range(self, size):
        """The Content-Range value for this range of a `size`-byte file (RFC 7233 §4.2)."""
        return f"{BYTES_UNIT} {self.first}-{self.last}/{size}"


def parse_range_header(value):
    """Parse a Range header value into a list of RangeSpec, or None when it must be ignored.

    `value` is the raw header (e.g. "bytes=0-499, -500"). Returns None when the header is absent,
    uses a unit other than `bytes` (compared case-insensitively), or is syntactically invalid --
    including a byte-range-spec whose last-byte-pos is less than its first-byte-pos (RFC 7233 §2.1:
    "the recipient ... MUST ignore the header field"). Empty list elements are allowed (RFC 7230 §7).
    Never raises.
    """
    if not value:
        return None
    unit, sep, range_set = value.partition("=")
    if not sep or unit.strip().lower() != BYTES_UNIT:
        return None
    specs = []
    for element in range_set.split(","):
        element = element.strip()
        if not element:
            continue
        match = _RANGE_SPEC_RE.match(element)
        if match is None:
            return None
        first, last, suffix = match.groups()
        if suffix is not None:
            specs.append(RangeSpec(suffix_length=int(suffix)))
            continue
        first = int(first)
        last = int(last) if last else None
        if last is not None and last < first:
            return None
        specs.append(RangeSpec(first=first, last=last))
    return specs or None


def resolve_ranges(specs, size):
    """Resolve RangeSpecs against a file of `size` bytes into its satisfiable ByteRanges, in order.

    Rules of RFC 7233 §2.1: a spec is satisfiable if its first-byte-pos is less than `size`, or it is
    a suffix with a non-zero length; a last-byte-pos past the end, or a suffix longer than the file,
    is cut to the file. An empty file satisfies no range. Returns [] when nothing is satisfiable
    (the caller answers 416).
    """
    ranges = []
    if size <= 0:
        return ranges
    for spec in specs:
        if spec.suffix_length is not None:
            if spec.suffix_length == 0:
                continue
            ranges.append(ByteRange(max(size - spec.suffix_length, 0), size - 1))
        elif spec.first < size:
            last = size - 1 if spec.last is None else min(spec.last, size - 1)
            ranges.append(ByteRange(spec.first, last))
    return ranges


def coalesce_ranges(ranges):
    """Merge overlapping or adjacent ByteRanges (RFC 7233 §4.1 allows it); returns them sorted."""
    merged = []
    for byte_range in sorted(ranges, key=lambda r: r.first):
        if merged and byte_range.first <= merged[-1].last + 1:
            previous = merged.pop()
            byte_range = ByteRange(previous.first, max(previous.last, byte_range.last))
        merged.append(byte_range)
    return merged


class StoredFile:
    """A file in a Django storage, seen the way a ranged response needs it.

    Attributes: `name` (storage name), `size` (bytes), `last_modified` (aware datetime or None when
    the storage cannot tell). `iter_bytes(first, last)` yields the bytes first..last inclusive in
    chunks of at most `chunk_size` bytes. Build one with `StoredFile.of(fieldfile)`.
    """

    def __init__(self, storage, name, size, last_modified):
        self.storage = storage
        self.name = name
        self.size = size
        self.last_modified = last_modified

    @classmethod
    def of(cls, fieldfile):
        """A StoredFile for a Django FieldFile (`FileField` value); S3 storages get the S3 flavour.

        Raises FileNotFoundError (or the storage's own error, e.g. botocore ClientError) when the
        file is missing from the storage.
        """
        storage, name = fieldfile.storage, fieldfile.name
        if _is_s3_storage(storage):
            return S3StoredFile.of_s3(storage, name)
        size = storage.size(name)
        try:
            last_modified = storage.get_modified_time(name)
        except (NotImplementedError, AttributeError):
            last_modified = None
        return cls(storage, name, size, last_modified)

    def iter_bytes(self, first, last, chunk_size=CHUNK_SIZE):
        """Yield bytes `first`..`last` (inclusive) through storage.open + seek + chunked read."""
        remaining = last - first + 1
        with self.storage.open(self.name, "rb") as handle:
            handle.seek(first)
            read = handle.read  # bound once: django.core.files.File proxies every attribute lookup
            while remaining > 0:
                chunk = read(min(chunk_size, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk


class S3StoredFile(StoredFile):
    """A StoredFile on django-storages' S3Storage: one HEAD for size and date, a ranged GET for bytes."""

    def __init__(self, storage, name, size, last_modified, s3_object):
        super().__init__(storage, name, size, last_modified)
        self.s3_object = s3_object

    @classmethod
    def of_s3(cls, storage, name):
        """Load the object's metadata (HEAD); raises FileNotFoundError when the key does not exist."""
        from botocore.exceptions import ClientError
        from storages.utils import clean_name

        # The same key S3Storage._open() computes (location prefix, cleaned path).
        key = storage._normalize_name(clean_name(name))
        s3_object = storage.bucket.Object(key)
        try:
            s3_object.load()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(name) from exc
            raise
        return cls(storage, name, s3_object.content_length, s3_object.last_modified, s3_object)

    def iter_bytes(self, first, last, chunk_size=CHUNK_SIZE):
        """Yield bytes `first`..`last` (inclusive) from a GetObject with `Range: bytes=first-last`."""
        body = self.s3_object.get(Range=f"{BYTES_UNIT}={first}-{last}")["Body"]
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()


def _is_s3_storage(storage):
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # pragma: no cover - django-storages is a dependency
        return False
    return isinstance(storage, S3Storage)


def strong_etag(stored):
    """A strong entity-tag (RFC 7232 §2.3) for `stored` from its name, size and modification time.

    Storages never overwrite material files (new name on each save), so name + size + time changes
    whenever the bytes do. Returns None when the storage gives no modification time.
    """
    if stored.last_modified is None:
        return None
    seed = f"{stored.name}\0{stored.size}\0{stored.last_modified.timestamp()}"
    return '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'


def guess_content_type(name):
    """Media type of a file from its name (mimetypes, plus audio extensions it may lack)."""
    content_type, _encoding = mimetypes.guess_type(name)
    if content_type:
        return content_type
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return EXTRA_CONTENT_TYPES.get(suffix, DEFAULT_CONTENT_TYPE)


def _if_range_matches(request, etag, last_modified):
    """True when there is no If-Range, or its validator matches the current one (RFC 7233 §3.2)."""
    value = request.headers.get("If-Range")
    if value is None:
        return True
    value = value.strip()
    if value.startswith(('"', "W/")):
        # Only a strong ETag, compared strongly, may match (§3.2: weak tags never match).
        return etag is not None and value == etag
    date = parse_http_date_safe(value)
    return date is not None and last_modified is not None and int(last_modified.timestamp()) == date


def select_range(request, size, etag=None, last_modified=None):
    """Decide what to send for `request` over a `size`-byte file.

    Returns None to send the whole file (200), a ByteRange to send (206), or the string
    "unsatisfiable" (416). Applies the module's rules: GET only, If-Range, invalid or foreign-unit
    headers ignored, several ranges coalesced or else ignored.
    """
    if request.method != "GET":
        return None
    specs = parse_range_header(request.headers.get("Range"))
    if specs is None or not _if_range_matches(request, etag, last_modified):
        return None
    ranges = resolve_ranges(specs, size)
    if not ranges:
        return UNSATISFIABLE
    merged = coalesce_ranges(ranges)
    return merged[0] if len(merged) == 1 else None


def _stream(stored, first, last, chunk_size) -> Iterator[bytes]:
    if last >= first:
        yield from stored.iter_bytes(first, last, chunk_size)


def ranged_file_response(
    request,
    fieldfile,
    *,
    content_type=None,
    filename=None,
    as_attachment=False,
    etag=None,
    chunk_size=CHUNK_SIZE,
):
    """Answer GET or HEAD for `fieldfile` (a Django FieldFile) with RFC 7233 range support.

    `content_type` defaults to a guess from the file name; `filename` (default: the base name of the
    file) goes into Content-Disposition, `inline` unless `as_attachment`; `etag` (a quoted strong
    entity-tag) defaults to `strong_etag()`; `chunk_size` in bytes. Returns a StreamingHttpResponse
    (200/206), an HttpResponse (HEAD, 304, 412, 416). Raises FileNotFoundError when the file is not
    in its storage (the views turn that into 404). See the module docstring for the rules.
    """
    stored = StoredFile.of(fieldfile)
    size = stored.size
    if etag is None:
        etag = strong_etag(stored)
    last_modified = stored.last_modified
    last_modified_ts = int(last_modified.timestamp()) if last_modified is not None else None

    conditional = get_conditional_response(request, etag=etag, last_modified=last_modified_ts)
    if conditional is not None:
        _set_validators(conditional, etag, last_modified_ts)
        return conditional

    selected = select_range(request, size, etag, last_modified)
    if selected == UNSATISFIABLE:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"{BYTES_UNIT} */{size}"
        response["Accept-Ranges"] = BYTES_UNIT
        return response

    if selected is None:
        status, first, last = 200, 0, size - 1
    else:
        status, first, last = 206, selected.first, selected.last

    if request.method == "HEAD":
        response = HttpResponse(status=status)
    else:
        response = StreamingHttpResponse(_stream(stored, first, last, chunk_size), status=status)
    response["Content-Length"] = str(max(last - first + 1, 0))
    if status == 206:
        response["Content-Range"] = selected.content_range(size)
    response["Accept-Ranges"] = BYTES_UNIT
    response["Content-Type"] = content_type or guess_content_type(fieldfile.name)
    response["X-Content-Type-Options"] = "nosniff"
    name = filename or fieldfile.name.rsplit("/", 1)[-1]
    response.headers["Content-Disposition"] = content_disposition_header(as_attachment, name)
    _set_validators(response, etag, last_modified_ts)
    return response


def _set_validators(response, etag, last_modified_ts):
    if etag:
        response["ETag"] = etag
    if last_modified_ts is not None:
        response["Last-Modified"] = http_date(last_modified_ts)


__all__ = [
    "ByteRange",
    "CHUNK_SIZE",
    "RangeSpec",
    "S3StoredFile",
    "StoredFile",
    "UNSATISFIABLE",
    "coalesce_ranges",
    "guess_content_type",
    "parse_range_header",
    "ranged_file_response",
    "resolve_ranges",
    "select_range",
    "strong_etag",
]
