"""MARCXML of the provider is pymarc's MARCXML, element for element."""

from lxml import etree
from pymarc import Field, Indicators, Record, Subfield, record_to_xml

from exchange.metadata import marcxml_element


def test_marcxml_element_matches_pymarc():
    record = Record()
    record.add_field(Field(tag="001", data="HL00000001"))
    record.add_field(Field(tag="245", indicators=Indicators("1", "0"),
                           subfields=[Subfield("a", "Phân số <&> /"), Subfield("c", "Nguyễn Thị Lan.")]))
    record.add_field(Field(tag="650", indicators=Indicators(" ", "4"), subfields=[Subfield("a", "Toán")]))
    expected = etree.tostring(etree.fromstring(record_to_xml(record, namespace=True)), method="c14n")
    assert etree.tostring(marcxml_element(record), method="c14n") == expected
