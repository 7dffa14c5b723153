"""Copy cataloguing (issue 8, item 6): a member library takes another member's record from the union
catalogue into its own catalogue instead of cataloguing the book again.

The copy is a new local CatalogueRecord of the copying library: the source's MARC 21 record with
- 001 a control number of its own ("HLC" + 8 digits, the new row's key) and 003 the copying
  library's MARC organisation code (repository.marc.build.organization_code);
- 035 System Control Number $a "(SOURCE 003)SOURCE 001", the source record's number prefixed by
  the code of the organisation that assigned it (MARC 21 035: "(OCoLC)814782"); when the source
  has no 003 the code of its library stands in, and a source without 001 gets no 035;
- 005 the time of copying, leader/05 "n" (new), 040 $d the copying library (modifying agency);
- no holdings: the source's items (852 Location, Koha's 952) are its library's copies, not ours.

Copying only happens within a network: from a record held by a library of the target's network
(local, or harvested by it), never the target's own local record. Anything else raises CopyRefused.
"""

import uuid

from django.db import transaction
from django.utils import timezone
from pymarc import Field, Indicators, Subfield

from ..marc.build import organization_code
from ..models import CatalogueRecord, CatalogueSource
from ..search.tasks import reindex_catalogue_records_task
from . import records as marc
from .errors import CatalogueError
from .importing import prepare_record, save_record

COPY_CONTROL_NUMBER_PREFIX = "HLC"
COPY_CONTROL_NUMBER_DIGITS = 8
TAG_LATEST_TRANSACTION = "005"
TAG_SYSTEM_CONTROL_NUMBER = "035"
TAG_CATALOGING_SOURCE = "040"
HOLDINGS_TAGS = (marc.TAG_LOCATION, marc.TAG_KOHA_ITEMS)
RECORD_STATUS_NEW = "n"


class CopyRefused(CatalogueError):
    """The record may not be copied into that library (another network, its own record, deleted)."""


def copy_control_number(pk):
    """001 of a copied record whose CatalogueRecord pk is `pk`: "HLC" + 8 digits, e.g. HLC00000042."""
    return f"{COPY_CONTROL_NUMBER_PREFIX}{int(pk):0{COPY_CONTROL_NUMBER_DIGITS}d}"


def source_system_number(source):
    """The 035 $a naming CatalogueRecord `source`: "(003)001" (MARC 21 035, organisation code in
    parentheses before the number), 003 falling back to the organisation code of its library; ""
    when the source has no 001."""
    if not source.control_number:
        return ""
    code = source.control_number_identifier or organization_code(source.library.code)
    return f"({code}){source.control_number}"


def check_copy_allowed(source, library):
    """Raise CopyRefused unless CatalogueRecord `source` may be copied into Library `library`: the
    source is active, held by a library of `library`'s network, and not `library`'s own local record."""
    if source.deleted:
        raise CopyRefused("the record is deleted")
    if library.network_id is None or source.library.network_id != library.network_id:
        raise CopyRefused("the record is not in the library's union catalogue")
    if source.library_id == library.pk and source.source == CatalogueSource.LOCAL:
        raise CopyRefused("the record is already the library's own")


def copied_marc(source, organization, control_number, now=None):
    """The pymarc.Record of a copy of CatalogueRecord `source` made by `organization` (MARC code),
    with 001 `control_number` (see the module docstring for what changes)."""
    record = source.as_pymarc()
    now = timezone.localtime(now or timezone.now())
    number = source_system_number(source)
    record.remove_fields(marc.TAG_CONTROL_NUMBER, marc.TAG_CONTROL_NUMBER_IDENTIFIER, TAG_LATEST_TRANSACTION,
                         *HOLDINGS_TAGS)
    leader = str(record.leader)
    status = marc.LEADER_RECORD_STATUS
    record.leader = leader[:status] + RECORD_STATUS_NEW + leader[status + 1:]
    record.add_ordered_field(Field(tag=marc.TAG_CONTROL_NUMBER, data=control_number))
    record.add_ordered_field(Field(tag=marc.TAG_CONTROL_NUMBER_IDENTIFIER, data=organization))
    record.add_ordered_field(Field(tag=TAG_LATEST_TRANSACTION, data=now.strftime("%Y%m%d%H%M%S.0")))
    existing = {value for field in record.get_fields(TAG_SYSTEM_CONTROL_NUMBER)
                for value in field.get_subfields("a")}
    if number and number not in existing:
        record.add_ordered_field(Field(tag=TAG_SYSTEM_CONTROL_NUMBER, indicators=Indicators(" ", " "),
                                       subfields=[Subfield("a", number)]))
    for field in record.get_fields(TAG_CATALOGING_SOURCE)[:1]:
        if organization not in field.get_subfields("d"):
            field.add_subfield("d", organization)
    return record


@transaction.atomic
def copy_record(source, library, now=None):
    """Copy CatalogueRecord `source` into Library `library`'s catalogue: a new local CatalogueRecord
    (returned), no holdings, queued for search indexing once committed.

    Raises CopyRefused (check_copy_allowed), MarcRecordError when the copy cannot be kept (no title)."""
    check_copy_allowed(source, library)
    organization = organization_code(library.code)
    pending = f"{COPY_CONTROL_NUMBER_PREFIX}-{uuid.uuid4().hex[:12]}"
    _outcome, pk = save_record(library, prepare_record(copied_marc(source, organization, pending, now)),
                               existing=None)
    record = CatalogueRecord.objects.get(pk=pk)
    prepared = prepare_record(copied_marc(source, organization, copy_control_number(pk), now))
    save_record(library, prepared, existing=record)
    transaction.on_commit(lambda: reindex_catalogue_records_task.enqueue([pk]))
    return CatalogueRecord.objects.get(pk=pk)
