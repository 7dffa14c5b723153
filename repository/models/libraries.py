"""Libraries, the networks they share within (liên thông), their role groups and subject groups."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Collection, Page

from ..choices import STAFF_ROLES, ReviewChain, Role, Subject

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{1,31}$", _("Mã chỉ gồm chữ in hoa không dấu, chữ số và dấu gạch ngang.")
)


class LibraryNetwork(models.Model):
    """A group of school libraries that share records and materials (liên thông thư viện)."""

    name = models.CharField(_("tên"), max_length=255)
    code = models.CharField(_("mã"), max_length=32, unique=True, validators=[code_validator])
    hub = models.ForeignKey(
        "repository.Library", verbose_name=_("thư viện đầu mối"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="hub_of",
        help_text=_("Thư viện thành viên giữ mục lục liên hợp, kiểm soát chất lượng biểu ghi của các thành "
                    "viên, nhận danh sách đóng góp học liệu của họ mỗi học kì và theo dõi tiến độ."),
    )

    class Meta:
        verbose_name = _("liên thông thư viện")
        verbose_name_plural = _("liên thông thư viện")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        """The hub must be a member of this network (Library.network); raises ValidationError."""
        super().clean()
        if self.hub_id is not None and (self.pk is None or self.hub.network_id != self.pk):
            raise ValidationError({"hub": _("Thư viện đầu mối phải là thành viên của liên thông.")})


class LibraryQuerySet(models.QuerySet):
    def for_user(self, user, roles=None):
        """Libraries where `user` holds one of `roles` (default: any role), through their groups."""
        if not user.is_authenticated:
            return self.none()
        groups = LibraryRoleGroup.objects.filter(group__user=user)
        if roles is not None:
            groups = groups.filter(role__in=roles)
        return self.filter(pk__in=groups.values("library_id")).distinct()


class Library(models.Model):
    """A school library. Its people hold roles through one Wagtail group per role (LibraryRoleGroup)."""

    name = models.CharField(_("tên thư viện"), max_length=255)
    code = models.CharField(
        _("mã thư viện"),
        max_length=32,
        unique=True,
        validators=[code_validator],
        help_text=_("Dùng trong số kiểm soát MARC và tên nhóm, ví dụ THCS-NGUYENDU."),
    )
    district = models.CharField(_("quận/huyện"), max_length=128, blank=True)
    province = models.CharField(_("tỉnh/thành phố"), max_length=128, blank=True)
    network = models.ForeignKey(
        LibraryNetwork,
        verbose_name=_("liên thông"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="libraries",
    )

    review_chain = models.CharField(
        _("quy trình duyệt"), max_length=32, choices=ReviewChain.choices,
        default=ReviewChain.SUBJECT_GROUP,
        help_text=_("Học liệu của thư viện được tổ chuyên môn duyệt; "
                    "có thể thêm bước ban giám hiệu ký duyệt."),
    )

    contribution_quota = models.PositiveIntegerField(
        _("chỉ tiêu đóng góp mỗi học kì"), null=True, blank=True,
        help_text=_("Số học liệu điện tử thư viện cần đóng góp cho liên thông mỗi học kì; "
                    "để trống nếu không đặt chỉ tiêu."),
    )

    collection = models.OneToOneField(
        Collection, verbose_name=_("bộ sưu tập tệp"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="library",
        help_text=_("Bộ sưu tập Wagtail chứa tệp của thư viện; tạo khi thiết lập thư viện."),
    )

    objects = LibraryQuerySet.as_manager()

    class Meta:
        verbose_name = _("thư viện")
        verbose_name_plural = _("thư viện")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def role_group(self, role):
        """The auth Group holding `role` (a `Role` value) in this library.

        Raises LibraryRoleGroup.DoesNotExist until `repository.roles.setup_library` has run.
        """
        return LibraryRoleGroup.objects.get(library=self, role=role).group

    def has_member(self, user, roles=None):
        """True if `user` holds one of `roles` (default any role) in this library."""
        return Library.objects.for_user(user, roles).filter(pk=self.pk).exists()

    @property
    def principal_signs_off(self):
        """True when the library's chain ends with the principal's sign-off (ReviewChain)."""
        return self.review_chain == ReviewChain.SUBJECT_GROUP_PRINCIPAL

    def is_staff_member(self, user):
        return self.has_member(user, STAFF_ROLES)

    def file_collections(self):
        """QuerySet of this library's collection and the collections below it (none before set-up).

        Bound by the `collection` key, not by name, so renaming the library or its collection keeps
        its files and permissions where they are.
        """
        if self.collection_id is None:
            return Collection.objects.none()
        return Collection.objects.filter(path__startswith=self.collection.path)

    def owns_file(self, material_file):
        """True if `material_file` (a MaterialFile) is stored in one of `file_collections`: the only
        files a material of this library may hold."""
        return self.file_collections().filter(pk=material_file.collection_id).exists()


class LibraryRoleGroup(models.Model):
    """Binds one Wagtail group to one role in one library ("THCS-NGUYENDU – Giáo viên")."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="role_groups")
    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="library_role")

    class Meta:
        verbose_name = _("nhóm vai trò")
        verbose_name_plural = _("nhóm vai trò")
        constraints = [models.UniqueConstraint(fields=["library", "role"], name="unique_library_role")]

    def __str__(self):
        return f"{self.library.code} – {self.get_role_display()}"


class SubjectGroup(models.Model):
    """A subject group (tổ chuyên môn) of one library; it reviews materials of its subjects.

    Its members are the users of `group`, a Wagtail group of its own, so the review task can resolve
    reviewers per page (see SubjectGroupReviewTask).
    """

    library = models.ForeignKey(
        Library, verbose_name=_("thư viện"), on_delete=models.CASCADE, related_name="subject_groups"
    )
    name = models.CharField(_("tên tổ"), max_length=255)
    subjects = models.JSONField(
        _("môn học"), default=list, help_text=_("Mã các môn do tổ phụ trách, ví dụ [\"toan\", \"tin-hoc\"].")
    )
    group = models.OneToOneField(
        Group, verbose_name=_("nhóm Wagtail"), on_delete=models.PROTECT, related_name="subject_group"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tổ trưởng"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_subject_groups",
    )

    class Meta:
        verbose_name = _("tổ chuyên môn")
        verbose_name_plural = _("tổ chuyên môn")
        ordering = ["library", "name"]
        constraints = [models.UniqueConstraint(fields=["library", "name"], name="unique_subject_group_name")]

    def __str__(self):
        return f"{self.name} ({self.library.code})"

    @property
    def members(self):
        """QuerySet of the users in this subject group."""
        return self.group.user_set.all()

    def subject_labels(self):
        return [Subject(s).label if s in Subject.values else s for s in self.subjects]

    @classmethod
    def for_subject(cls, library, subject):
        """The subject group of `library` in charge of `subject` (a `Subject` code), or None."""
        for subject_group in cls.objects.filter(library=library).select_related("group"):
            if subject in subject_group.subjects:
                return subject_group
        return None


class LibraryIndexPage(Page):
    """The root of one library's subtree; its materials are its children."""

    library = models.OneToOneField(
        Library, verbose_name=_("thư viện"), on_delete=models.PROTECT, related_name="index_page"
    )
    intro = RichTextField(_("giới thiệu"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("library"), FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["repository.MaterialPage"]

    class Meta:
        verbose_name = _("trang thư viện")
        verbose_name_plural = _("trang thư viện")

    def get_context(self, request, *args, **kwargs):
        from ..access import visible_materials

        context = super().get_context(request, *args, **kwargs)
        context["materials"] = (
            visible_materials(request.user).child_of(self).order_by("-first_published_at")[:50]
        )
        return context
