"""The OAI-PMH 2.0 protocol (https://www.openarchives.org/OAI/openarchivesprotocol.html) over OaiRecord.

`respond(arguments, audience, base_url)` answers one request: the six verbs (§4), their arguments
and every error condition that applies (§3.6: badArgument, badResumptionToken, badVerb,
cannotDisseminateFormat, idDoesNotExist, noMetadataFormats, noRecordsMatch; noSetHierarchy never,
since sets are supported), as an lxml `<OAI-PMH>` document.

- Datestamps are UTC at seconds granularity (`YYYY-MM-DDThh:mm:ssZ`, §3.3.1); `from`/`until` may be
  given at day granularity too (both the same), `until` of a day meaning its last second.
- Sets (§4.6): `library:<code>`, `type:<material type>`, `subject:<subject>`; setName in Vietnamese.
- Lists are paged by key (§3.5): a resumption token holds the original arguments, the audience and
  the last (datestamp, row id) sent, signed (django.core.signing) so it cannot be altered; the next
  page is `(datestamp, id) > last` in the order of the (audience, datestamp, id) index, so a page deep
  in the list costs what the first does. completeListSize is counted once, on the first page, and
  carried in the token, with the cursor; a token expires after settings.HOCLIEU_OAI_TOKEN_LIFETIME
  seconds (expirationDate).
- Deleted records (tombstones) are headers with status="deleted" and no metadata (§2.5.1); so is a
  record whose material the audience may no longer see (the table lagging behind a change made
  without signals), in every verb.
- A record whose metadata cannot be built (repository.marc.MarcError, logged with its reason) is left
  out of ListRecords, whose page goes on with the next records (§4.5: one or more records a page; a
  resumptionToken only when a servable record follows it, §3.5; noRecordsMatch when none remains),
  and GetRecord answers cannotDisseminateFormat for it (§3.6: the format is not available for the
  item). ListIdentifiers builds no metadata: it lists such a record's header.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Min, Q
from django.utils import translation
from django.utils.translation import gettext as _
from lxml import etree

from repository.choices import MaterialType, Subject
from repository.marc import MarcError

from .metadata import METADATA_FORMATS, METADATA_LANGUAGE, XSI, build_metadata
from .models import OaiRecord, oai_identifier
from .permissions import audience_materials

logger = logging.getLogger("hoclieu.oai")

OAI_NAMESPACE = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_IDENTIFIER_NAMESPACE = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_IDENTIFIER_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
PROTOCOL_VERSION = "2.0"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
SECONDS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DAY_FORMAT = "%Y-%m-%d"
TOKEN_SALT = "exchange.oai.resumptionToken"
EARLIEST_WHEN_EMPTY = datetime(2000, 1, 1, tzinfo=UTC)

VERB_IDENTIFY = "Identify"
VERB_LIST_METADATA_FORMATS = "ListMetadataFormats"
VERB_LIST_SETS = "ListSets"
VERB_LIST_IDENTIFIERS = "ListIdentifiers"
VERB_LIST_RECORDS = "ListRecords"
VERB_GET_RECORD = "GetRecord"
# verb: (required arguments, optional arguments, exclusive argument)
VERBS = {
    VERB_IDENTIFY: ((), (), None),
    VERB_LIST_METADATA_FORMATS: ((), ("identifier",), None),
    VERB_LIST_SETS: ((), (), "resumptionToken"),
    VERB_LIST_IDENTIFIERS: (("metadataPrefix",), ("from", "until", "set"), "resumptionToken"),
    VERB_LIST_RECORDS: (("metadataPrefix",), ("from", "until", "set"), "resumptionToken"),
    VERB_GET_RECORD: (("identifier", "metadataPrefix"), (), None),
}
SET_KINDS = {"library": "library_code", "type": "material_type", "subject": "subject"}


class OaiError(Exception):
    """An OAI-PMH error condition (§3.6): `code` is the error code, the message its text."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def format_datestamp(moment):
    """`moment` (aware datetime) as an OAI-PMH UTC datestamp at seconds granularity (str)."""
    return moment.astimezone(UTC).strftime(SECONDS_FORMAT)


def parse_datestamp(value, end_of_day=False):
    """(aware UTC datetime, granularity "day" or "seconds") of an OAI-PMH `from`/`until` value.

    A day means its first second, or its last with `end_of_day`. Raises OaiError(badArgument) for any
    other form.
    """
    for fmt, granularity in ((SECONDS_FORMAT, "seconds"), (DAY_FORMAT, "day")):
        try:
            moment = datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        if granularity == "day" and end_of_day:
            moment += timedelta(days=1, seconds=-1)
        return moment, granularity
    raise OaiError("badArgument", f"Bad datestamp {value!r}: use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.")


def page_size():
    """Records (or headers) per page of a list response: settings.HOCLIEU_OAI_PAGE_SIZE."""
    return max(1, int(settings.HOCLIEU_OAI_PAGE_SIZE))


class Response:
    """An `<OAI-PMH>` document under construction (lxml)."""

    def __init__(self, base_url, arguments, now):
        self.root = etree.Element(f"{{{OAI_NAMESPACE}}}OAI-PMH", nsmap={None: OAI_NAMESPACE, "xsi": XSI})
        self.root.set(f"{{{XSI}}}schemaLocation", f"{OAI_NAMESPACE} {OAI_SCHEMA}")
        self.sub(self.root, "responseDate", format_datestamp(now))
        self.request = self.sub(self.root, "request", base_url)
        self.arguments = arguments

    @staticmethod
    def sub(parent, name, text=None, **attributes):
        attributes = {key: str(value) for key, value in attributes.items()}
        element = etree.SubElement(parent, f"{{{OAI_NAMESPACE}}}{name}", attributes)
        if text is not None:
            element.text = str(text)
        return element

    def echo_arguments(self):
        """§3.2: the request's arguments as attributes of <request>, except after badVerb/badArgument."""
        for name, value in self.arguments.items():
            self.request.set(name, value)

    def error(self, error):
        self.sub(self.root, "error", str(error), code=error.code)

    def bytes(self):
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8")


def read_arguments(query):
    """{name: value} of a request's arguments (`query`: a Django QueryDict), checked against §3.1.

    Raises OaiError: badVerb for a missing, repeated or unknown verb; badArgument for a repeated
    argument, an argument the verb does not take, a missing required one, or an exclusive argument
    given with others.
    """
    verbs = query.getlist("verb")
    if len(verbs) != 1 or verbs[0] not in VERBS:
        raise OaiError("badVerb", "Missing, repeated or illegal verb.")
    verb = verbs[0]
    required, optional, exclusive = VERBS[verb]
    arguments = {}
    for name in query:
        values = query.getlist(name)
        if len(values) != 1:
            raise OaiError("badArgument", f"Argument {name} is repeated.")
        if name == "verb":
            continue
        if name not in required + optional + ((exclusive,) if exclusive else ()):
            raise OaiError("badArgument", f"Illegal argument {name} for {verb}.")
        arguments[name] = values[0]
    if exclusive and exclusive in arguments:
        if len(arguments) > 1:
            raise OaiError("badArgument", f"{exclusive} is an exclusive argument.")
        return verb, arguments
    missing = [name for name in required if not arguments.get(name)]
    if missing:
        raise OaiError("badArgument", f"Missing required argument: {', '.join(missing)}.")
    return verb, arguments


def respond(query, audience, base_url, now):
    """The response (bytes, an `<OAI-PMH>` document in UTF-8) to the request whose arguments are in the
    QueryDict `query`, for harvester `audience` (exchange.permissions.request_audience), at `base_url`
    (the provider's absolute URL) and time `now` (aware datetime)."""
    plain = {name: query.get(name) for name in query}
    response = Response(base_url, plain, now)
    try:
        verb, arguments = read_arguments(query)
    except OaiError as error:
        response.error(error)
        return response.bytes()
    response.echo_arguments()
    handler = HANDLERS[verb]
    try:
        with translation.override(METADATA_LANGUAGE):
            handler(response, arguments, audience, base_url, now)
    except OaiError as error:
        # The verb's element may be half built: drop it, an error response has only <error>s.
        for child in response.root[2:]:
            response.root.remove(child)
        if error.code == "badArgument":  # §3.2: no arguments echoed after badVerb or badArgument
            response.request.attrib.clear()
        response.error(error)
    return response.bytes()


# --- the verbs ---------------------------------------------------------------------------------


def _earliest(audience):
    earliest = OaiRecord.objects.filter(audience=audience).aggregate(Min("datestamp"))["datestamp__min"]
    return earliest or EARLIEST_WHEN_EMPTY


def identify(response, arguments, audience, base_url, now):
    """§4.2 Identify, with an oai-identifier description (the identifier syntax of the records)."""
    element = response.sub(response.root, VERB_IDENTIFY)
    response.sub(element, "repositoryName", settings.HOCLIEU_OAI_REPOSITORY_NAME)
    response.sub(element, "baseURL", base_url)
    response.sub(element, "protocolVersion", PROTOCOL_VERSION)
    for email in settings.HOCLIEU_OAI_ADMIN_EMAILS:
        response.sub(element, "adminEmail", email)
    response.sub(element, "earliestDatestamp", format_datestamp(_earliest(audience)))
    response.sub(element, "deletedRecord", "persistent")
    response.sub(element, "granularity", GRANULARITY)
    description = response.sub(element, "description")
    ident = etree.SubElement(
        description, f"{{{OAI_IDENTIFIER_NAMESPACE}}}oai-identifier", nsmap={None: OAI_IDENTIFIER_NAMESPACE}
    )
    ident.set(f"{{{XSI}}}schemaLocation", f"{OAI_IDENTIFIER_NAMESPACE} {OAI_IDENTIFIER_SCHEMA}")
    for name, text in (
        ("scheme", "oai"), ("repositoryIdentifier", settings.HOCLIEU_OAI_REPOSITORY_IDENTIFIER),
        ("delimiter", ":"), ("sampleIdentifier", oai_identifier(1)),
    ):
        etree.SubElement(ident, f"{{{OAI_IDENTIFIER_NAMESPACE}}}{name}").text = text


def _page_id_of(identifier):
    """The material page id (int) an OAI identifier names, or None when it is not one of ours."""
    prefix = f"oai:{settings.HOCLIEU_OAI_REPOSITORY_IDENTIFIER}:material/"
    if not identifier.startswith(prefix):
        return None
    rest = identifier[len(prefix):]
    return int(rest) if rest.isdigit() and len(rest) < 12 else None


def _record_row(identifier, audience):
    """The OaiRecord of `identifier` for `audience`; raises OaiError(idDoesNotExist) when there is
    none, so an identifier the audience never saw is answered as one that does not exist."""
    page_id = _page_id_of(identifier)
    row = None if page_id is None else OaiRecord.objects.filter(page_id=page_id, audience=audience).first()
    if row is None:
        raise OaiError("idDoesNotExist", f"No record {identifier}.")
    return row


def list_metadata_formats(response, arguments, audience, base_url, now):
    """§4.4 ListMetadataFormats: all formats, or those of one item (none for a tombstone:
    noMetadataFormats, since a deleted record is disseminated in no format)."""
    if "identifier" in arguments:
        row = _record_row(arguments["identifier"], audience)
        if row.deleted:
            raise OaiError("noMetadataFormats", f"{row.identifier} is deleted: no metadata formats.")
    element = response.sub(response.root, VERB_LIST_METADATA_FORMATS)
    for prefix, (schema, namespace) in METADATA_FORMATS.items():
        fmt = response.sub(element, "metadataFormat")
        response.sub(fmt, "metadataPrefix", prefix)
        response.sub(fmt, "schema", schema)
        response.sub(fmt, "metadataNamespace", namespace)


def _set_name(kind, value, library_names):
    if kind == "library":
        return _("Thư viện %(name)s") % {"name": library_names.get(value, value)}
    if kind == "type":
        return _("Loại học liệu: %(label)s") % {"label": _choice_label(MaterialType, value)}
    return _("Môn học: %(label)s") % {"label": _choice_label(Subject, value)}


def _choice_label(choices, value):
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def list_sets(response, arguments, audience, base_url, now):
    """§4.6 ListSets: the sets holding at least one of the audience's records (so no set tells of a
    material the audience never saw). Never paged: a resumptionToken is always bad."""
    from repository.models import Library

    if "resumptionToken" in arguments:
        raise OaiError("badResumptionToken", "ListSets is not paged.")
    rows = OaiRecord.objects.filter(audience=audience)
    library_names = dict(Library.objects.values_list("code", "name"))
    element = response.sub(response.root, VERB_LIST_SETS)
    for kind, column in SET_KINDS.items():
        values = rows.exclude(**{column: ""}).order_by(column).values_list(column, flat=True).distinct()
        for value in values:
            item = response.sub(element, "set")
            response.sub(item, "setSpec", f"{kind}:{value}")
            response.sub(item, "setName", _set_name(kind, value, library_names))


def _check_prefix(prefix):
    if prefix not in METADATA_FORMATS:
        raise OaiError("cannotDisseminateFormat", f"Unknown metadataPrefix {prefix!r}.")


def _header(response, parent, row):
    header = response.sub(parent, "header", **({"status": "deleted"} if row.deleted else {}))
    response.sub(header, "identifier", row.identifier)
    response.sub(header, "datestamp", format_datestamp(row.datestamp))
    for spec in row.set_specs:
        response.sub(header, "setSpec", spec)
    return header


def _visible_pages(rows, audience, load=True):
    """{page id: MaterialPage} of the live rows' materials that `audience` may still harvest now;
    without `load`, {page id: page id} (one query on the ids, for headers that need no metadata)."""
    ids = [row.page_id for row in rows if not row.deleted]
    if not ids:
        return {}
    visible = audience_materials(audience).filter(pk__in=ids)
    if not load:
        return {pk: pk for pk in visible.values_list("pk", flat=True)}
    pages = visible.select_related("file", "library__network").prefetch_related("tagged_items__tag")
    return {page.pk: page for page in pages}


def _servable(row, page, prefix, base_url, build=True):
    """(row, metadata element or None) as `row` is served, or None when its metadata cannot be built.

    `page` is the row's MaterialPage from `_visible_pages` (its id when not loaded), None when the
    audience may no longer see it (the table lags behind a change made without signals): the row is
    then given as deleted, never with metadata. With `build`, a live row's metadata is built in
    format `prefix` (page loaded); a repository.marc.MarcError (a material that cannot be described,
    e.g. under no site) is logged with its reason and the row is not servable in that format: OAI-PMH
    2.0 §2.5 has no record without metadata but a deleted one. Any other exception is a bug and
    propagates.
    """
    if not row.deleted and page is None:
        logger.warning("OAI record %s (%s) has no visible material; served as deleted", row.identifier,
                       row.audience)
        row.deleted = True
    if row.deleted or not build:
        return row, None
    try:
        return row, build_metadata(page, prefix, base_url=base_url)
    except MarcError as error:
        logger.error("OAI record %s (%s): %s metadata not built, record left out: %s", row.identifier,
                     row.audience, prefix, error)
        return None


def _record(response, parent, row, metadata):
    """One <record>: header, and metadata unless the row is deleted."""
    record = response.sub(parent, "record")
    _header(response, record, row)
    if not row.deleted:
        response.sub(record, "metadata").append(metadata)


def get_record(response, arguments, audience, base_url, now):
    """§4.1 GetRecord. A record whose metadata cannot be built in the requested format (`_servable`)
    is answered cannotDisseminateFormat (§3.6: "the metadata format ... is not supported by the
    item"): the response holds a record with its metadata or an error, never a live header alone."""
    prefix = arguments["metadataPrefix"]
    _check_prefix(prefix)
    row = _record_row(arguments["identifier"], audience)
    pages = _visible_pages([row], audience)
    served = _servable(row, pages.get(row.page_id), prefix, base_url)
    if served is None:
        raise OaiError("cannotDisseminateFormat", f"{row.identifier} cannot be disseminated in {prefix} now.")
    _record(response, response.sub(response.root, VERB_GET_RECORD), *served)


def issue_token(state):
    """The resumption token (str) of a list's next page: `state` signed with a timestamp."""
    return signing.dumps(state, salt=TOKEN_SALT, compress=True)


def read_token(token, audience):
    """The state (dict) of resumption token `token`; raises OaiError(badResumptionToken) when it was
    altered, has expired (settings.HOCLIEU_OAI_TOKEN_LIFETIME) or was issued to another audience."""
    try:
        state = signing.loads(token, salt=TOKEN_SALT, max_age=settings.HOCLIEU_OAI_TOKEN_LIFETIME)
    except signing.BadSignature:
        raise OaiError("badResumptionToken", "Invalid or expired resumptionToken.") from None
    if not isinstance(state, dict) or state.get("audience") != audience:
        raise OaiError("badResumptionToken", "Invalid resumptionToken.")
    return state


def _list_query(audience, arguments):
    """The OaiRecords (QuerySet) a list request selects, before paging; checks from/until/set."""
    rows = OaiRecord.objects.filter(audience=audience)
    granularities = set()
    if arguments.get("from"):
        moment, granularity = parse_datestamp(arguments["from"])
        rows = rows.filter(datestamp__gte=moment)
        granularities.add(granularity)
    if arguments.get("until"):
        moment, granularity = parse_datestamp(arguments["until"], end_of_day=True)
        rows = rows.filter(datestamp__lte=moment)
        granularities.add(granularity)
    if len(granularities) > 1:
        raise OaiError("badArgument", "from and until must have the same granularity.")
    if arguments.get("from") and arguments.get("until"):
        if parse_datestamp(arguments["from"])[0] > parse_datestamp(arguments["until"])[0]:
            raise OaiError("badArgument", "from is later than until.")
    if "set" in arguments:
        kind, _colon, value = arguments["set"].partition(":")
        if kind not in SET_KINDS or not value:
            raise OaiError("noRecordsMatch", f"No set {arguments['set']!r}.")
        rows = rows.filter(**{SET_KINDS[kind]: value})
    return rows


def _page(rows, audience, prefix, base_url, size, build):
    """One page of a list: ([(row, metadata or None)], more), at most `size` entries from `rows` (the
    list's QuerySet from the page's start key) in (datestamp, id) order, and whether a servable row
    follows them.

    Rows are read by key in chunks of size + 1 and served as `_servable` says (`build`: ListRecords
    builds each live row's metadata; ListIdentifiers builds none). Rows that cannot be served are
    skipped and the next read, so a page holds records while any remain (§4.5: ListRecords has one
    or more records), and `more` is true only when the row after the page can be served: a
    resumptionToken never leads to an empty page (§3.5).
    """
    entries = []
    while True:
        chunk = list(rows.order_by("datestamp", "id")[: size + 1])
        pages = _visible_pages(chunk, audience, load=build)
        for row in chunk:
            served = _servable(row, pages.get(row.page_id), prefix, base_url, build=build)
            if served is None:
                continue
            if len(entries) == size:
                return entries, True
            entries.append(served)
        if len(chunk) <= size:
            return entries, False
        last = chunk[-1]
        rows = rows.filter(datestamp__gte=last.datestamp).filter(
            Q(datestamp__gt=last.datestamp) | Q(id__gt=last.pk))


def _list(response, arguments, audience, base_url, now, verb):
    """§4.3 ListIdentifiers and §4.5 ListRecords, paged by key (see the module docstring)."""
    if "resumptionToken" in arguments:
        state = read_token(arguments["resumptionToken"], audience)
        original = state["arguments"]
    else:
        state, original = None, arguments
    prefix = original["metadataPrefix"]
    _check_prefix(prefix)
    rows = _list_query(audience, original)
    if state is None:
        complete_size = rows.count()
        cursor = 0
    else:
        complete_size, cursor = state["size"], state["cursor"]
        last = datetime.fromtimestamp(state["last"][0], tz=UTC)
        rows = rows.filter(datestamp__gte=last).filter(Q(datestamp__gt=last) | Q(id__gt=state["last"][1]))
    size = page_size()
    entries, more = _page(rows, audience, prefix, base_url, size, build=verb == VERB_LIST_RECORDS)
    if not entries:
        if state is None:
            raise OaiError("noRecordsMatch", "No records match the request.")
        raise OaiError("badResumptionToken", "The list this resumptionToken continues has no more records.")
    element = response.sub(response.root, verb)
    for row, metadata in entries:
        if verb == VERB_LIST_RECORDS:
            _record(response, element, row, metadata)
        else:
            _header(response, element, row)
    if state is None and not more:
        return
    attributes = {"completeListSize": max(complete_size, cursor + len(entries)), "cursor": cursor}
    token = ""
    if more:
        expires = now + timedelta(seconds=settings.HOCLIEU_OAI_TOKEN_LIFETIME)
        attributes["expirationDate"] = format_datestamp(expires)
        last = entries[-1][0]
        token = issue_token({
            "audience": audience, "arguments": original, "size": complete_size,
            "cursor": cursor + len(entries), "last": [int(last.datestamp.timestamp()), last.pk],
        })
    response.sub(element, "resumptionToken", token or None, **attributes)


def list_identifiers(response, arguments, audience, base_url, now):
    _list(response, arguments, audience, base_url, now, VERB_LIST_IDENTIFIERS)


def list_records(response, arguments, audience, base_url, now):
    _list(response, arguments, audience, base_url, now, VERB_LIST_RECORDS)


HANDLERS = {
    VERB_IDENTIFY: identify,
    VERB_LIST_METADATA_FORMATS: list_metadata_formats,
    VERB_LIST_SETS: list_sets,
    VERB_LIST_IDENTIFIERS: list_identifiers,
    VERB_LIST_RECORDS: list_records,
    VERB_GET_RECORD: get_record,
}
