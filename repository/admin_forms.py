"""Admin forms for libraries' people: the subject group (tổ chuyên môn) form.

Libraries and networks use plain model forms built by their viewsets (repository.wagtail_hooks.admin).
"""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .access import user_library_ids
from .choices import STAFF_ROLES, Role, Subject
from .models import Library, LibraryRoleGroup, SubjectGroup
from .review import set_members


def _user_label(user):
    return f"{user.get_full_name() or user.username} ({user.username})"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _user_label(obj)


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return _user_label(obj)


def _free_group(name):
    """A Wagtail group called `name` not yet bound to a subject group (suffixed "(2)", ... if taken)."""
    candidate, n = name, 1
    while True:
        group, _created = Group.objects.get_or_create(name=candidate)
        if not SubjectGroup.objects.filter(group=group).exists():
            return group
        n += 1
        candidate = f"{name} ({n})"


class SubjectGroupForm(WagtailAdminModelForm):
    """Create or edit a subject group: its library, name, subjects, leader and members.

    `for_user` (passed by Wagtail's generic views) limits the libraries to those the user is a
    librarian of (all for a superuser), and the people to staff (teacher, reviewer, principal,
    librarian) of those libraries. Saving makes the chosen members (and the leader) exactly the users
    of the group's own Wagtail group and gives them the library's reviewer role
    (repository.review.set_members). A new group gets its Wagtail group, named
    "<library code> – Tổ <name>", with admin access.

    Validation errors: a member or leader who is not staff of the chosen library; a subject already
    held by another group of the same library (the reviewer of a material must be unambiguous).
    """

    subjects = forms.MultipleChoiceField(
        label=_("Môn học"), choices=Subject.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("Tổ duyệt học liệu của các môn này trong thư viện."),
    )
    leader = StaffChoiceField(label=_("Tổ trưởng"), queryset=get_user_model().objects.none(), required=False)
    members = StaffMultipleChoiceField(
        label=_("Thành viên"), queryset=get_user_model().objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Giáo viên của thư viện duyệt học liệu cùng tổ trưởng."),
    )

    class Meta:
        model = SubjectGroup
        fields = ["library", "name", "subjects", "leader"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        libraries = Library.objects.all()
        if for_user is None:
            libraries = libraries.none()
        elif not for_user.is_superuser:
            libraries = libraries.filter(pk__in=user_library_ids(for_user, [Role.LIBRARIAN]))
        self.fields["library"].queryset = libraries
        staff = (
            get_user_model()
            .objects.filter(
                is_active=True,
                groups__library_role__library__in=libraries,
                groups__library_role__role__in=STAFF_ROLES,
            )
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        self.fields["leader"].queryset = staff
        self.fields["members"].queryset = staff
        if self.instance.pk:
            # Moving a group to another library would carry its members' reviewer role with it.
            self.fields["library"].disabled = True
            self.fields["members"].initial = list(self.instance.group.user_set.values_list("pk", flat=True))

    def clean(self):
        cleaned = super().clean()
        library = cleaned.get("library")
        if library is None:
            return cleaned
        staff_ids = set(
            LibraryRoleGroup.objects.filter(library=library, role__in=STAFF_ROLES).values_list(
                "group__user", flat=True
            )
        )
        people = {"leader": [cleaned["leader"]] if cleaned.get("leader") else [],
                  "members": list(cleaned.get("members") or [])}
        for field, users in people.items():
            outsiders = [user for user in users if user.pk not in staff_ids]
            if outsiders:
                self.add_error(
                    field,
                    _("Không phải cán bộ, giáo viên của %(library)s: %(names)s")
                    % {"library": library, "names": ", ".join(_user_label(u) for u in outsiders)},
                )
        subjects = cleaned.get("subjects") or []
        others = SubjectGroup.objects.filter(library=library).exclude(pk=self.instance.pk)
        for other in others:
            taken = sorted(set(other.subjects) & set(subjects))
            if taken:
                self.add_error(
                    "subjects",
                    _("Môn %(subjects)s đã thuộc tổ %(group)s.")
                    % {"subjects": ", ".join(str(Subject(s).label) for s in taken), "group": other.name},
                )
        return cleaned

    @transaction.atomic
    def save(self, commit=True):
        subject_group = super().save(commit=False)
        subject_group.subjects = list(self.cleaned_data["subjects"])
        name = f"{subject_group.library.code} – Tổ {subject_group.name}"
        if subject_group.group_id is None:
            subject_group.group = _free_group(name)
            subject_group.group.permissions.add(
                Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
            )
        elif "name" in self.changed_data and not Group.objects.filter(name=name).exists():
            subject_group.group.name = name
            subject_group.group.save(update_fields=["name"])
        subject_group.save()
        set_members(subject_group, self.cleaned_data.get("members") or [])
        return subject_group
