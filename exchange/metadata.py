"""The metadata formats of the provider: oai_dc (Dublin Core) and MARCXML (as `marc21` and `marcxml`).

- `oai_dc` (OAI-PMH 2.0 §6.2, schema http://www.openarchives.org/OAI/2.0/oai_dc.xsd): the fifteen
  Dublin Core elements (DCMI Metadata Terms, unqualified), filled from the material: title; creator
  per line of `creators`; subject (the school subject, then the keywords); description (summary,
  lesson); publisher (the library); date (first publication, W3CDTF YYYY-MM-DD); type (the material
  type in Vietnamese and the DCMI Type Vocabulary term); format (the file's MIME type); identifier
  (the material's page URL); language (ISO 639-2/B code, as in MARC 008/35-37); rights (licence label
  and URL, rights holder).
- `marc21` and `marcxml`: the MARC 21 bibliographic record of repository.marc.build_record in the
  MARC 21 slim schema (namespace http://www.loc.gov/MARC21/slim), the same record the ILS export
  writes. Koha's harvester asks for `marcxml`; other harvesters for `marc21`.
"""

from django.utils import timezone, translation
from lxml import etree

from repository.choices import RIGHTS_URLS, MaterialType, Rights, Subject
from repository.marc import MARCXML_NAMESPACE, build_record, material_url

XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_NAMESPACE = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NAMESPACE = "http://purl.org/dc/elements/1.1/"
MARCXML_SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"

PREFIX_OAI_DC = "oai_dc"
PREFIX_MARC21 = "marc21"
PREFIX_MARCXML = "marcxml"
METADATA_FORMATS = {
    # metadataPrefix: (schema, metadataNamespace)
    PREFIX_OAI_DC: (OAI_DC_SCHEMA, OAI_DC_NAMESPACE),
    PREFIX_MARC21: (MARCXML_SCHEMA, MARCXML_NAMESPACE),
    PREFIX_MARCXML: (MARCXML_SCHEMA, MARCXML_NAMESPACE),
}
METADATA_LANGUAGE = "vi"  # labels in the records are Vietnamese whatever the harvester's language

# DCMI Type Vocabulary (https://www.dublincore.org/specifications/dublin-core/dcmi-type-vocabulary/)
DCMI_TYPES = {
    MaterialType.LESSON_PLAN: "Text",
    MaterialType.SLIDES: "Text",
    MaterialType.DIGITISED: "Text",
    MaterialType.AUDIOBOOK: "Sound",
    MaterialType.VIDEO: "MovingImage",
}


def _label(choices, value):
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def as_oai_dc(page, base_url=None):
    """The `<oai_dc:dc>` element (lxml) of MaterialPage `page`; see the module docstring for the mapping.

    `base_url` ("https://host") is the host of dc:identifier. Raises repository.marc.MarcBuildError
    for a page under no Site.
    """
    with translation.override(METADATA_LANGUAGE):
        dc = etree.Element(
            f"{{{OAI_DC_NAMESPACE}}}dc", nsmap={"oai_dc": OAI_DC_NAMESPACE, "dc": DC_NAMESPACE, "xsi": XSI}
        )
        dc.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC_NAMESPACE} {OAI_DC_SCHEMA}")

        def add(name, value):
            value = " ".join(str(value or "").split())
            if value:
                etree.SubElement(dc, f"{{{DC_NAMESPACE}}}{name}").text = value

        add("title", page.title)
        for creator in (page.creators or "").splitlines():
            add("creator", creator)
        add("subject", _label(Subject, page.subject))
        for tag in page.keywords.all():
            add("subject", tag.name)
        add("description", page.summary)
        add("description", page.lesson)
        if page.library_id:
            add("publisher", page.library.name)
        if page.first_published_at:
            add("date", timezone.localtime(page.first_published_at).date().isoformat())
        add("type", _label(MaterialType, page.material_type))
        add("type", DCMI_TYPES.get(page.material_type, ""))
        if page.file_id and page.file.content_type:
            add("format", page.file.content_type)
        add("identifier", material_url(page, base_url=base_url))
        add("language", page.language)
        add("rights", _label(Rights, page.rights))
        add("rights", RIGHTS_URLS.get(page.rights, ""))
        add("rights", page.rights_holder)
    return dc


def marcxml_element(record):
    """The MARC 21 slim `<record>` element (lxml) of a pymarc Record: leader, controlfields, datafields
    with their subfields, in the record's order (MARCXML schema, http://www.loc.gov/MARC21/slim).

    The same document as pymarc.record_to_xml(record, namespace=True), built in lxml directly: that
    one is written by xml.etree and would be serialised and parsed again to join an lxml response,
    which took a third of a ListRecords page (benchmarks/bench_oai.py).
    """
    root = etree.Element(f"{{{MARCXML_NAMESPACE}}}record", nsmap={None: MARCXML_NAMESPACE, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{MARCXML_NAMESPACE} {MARCXML_SCHEMA}")
    etree.SubElement(root, f"{{{MARCXML_NAMESPACE}}}leader").text = str(record.leader)
    for field in record:
        if field.control_field:
            element = etree.SubElement(root, f"{{{MARCXML_NAMESPACE}}}controlfield", tag=field.tag)
            element.text = field.data
            continue
        element = etree.SubElement(
            root, f"{{{MARCXML_NAMESPACE}}}datafield",
            tag=field.tag, ind1=field.indicators.first, ind2=field.indicators.second,
        )
        for subfield in field.subfields:
            item = etree.SubElement(element, f"{{{MARCXML_NAMESPACE}}}subfield", code=subfield.code)
            item.text = subfield.value
    return root


def as_marcxml(page, base_url=None):
    """The MARC 21 slim `<record>` element (lxml) of MaterialPage `page` (repository.marc.build_record).

    Raises repository.marc.MarcBuildError when the record cannot be built.
    """
    return marcxml_element(build_record(page, base_url=base_url))


BUILDERS = {PREFIX_OAI_DC: as_oai_dc, PREFIX_MARC21: as_marcxml, PREFIX_MARCXML: as_marcxml}


def build_metadata(page, prefix, base_url=None):
    """The metadata element (lxml) of `page` in format `prefix` (a key of METADATA_FORMATS)."""
    return BUILDERS[prefix](page, base_url=base_url)
