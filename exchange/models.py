"""The OAI-PMH record table and the harvesters' tokens.

OaiRecord holds one row per (material, audience) ever exposed through OAI-PMH 2.0
(https://www.openarchives.org/OAI/openarchivesprotocol.html). An audience is who harvests:

- `public`: any anonymous harvester, which sees what an anonymous reader of the site sees
  (published materials with access level public, repository.access);
- `network:<LibraryNetwork pk>`: a library of that network (liên thông), authenticated by its
  HarvesterToken, which sees its network's own shared materials: published materials of the
  network's libraries with access level public or group.

A row is never removed: when its material leaves the audience (unpublished, deleted, access
narrowed, moved out of the network) it becomes a tombstone (`deleted`, OAI-PMH §2.5.1 "persistent"),
and an identifier is only ever in the feed of an audience that once saw it.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

AUDIENCE_PUBLIC = "public"
NETWORK_AUDIENCE_PREFIX = "network:"


def network_audience(network_id):
    """The audience key (str) of LibraryNetwork `network_id`, e.g. "network:3"."""
    return f"{NETWORK_AUDIENCE_PREFIX}{int(network_id)}"


def oai_identifier(page_id):
    """The OAI identifier of material `page_id`: "oai:<repositoryIdentifier>:material/<page id>".

    Follows the oai-identifier syntax (OAI-PMH 2.0 guidelines for repository implementers,
    "Specification and XML Schema for the OAI Identifier Format"); the repository identifier is
    settings.HOCLIEU_OAI_REPOSITORY_IDENTIFIER, a domain name.
    """
    return f"oai:{settings.HOCLIEU_OAI_REPOSITORY_IDENTIFIER}:material/{int(page_id)}"


class OaiRecord(models.Model):
    """One material as one audience's harvester sees it: live or a tombstone.

    `datestamp` (UTC, whole seconds) changes whenever the record changes for that audience: published
    again, left or came back into the audience. The set columns (library code, material type,
    subject) keep the values of the last exposure, so a tombstone stays in the sets it was in.
    """

    page_id = models.PositiveIntegerField(_("mã trang học liệu"), db_index=True)
    audience = models.CharField(_("đối tượng thu thập"), max_length=40)
    datestamp = models.DateTimeField(_("dấu thời gian (UTC)"))
    deleted = models.BooleanField(_("đã xoá"), default=False)
    library = models.ForeignKey(
        "repository.Library", verbose_name=_("thư viện"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    library_code = models.CharField(_("mã thư viện"), max_length=32, blank=True)
    material_type = models.CharField(_("loại học liệu"), max_length=16, blank=True)
    subject = models.CharField(_("môn học"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("biểu ghi OAI-PMH")
        verbose_name_plural = _("biểu ghi OAI-PMH")
        constraints = [
            models.UniqueConstraint(fields=["page_id", "audience"], name="exchange_oairecord_page_audience"),
        ]
        indexes = [
            # Key paging of ListRecords/ListIdentifiers: WHERE audience = ? AND (datestamp, id) > (?, ?)
            # ORDER BY datestamp, id.
            models.Index(fields=["audience", "datestamp", "id"], name="exchange_oai_audience_key"),
        ]

    def __str__(self):
        return f"{self.identifier} ({self.audience}{', deleted' if self.deleted else ''})"

    @property
    def identifier(self):
        """The record's OAI identifier (str), see `oai_identifier`."""
        return oai_identifier(self.page_id)

    @property
    def set_specs(self):
        """The record's setSpecs (list of str): library:<code>, type:<material type>, subject:<subject>."""
        specs = []
        if self.library_code:
            specs.append(f"library:{self.library_code}")
        if self.material_type:
            specs.append(f"type:{self.material_type}")
        if self.subject:
            specs.append(f"subject:{self.subject}")
        return specs


def hash_token(token):
    """SHA-256 hex digest (str, 64 chars) of a harvester token (str)."""
    return hashlib.sha256(token.encode()).hexdigest()


class HarvesterTokenQuerySet(models.QuerySet):
    def resolve(self, token):
        """The active HarvesterToken whose secret is `token` (str), or None."""
        if not token:
            return None
        return self.filter(token_hash=hash_token(token), active=True).select_related("library").first()


class HarvesterToken(models.Model):
    """A library's secret for harvesting its network's group-level records (`Authorization: Bearer`).

    Why a bearer token per library, and not a user's login or HTTP Basic: harvesters are programs run
    by a library system (Koha, another Hoclieu), not people; every OAI-PMH client can send one extra
    header; a token names the library it belongs to, so its network is looked up at each request (a
    library that leaves the network loses access at once), and it is revoked alone without touching
    anyone's password. Only its SHA-256 is stored: the secret is 256 random bits (`secrets`), so a
    fast hash cannot be reversed, and a copy of the database gives no usable token. It is shown once,
    when created (`manage.py oai_token create`).
    """

    library = models.ForeignKey(
        "repository.Library", verbose_name=_("thư viện"), on_delete=models.CASCADE,
        related_name="harvester_tokens",
    )
    name = models.CharField(_("tên"), max_length=128, help_text=_("Ví dụ: Koha của thư viện đầu mối."))
    token_hash = models.CharField(_("SHA-256 của mã"), max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("còn hiệu lực"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True, editable=False)

    objects = HarvesterTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("mã thu thập OAI-PMH")
        verbose_name_plural = _("mã thu thập OAI-PMH")

    def __str__(self):
        return f"{self.library} – {self.name}"

    @classmethod
    def issue(cls, library, name):
        """Create a token for `library` named `name`; returns (HarvesterToken, secret str), the secret
        being the only copy of the token in clear."""
        secret = secrets.token_urlsafe(32)
        return cls.objects.create(library=library, name=name, token_hash=hash_token(secret)), secret
