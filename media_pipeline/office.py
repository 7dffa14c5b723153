"""DOCX and PPTX text with python-docx and python-pptx.

- DOCX: the body's paragraphs and tables in document order (tables row by row, cells separated by
  a tab), then headers and footers. A DOCX has no fixed pages (they exist only when laid out), so
  `page_count` is None and `page_texts` empty.
- PPTX: per slide, the text of every shape (groups walked, tables row by row) then the speaker
  notes; `page_count` is the number of slides and `page_texts[i]` the text of slide i+1.

Text is NFC-normalised like the PDF text (see media_pipeline.pdf).
"""

import unicodedata
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from .errors import EmptyFile, OfficeCorrupt


@dataclass
class OfficeText:
    """`full_text` of the document; for PPTX also `page_count` slides and `page_texts` per slide."""

    full_text: str
    page_count: int | None = None
    page_texts: list[str] | None = None


def _clean(text):
    return unicodedata.normalize("NFC", text).strip()


def _table_lines(table):
    """Rows of a python-docx or python-pptx table as tab-separated lines (merged cells once)."""
    lines = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if not cells or cells[-1] != text:  # a horizontally merged cell repeats itself
                cells.append(text)
        line = "\t".join(cells).strip()
        if line:
            lines.append(line)
    return lines


def _open(loader, path, label):
    """Open `path` with python-docx/pptx `loader`; damage of any kind becomes OfficeCorrupt naming the
    kind of error (not the server path the libraries put in their messages)."""
    with open(path, "rb") as fileobj:
        if not fileobj.read(1):
            raise EmptyFile()
    try:
        return loader(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, ParseError, OSError) as error:
        raise OfficeCorrupt(format=label, detail=type(error).__name__) from error
    except Exception as error:  # python-docx/pptx raise their own PackageNotFoundError etc.
        raise OfficeCorrupt(format=label, detail=type(error).__name__) from error


def extract_docx(path):
    """Text of the DOCX at `path` as OfficeText (page_count None). Raises EmptyFile, OfficeCorrupt."""
    import docx
    from docx.table import Table

    document = _open(docx.Document, path, "DOCX")
    lines = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_lines(block))
        elif block.text.strip():
            lines.append(block.text)
    for section in document.sections:
        for part in (section.header, section.footer):
            if part.is_linked_to_previous:
                continue
            lines.extend(p.text for p in part.paragraphs if p.text.strip())
    return OfficeText(full_text=_clean("\n".join(lines)))


def _shape_lines(shapes):
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    lines = []
    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            lines.extend(_shape_lines(shape.shapes))
        elif getattr(shape, "has_table", False) and shape.has_table:
            lines.extend(_table_lines(shape.table))
        elif shape.has_text_frame and shape.text_frame.text.strip():
            lines.append(shape.text_frame.text)
    return lines


def extract_pptx(path):
    """Text of the PPTX at `path`: OfficeText with page_count = slides, page_texts per slide
    (shapes, then speaker notes). Raises EmptyFile, OfficeCorrupt."""
    import pptx

    presentation = _open(pptx.Presentation, path, "PPTX")
    page_texts = []
    for slide in presentation.slides:
        lines = _shape_lines(slide.shapes)
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            if notes is not None and notes.text.strip():
                lines.append(notes.text)
        page_texts.append(_clean("\n".join(lines)))
    return OfficeText(
        full_text="\n\f\n".join(page_texts),
        page_count=len(page_texts),
        page_texts=page_texts,
    )
