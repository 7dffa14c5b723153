"""MARC 21 bibliographic records of Hoclieu's materials: build, write (ISO 2709, MARCXML), export.

    from repository.marc import build_record, as_iso2709, as_marcxml
    record = build_record(page)              # pymarc.Record
    data = as_iso2709([record])              # bytes, application/marc
    xml = as_marcxml([record])               # bytes, application/marc+xml
"""

from .build import build_deleted_record, build_record, control_number, material_url, organization_code
from .errors import MarcBuildError, MarcError, MarcRecordTooLong
from .export import (
    FORMAT_ISO2709,
    FORMAT_MARCXML,
    UnknownLibrary,
    export_records,
    iter_records,
    published_materials,
)
from .write import (
    MARCXML_NAMESPACE,
    MIME_ISO2709,
    MIME_MARCXML,
    as_iso2709,
    as_marcxml,
    write_iso2709,
    write_marcxml,
)

__all__ = [
    "FORMAT_ISO2709",
    "FORMAT_MARCXML",
    "MARCXML_NAMESPACE",
    "MIME_ISO2709",
    "MIME_MARCXML",
    "MarcBuildError",
    "MarcError",
    "MarcRecordTooLong",
    "UnknownLibrary",
    "as_iso2709",
    "as_marcxml",
    "build_deleted_record",
    "build_record",
    "control_number",
    "export_records",
    "iter_records",
    "material_url",
    "organization_code",
    "published_materials",
    "write_iso2709",
    "write_marcxml",
]
