"""Export the MARC records of all published materials, for the library system (ILS) to import.

The export is the library's own: it holds every published material, school-only ones included,
because the ILS is the library's catalogue of its whole collection (DESIGN.md "the rules").
Access to each material stays with Hoclieu (506 says who may read it; 856 leads to the page,
which checks repository.access).
"""

from .build import build_record
from .errors import MarcError
from .write import write_iso2709, write_marcxml

FORMAT_ISO2709 = "iso2709"
FORMAT_MARCXML = "marcxml"
WRITERS = {FORMAT_ISO2709: write_iso2709, FORMAT_MARCXML: write_marcxml}


class UnknownLibrary(MarcError):
    """No library has the code given to the export."""


def published_materials(library_code=None):
    """Live MaterialPages ordered by id, optionally of the library with code `library_code`.

    Raises UnknownLibrary if no library has that code.
    """
    from ..models import Library, MaterialPage

    materials = MaterialPage.objects.live().order_by("pk").select_related("file", "library__network")
    if library_code:
        if not Library.objects.filter(code=library_code).exists():
            raise UnknownLibrary(f"Không có thư viện mã {library_code}.")
        materials = materials.filter(library__code=library_code)
    return materials.prefetch_related("tagged_items__tag")


def export_records(stream, fmt=FORMAT_ISO2709, library_code=None, base_url=None):
    """Write the records of published_materials(library_code) to the binary `stream` in `fmt`.

    Records are built one at a time, so memory does not grow with the collection.
    Returns the number of records written. Raises ValueError for an unknown `fmt`, UnknownLibrary,
    and the MarcError of a record that cannot be built or written.
    """
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise ValueError(f"Định dạng không hỗ trợ: {fmt} (chọn {', '.join(WRITERS)}).") from None
    materials = published_materials(library_code)
    records = (build_record(page, base_url=base_url) for page in materials.iterator(chunk_size=200))
    return writer(records, stream)
