"""A file's own title: the one its metadata declares, else one made from its name.

- PDF: the document information dictionary's ``/Title`` (ISO 32000-1 §14.3.3), read with pypdfium2
  (PDFium) from the file object; the XMP packet is not read.
- DOCX / PPTX: ``dc:title`` of the core properties part ``docProps/core.xml`` (ECMA-376 Part 2,
  §11 Core Properties), read from the ZIP with lxml, without loading the document.
- Other formats declare no title read here.

A title made from a file name (`title_from_name`) drops the directory and the extension and turns
underscores and dashes into spaces: ``Ke_hoach-bai_day.final.pdf`` -> ``Ke hoach bai day.final``.
Titles are returned NFC-normalised, spaces collapsed.
"""

import re
import unicodedata
import zipfile
from pathlib import PurePath

import pypdfium2
from lxml import etree

from .detect import DOCX, PDF, PPTX

CORE_PROPERTIES = "docProps/core.xml"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
# Titles that office programs and PDF printers write on their own, which say nothing of the content.
MEANINGLESS_TITLES = frozenset({"", "untitled", "document", "presentation", "powerpoint presentation",
                                "slide 1", "microsoft word", "tiêu đề"})
# A title that is a bare file name ("10811.exe", "baigiang.pptx"), as some PDF printers write it.
FILE_NAME_LIKE = re.compile(r"^\S+\.[A-Za-z0-9]{1,4}$")
# Largest core-properties part read (a real one is a few KiB).
MAX_CORE_PROPERTIES_BYTES = 1024 * 1024


def _tidy(text):
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def title_from_name(name):
    """A title from file name `name` (str): no directory, no extension, ``_`` and ``-`` as spaces,
    spaces collapsed, NFC. Returns "" for an empty name."""
    stem = PurePath(name or "").name
    if "." in stem.lstrip("."):
        stem = stem.rsplit(".", 1)[0]
    return _tidy(re.sub(r"[_\-]+", " ", stem))


def _pdf_title(fileobj):
    try:
        document = pypdfium2.PdfDocument(fileobj)
    except pypdfium2.PdfiumError:
        return ""
    try:
        return document.get_metadata_value("Title") or ""
    finally:
        document.close()


def _ooxml_title(fileobj):
    try:
        with zipfile.ZipFile(fileobj) as package:
            info = package.getinfo(CORE_PROPERTIES)
            if info.file_size > MAX_CORE_PROPERTIES_BYTES:
                return ""
            root = etree.fromstring(package.read(info), parser=etree.XMLParser(resolve_entities=False,
                                                                              no_network=True))
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, OSError):
        return ""
    element = root.find(DC_TITLE)
    return element.text if element is not None and element.text else ""


def embedded_title(fileobj, fmt):
    """The title `fileobj` (a seekable binary file object, position restored) declares in its
    metadata, for format `fmt` (a media_pipeline.detect constant), or "" when it declares none, an
    empty or meaningless one (MEANINGLESS_TITLES, e.g. "Untitled", or a bare file name such as
    "10811.exe"), or cannot be read; a title written as a file name stem ("ke_hoach_bai_day") is
    cleaned as `title_from_name` does. Never raises
    for a damaged file: the pipeline reports that later with its reason."""
    if fmt not in (PDF, DOCX, PPTX):
        return ""
    position = fileobj.tell()
    try:
        fileobj.seek(0)
        title = _tidy(_pdf_title(fileobj) if fmt == PDF else _ooxml_title(fileobj))
    finally:
        fileobj.seek(position)
    if title.casefold() in MEANINGLESS_TITLES or FILE_NAME_LIKE.match(title):
        return ""
    if not any(character.isspace() for character in title) and "_" in title:
        return title_from_name(title + ".")  # a file name given as the title: cleaned like one
    return title


def file_title(fileobj, name, fmt):
    """The title to propose for a file: `embedded_title(fileobj, fmt)`, else `title_from_name(name)`."""
    return embedded_title(fileobj, fmt) or title_from_name(name)
