"""The print catalogue inside Hoclieu: MARC 21 records of a library's print collection.

- `records`: plain functions over pymarc records (NFC, ISBN-13, display columns, holdings);
- `importing`: reading ISO 2709 (UTF-8 or MARC-8) and MARCXML files record by record, and the
  import into CatalogueRecord/Holding (`manage.py import_marc`);
- `matching`: a material's print twin, by ISBN or by normalised title and author;
- `copying`: copy cataloguing from the union catalogue of a network (the source kept in 035);
- `quality`: the hub's quality-control rules over the network's records, the stored check and the
  XLSX report.
"""
