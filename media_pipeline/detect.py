"""Content sniffing: which format a file really is, from its bytes (magic numbers), not its name.

Formats and the rule used for each:

- PDF: ``%PDF-`` within the first 1024 bytes (ISO 32000-1 §7.5.2 puts it first; readers such as
  Acrobat accept up to 1024 bytes of leading junk, so we do too).
- DOCX / PPTX: a ZIP (``PK\\x03\\x04``, APPNOTE 4.3.7) holding the OOXML main part: ``word/document.xml``
  or ``ppt/presentation.xml`` next to ``[Content_Types].xml`` (ECMA-376 Part 2, Open Packaging).
- MP3: an ID3v2 tag (``ID3``, id3.org ID3v2.3 §3.1, its size a 28-bit syncsafe integer) not followed
  by ``fLaC``, or an MPEG audio frame header (11-bit frame sync, valid version, layer, bit-rate and
  sample-rate indices, ISO/IEC 11172-3 §2.4.2.3). A file with an ID3 tag but no frame is still
  called MP3 here; decoding then fails with its own, clearer reason.
- ISO BMFF (an ``ftyp`` box first, ISO/IEC 14496-12 §4.3): MOV when the major brand is ``qt  ``
  (QuickTime File Format); otherwise MP4 video when the ``moov`` box (found by walking the top-level
  boxes, wherever it lies) has a track whose handler (``hdlr``, §8.4.3) is ``vide`` and whose sample
  entry (``stsd``, §8.5.2) is not a still image (``jpeg``, ``png ``: cover art, chapter pictures),
  else M4A / M4B (audio). A file whose ``moov`` cannot be read (truncated, or over MOOV_MAX_BYTES)
  is told by its major brand (``M4A ``, ``M4B ``, ``M4P ``: audio; others: video), and `detect`
  follows the file name's extension between the two.
- Office documents protected by a password: an OLE compound file (``D0 CF 11 E0 A1 B1 1A E1``,
  MS-CFB §2.2) holding the UTF-16 stream name ``EncryptedPackage`` (MS-OFFCRYPTO §2.3.4.4): not a
  format Hoclieu reads, but `detect` names it (OfficeEncrypted) rather than calling it unknown.
- WebM / MKV: an EBML header (``1A 45 DF A3``, RFC 8794 §8) whose DocType element (``42 82``) is
  ``webm`` or ``matroska`` (RFC 9559 §5.1).
- FLAC: ``fLaC`` (after an optional ID3 tag), https://xiph.org/flac/format.html.
- WAV: ``RIFF`` .... ``WAVE`` (Microsoft RIFF specification).
- TIFF: ``II*\\0`` or ``MM\\0*`` (TIFF 6.0 §2, byte order then 42), or BigTIFF's ``II+\\0`` / ``MM\\0+``.
- JPEG: SOI then a marker, ``FF D8 FF`` (ITU-T T.81 §B.1.1.3).
- PNG: the 8-byte signature ``89 50 4E 47 0D 0A 1A 0A`` (PNG 3rd edition §5.2).
  These three are checked before MP3, whose frame sync could match a JPEG's ``FF``s.

`sniff(fileobj)` works on any seekable binary file object (an upload in memory, a storage file),
`sniff_path(path)` on a path; `check_extension(name, fmt)` compares with the file name.
"""

import zipfile
from pathlib import PurePath

from .errors import ContentMismatch, EmptyFile, OfficeEncrypted, UnknownFormat

PDF = "pdf"
DOCX = "docx"
PPTX = "pptx"
MP3 = "mp3"
MP4_AUDIO = "m4a"
FLAC = "flac"
WAV = "wav"
TIFF = "tiff"
JPEG = "jpeg"
PNG = "png"
MP4_VIDEO = "mp4"
MOV = "mov"
WEBM = "webm"
MKV = "mkv"

DOCUMENT_FORMATS = frozenset({PDF, DOCX, PPTX})
AUDIO_FORMATS = frozenset({MP3, MP4_AUDIO, FLAC, WAV})
# Scanned page images: digitised materials (OCR makes them a searchable PDF).
IMAGE_FORMATS = frozenset({TIFF, JPEG, PNG})
# Video lessons: each gets an H.264/AAC MP4 rendition and a poster (media_pipeline.video).
VIDEO_FORMATS = frozenset({MP4_VIDEO, MOV, WEBM, MKV})

# File-name extensions (lower case, no dot) that each format may carry.
EXTENSIONS = {
    PDF: {"pdf"},
    DOCX: {"docx"},
    PPTX: {"pptx"},
    MP3: {"mp3"},
    MP4_AUDIO: {"m4a", "m4b", "mp4"},
    FLAC: {"flac"},
    WAV: {"wav"},
    TIFF: {"tif", "tiff"},
    JPEG: {"jpg", "jpeg"},
    PNG: {"png"},
    MP4_VIDEO: {"mp4", "m4v", "mov"},
    MOV: {"mov", "qt"},
    WEBM: {"webm"},
    MKV: {"mkv"},
}
# How a format is named to people in messages.
LABELS = {PDF: "PDF", DOCX: "DOCX", PPTX: "PPTX", MP3: "MP3", MP4_AUDIO: "M4A/M4B", FLAC: "FLAC", WAV: "WAV",
          TIFF: "TIFF", JPEG: "JPEG", PNG: "PNG", MP4_VIDEO: "MP4", MOV: "MOV", WEBM: "WebM", MKV: "MKV"}

HEAD_BYTES = 8192
# MS-CFB §2.2 compound file signature, and the stream of an encrypted OOXML package (MS-OFFCRYPTO).
CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE_NAME = "EncryptedPackage".encode("utf-16-le")
# The most bytes of a compound file searched for that stream name.
CFB_SEARCH_BYTES = 256 * 1024 * 1024
PDF_HEADER_WINDOW = 1024
MP3_SYNC_SEARCH = 4096
# The largest `moov` box read to find a video track (a two-hour film's is a few MiB).
MOOV_MAX_BYTES = 64 * 1024 * 1024
# ISO BMFF major brands of audio-only files (iTunes audio, audiobook, protected audio).
AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P "})
# Sample entries of a `vide` track that are still pictures, not video.
STILL_IMAGE_ENTRIES = frozenset({b"jpeg", b"png ", b"PNG "})
_ISO_BMFF_CONTAINERS = frozenset({b"trak", b"mdia", b"minf", b"stbl"})

# MPEG-1/2/2.5 Layer I-III bit rates in kb/s, indexed [version is MPEG-1][layer][index].
_MPEG_BITRATES = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MPEG_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def kind_of(fmt):
    """``"audio"`` for an audio format, ``"video"`` for a video, ``"image"`` for a page image, else
    the format itself (``"pdf"``, ``"docx"``, ``"pptx"``)."""
    if fmt in AUDIO_FORMATS:
        return "audio"
    if fmt in VIDEO_FORMATS:
        return "video"
    return "image" if fmt in IMAGE_FORMATS else fmt


def sniff_path(path):
    """Format of the file at `path` (one of the constants above); see `sniff`."""
    with open(path, "rb") as fileobj:
        return sniff(fileobj)


def sniff(fileobj):
    """Format of a seekable binary file object, from its content; the position is restored.

    Returns one of PDF, DOCX, PPTX, MP3, MP4_AUDIO, FLAC, WAV, TIFF, JPEG, PNG, MP4_VIDEO, MOV,
    WEBM, MKV. Raises EmptyFile for 0 bytes, UnknownFormat when no rule matches (param `extension`
    empty: the caller knows the name).
    """
    return _sniff(fileobj)[0]


def _sniff(fileobj):
    """(format, certain): `certain` False only for an ISO BMFF file told by its brand alone."""
    position = fileobj.tell()
    try:
        fileobj.seek(0)
        head = fileobj.read(HEAD_BYTES)
        if not head:
            raise EmptyFile()
        if head[4:8] == b"ftyp":
            fmt, certain = _sniff_iso_bmff(head, fileobj)
        else:
            fmt, certain = _sniff_head(head, fileobj), True
    finally:
        fileobj.seek(position)
    if fmt is None:
        raise UnknownFormat(extension="")
    return fmt, certain


def _sniff_head(head, fileobj):
    if b"%PDF-" in head[:PDF_HEADER_WINDOW]:
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _sniff_ooxml(fileobj)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _sniff_ebml(head)
    if head.startswith(b"fLaC"):
        return FLAC
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return TIFF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"ID3") and len(head) >= 10:
        size = _syncsafe(head[6:10]) + 10 + (10 if head[5] & 0x10 else 0)
        fileobj.seek(size)
        after_tag = fileobj.read(4)
        return FLAC if after_tag == b"fLaC" else MP3
    if _find_mpeg_frame(head[:MP3_SYNC_SEARCH]):
        return MP3
    return None


def _sniff_ooxml(fileobj):
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "ppt/presentation.xml" in names:
        return PPTX
    return None


def _sniff_ebml(head):
    """WEBM or MKV from the DocType of the EBML header at the start of `head`, or None."""
    index = head.find(b"\x42\x82", 4, 64)
    if index < 0 or not head[index + 2] & 0x80:
        return None
    length = head[index + 2] & 0x7F
    doc_type = head[index + 3:index + 3 + length].rstrip(b"\x00")
    return {b"webm": WEBM, b"matroska": MKV}.get(doc_type)


def _boxes(fileobj, start, end):
    """(type, payload offset, box end) of each ISO BMFF box from `start` to `end` (None: end of
    file) of `fileobj`; 64-bit sizes and size 0 ("to the end") handled; stops at a broken size."""
    offset = start
    while end is None or offset + 8 <= end:
        fileobj.seek(offset)
        header = fileobj.read(8)
        if len(header) < 8:
            return
        size, box_type = int.from_bytes(header[:4], "big"), header[4:8]
        payload = offset + 8
        if size == 1:
            large = fileobj.read(8)
            if len(large) < 8:
                return
            size, payload = int.from_bytes(large, "big"), offset + 16
        elif size == 0:
            fileobj.seek(0, 2)
            size = fileobj.tell() - offset
        if size < payload - offset:
            return
        yield box_type, payload, offset + size
        offset += size


def _sniff_iso_bmff(head, fileobj):
    """(MOV, MP4_VIDEO or MP4_AUDIO, certain) of an ISO BMFF file (see the module doc)."""
    brand = head[8:12]
    if brand == b"qt  ":
        return MOV, True
    for box_type, payload, end in _boxes(fileobj, 0, None):
        if box_type != b"moov":
            continue
        if end - payload > MOOV_MAX_BYTES:
            break
        fileobj.seek(payload)
        moov = fileobj.read(end - payload)
        if len(moov) < end - payload:
            break
        return (MP4_VIDEO if _has_video_track(moov) else MP4_AUDIO), True
    return (MP4_AUDIO if brand in AUDIO_BRANDS else MP4_VIDEO), False


def _has_video_track(moov):
    """True if the `moov` payload (bytes) has a `vide` track whose sample entry is not a still image."""
    import io

    data = io.BytesIO(moov)
    for box_type, payload, end in _boxes(data, 0, len(moov)):
        if box_type == b"trak":
            found = {}
            _track_facts(data, payload, end, found)
            if found.get("handler") == b"vide" and found.get("entry") not in STILL_IMAGE_ENTRIES:
                return True
    return False


def _track_facts(data, start, end, found):
    """Put the `hdlr` handler type and the first `stsd` sample entry's format of a track into `found`."""
    for box_type, payload, box_end in _boxes(data, start, end):
        if box_type in _ISO_BMFF_CONTAINERS:
            _track_facts(data, payload, box_end, found)
        elif box_type == b"hdlr" and box_end - payload >= 12:
            data.seek(payload + 8)  # version and flags, pre_defined
            found.setdefault("handler", data.read(4))
        elif box_type == b"stsd" and box_end - payload >= 16:
            data.seek(payload + 12)  # version and flags, entry_count, then the entry's size
            found.setdefault("entry", data.read(4))


def _syncsafe(four_bytes):
    """ID3v2 syncsafe integer: 4 bytes of 7 bits each (ID3v2.4 structure §6.2)."""
    value = 0
    for byte in four_bytes:
        value = (value << 7) | (byte & 0x7F)
    return value


def _mpeg_frame_length(header):
    """Length in bytes of the MPEG audio frame whose 4-byte header is `header`, or None if invalid."""
    if header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = (header[1] >> 3) & 0x03  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1: reserved
    layer = 4 - ((header[1] >> 1) & 0x03)  # 1..3; 4 means reserved (also ADTS AAC's "layer 0")
    bitrate_index = header[2] >> 4
    rate_index = (header[2] >> 2) & 0x03
    if version == 1 or layer == 4 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate = _MPEG_BITRATES[(mpeg1, layer)][bitrate_index] * 1000
    sample_rate = _MPEG_SAMPLE_RATES[version][rate_index]
    padding = (header[2] >> 1) & 0x01
    if layer == 1:
        return (12 * bitrate // sample_rate + padding) * 4
    if layer == 3 and not mpeg1:
        return 72 * bitrate // sample_rate + padding
    return 144 * bitrate // sample_rate + padding


def _find_mpeg_frame(data):
    """True if `data` holds an MPEG audio frame header followed by a second one where it says."""
    start = data.find(b"\xff")
    while 0 <= start <= len(data) - 4:
        length = _mpeg_frame_length(data[start:start + 4])
        if length:
            following = data[start + length:start + length + 4]
            if len(following) < 4 or _mpeg_frame_length(following):
                return True
        start = data.find(b"\xff", start + 1)
    return False


def extension_of(name):
    """Lower-case extension of a file name without the dot ('' when none)."""
    return PurePath(str(name)).suffix.lower().lstrip(".")


def is_encrypted_office(fileobj):
    """True if the seekable binary `fileobj` is an Office document protected by a password: an OLE
    compound file (MS-CFB) with an ``EncryptedPackage`` stream (MS-OFFCRYPTO), as Word and PowerPoint
    save a DOCX or PPTX with a password. The position is restored."""
    position = fileobj.tell()
    try:
        fileobj.seek(0)
        if fileobj.read(len(CFB_SIGNATURE)) != CFB_SIGNATURE:
            return False
        fileobj.seek(0)
        overlap, searched = b"", 0
        while searched < CFB_SEARCH_BYTES:
            chunk = fileobj.read(1024 * 1024)
            if not chunk:
                return False
            if ENCRYPTED_PACKAGE_NAME in overlap + chunk:
                return True
            overlap, searched = chunk[-len(ENCRYPTED_PACKAGE_NAME):], searched + len(chunk)
        return False
    finally:
        fileobj.seek(position)


def check_extension(name, fmt):
    """Raise ContentMismatch unless file name `name` has an extension allowed for format `fmt`.

    The message names both: the format found in the content and the extension of the name.
    """
    extension = extension_of(name)
    if extension not in EXTENSIONS[fmt]:
        raise ContentMismatch(detected=LABELS[fmt], extension=extension or "?")


def detect(fileobj, name):
    """Format of `fileobj` checked against file name `name`: sniff, then check_extension.

    Returns the format constant. Raises EmptyFile, OfficeEncrypted (a DOCX or PPTX saved with a
    password, `is_encrypted_office`), UnknownFormat (naming the extension) or ContentMismatch.
    """
    try:
        fmt, certain = _sniff(fileobj)
    except UnknownFormat:
        if is_encrypted_office(fileobj):
            label = {"docx": LABELS[DOCX], "pptx": LABELS[PPTX]}.get(extension_of(name), "Office")
            raise OfficeEncrypted(format=label) from None
        raise UnknownFormat(extension="." + (extension_of(name) or "?")) from None
    if not certain and fmt in (MP4_AUDIO, MP4_VIDEO):
        # An MP4 whose tracks could not be read (e.g. truncated before its moov): the name decides.
        other = MP4_VIDEO if fmt == MP4_AUDIO else MP4_AUDIO
        if extension_of(name) not in EXTENSIONS[fmt] and extension_of(name) in EXTENSIONS[other]:
            fmt = other
    check_extension(name, fmt)
    return fmt
