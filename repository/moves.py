"""A material moved into another library's subtree moves to that library, with its file.

`MaterialPage.library` is copied from the parent page when a material is created, so that access,
search, MARC and streaming need no tree walk. When Wagtail moves the page (the admin's move view and
bulk move, `page.move(...)`: all go through wagtail.actions.move_page.MovePageAction), the receivers
here keep it true:

- before the move (`pre_page_move`): a move into another library is refused (MaterialMoveRefused,
  a ValidationError) when a file the material holds (its page's, or its latest revision's: a new
  version in review) is also used by another material. A material may only hold a file of its own
  library (repository.permissions.file_belongs_to_library), so the file must go with the material,
  and it cannot while the other material still uses it. The admin says so before the move is
  confirmed, and a bulk move moves nothing (repository.wagtail_hooks.moves);
- after the move (`post_page_move`), in one transaction: the material's `library`, the `library`
  recorded in its revisions (drafts, revisions in review and scheduled ones are rebuilt from them,
  and would otherwise bring the old library back), and the collection of its files, versions
  included (moved to the new library's collection), are updated with queryset updates, so no save
  signal re-runs the media pipeline; the search index gets the page again once the transaction
  commits (the haystack signal processor's own `reindex_materials`, as for a publication).

A material is copied (or aliased) only within its library: the copy would hold the original's file,
of the original's library (`copy_problem`, applied by the admin's copy view; `page.copy()` in code
is not guarded).

Wagtail's page permissions keep staff within their own library's subtree, so a move across
libraries is a superuser's act, or that of someone with roles in both libraries.
"""

import logging

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Revision

logger = logging.getLogger("hoclieu.moves")


class MaterialMoveRefused(ValidationError):
    """A material cannot move into another library (its file is shared); the message says why."""


def _models():
    return (
        apps.get_model("repository", "MaterialPage"),
        apps.get_model("repository", "MaterialFile"),
        apps.get_model("repository", "Library"),
    )


def library_id_of_parent(parent):
    """The Library pk that materials under page `parent` belong to (its LibraryIndexPage's), or None."""
    if parent is None:
        return None
    return getattr(parent.specific_deferred, "library_id", None)


def _is_material(model):
    material_page = apps.get_model("repository", "MaterialPage")
    return isinstance(model, type) and issubclass(model, material_page)


def _file_is_in_library(material_file, library_id):
    library = apps.get_model("repository", "Library").objects.filter(pk=library_id).first()
    return library is not None and library.owns_file(material_file)


def _revision_file_ids(page_id):
    """{revision pk: file pk or None} of MaterialPage `page_id`'s revisions."""
    return {
        pk: (content or {}).get("file") if isinstance(content, dict) else None
        for pk, content in Revision.page_revisions.filter(object_id=str(page_id)).values_list("pk", "content")
    }


def material_file_ids(page_id):
    """(held, history): pks of the files MaterialPage `page_id` holds (its page row's and its latest
    revision's: a new version waiting for review) and of the files only its older revisions name."""
    material_page, _material_file, _library = _models()
    row = material_page.objects.filter(pk=page_id).values("file_id", "latest_revision_id").first()
    if row is None:
        return set(), set()
    by_revision = _revision_file_ids(page_id)
    held = {row["file_id"], by_revision.get(row["latest_revision_id"])} - {None}
    history = set(by_revision.values()) - held - {None}
    return held, history


def other_materials_using(file_id, page_id):
    """QuerySet of the MaterialPages other than `page_id` that hold MaterialFile `file_id` or name it
    in one of their revisions."""
    material_page, _material_file, _library = _models()
    ids = set(material_page.objects.filter(file_id=file_id).exclude(pk=page_id).values_list("pk", flat=True))
    revisions = Revision.page_revisions.filter(content__file=file_id).exclude(object_id=str(page_id))
    ids |= {int(object_id) for object_id in revisions.values_list("object_id", flat=True)}
    return material_page.objects.filter(pk__in=ids)


def move_problem(page, destination):
    """Why MaterialPage `page` may not move under page `destination`, as a sentence, or None.

    A material moving into another library takes the files it holds along (into the new library's
    collection): it cannot while another material also uses one of them.
    """
    material_page, material_file, library = _models()
    page = page.specific_deferred
    if not isinstance(page, material_page):
        return None
    new_library_id = library_id_of_parent(destination)
    if new_library_id is None or new_library_id == page.library_id:
        return None
    held, _history = material_file_ids(page.pk)
    for file in material_file.objects.filter(pk__in=held).order_by("pk"):
        if _file_is_in_library(file, new_library_id):
            continue
        others = other_materials_using(file.pk, page.pk)
        if others.exists():
            titles = ", ".join(f"“{title}”" for title in others.values_list("title", flat=True)[:3])
            return _(
                "Không chuyển được “%(title)s” sang %(library)s: tệp “%(file)s” của học liệu còn được "
                "học liệu khác dùng (%(others)s). Học liệu chỉ được dùng tệp của thư viện mình, nên tệp "
                "phải chuyển theo; hãy tải tệp lên riêng cho một trong các học liệu rồi chuyển lại."
            ) % {
                "title": page.title,
                "library": library.objects.get(pk=new_library_id),
                "file": file.title,
                "others": titles,
            }
    return None


def copy_problem(page, destination):
    """Why MaterialPage `page` may not be copied (or aliased) under page `destination`, or None.

    A copy would keep the original's file, which belongs to the original's library, so a material is
    copied only within its own library.
    """
    material_page, _material_file, library = _models()
    page = page.specific_deferred
    if not isinstance(page, material_page) or destination is None:
        return None
    new_library_id = library_id_of_parent(destination)
    if new_library_id is None or new_library_id == page.library_id:
        return None
    return _(
        "Không sao chép được “%(title)s” sang %(library)s: bản sao sẽ dùng tệp của thư viện khác. Hãy "
        "tạo học liệu mới ở %(library)s và tải tệp lên đó, hoặc chuyển hẳn học liệu sang."
    ) % {"title": page.title, "library": library.objects.get(pk=new_library_id)}


def refuse_move_of_shared_file(sender, instance, parent_page_after, **kwargs):
    """pre_page_move: raise MaterialMoveRefused when `move_problem` finds one (before anything moves)."""
    if not _is_material(sender):
        return
    problem = move_problem(instance, parent_page_after)
    if problem:
        raise MaterialMoveRefused(problem, code="shared_file")


def follow_library_on_move(sender, instance, parent_page_after, **kwargs):
    """post_page_move: the moved material belongs to its new parent's library (see `move_to_library`)."""
    if not _is_material(sender):
        return
    library_id = library_id_of_parent(parent_page_after)
    if library_id is not None:
        move_to_library(instance.pk, library_id)


def move_to_library(page_id, library_id):
    """Make MaterialPage `page_id` a material of Library `library_id`, with its files and revisions.

    In one transaction, with queryset updates (no save signal, so the media pipeline does not run
    again): the page's `library`; the `library` stored in each of its revisions; the collection of
    every file it holds or its revisions name (its versions), moved to the library's collection
    unless already in one of that library's collections. A file another material also uses stays
    where it is (`move_problem` refuses the move before it happens when the material holds it; an
    old version is left behind, and logged). The search index gets the page again once the
    transaction commits. Returns True when something changed.
    """
    from .roles import library_collection

    material_page, material_file, library = _models()
    with transaction.atomic():
        row = material_page.objects.filter(pk=page_id).values("library_id").first()
        if row is None:
            return False
        changed = False
        if row["library_id"] != library_id:
            material_page.objects.filter(pk=page_id).update(library_id=library_id)
            changed = True
        revisions = Revision.page_revisions.filter(object_id=str(page_id))
        for pk, content in revisions.values_list("pk", "content"):
            if isinstance(content, dict) and content.get("library") != library_id:
                Revision.objects.filter(pk=pk).update(content={**content, "library": library_id})
                changed = True
        held, history = material_file_ids(page_id)
        target = None
        for file in material_file.objects.filter(pk__in=held | history).order_by("pk"):
            if _file_is_in_library(file, library_id):
                continue
            if other_materials_using(file.pk, page_id).exists():
                logger.warning("Tệp %s của học liệu %s còn được học liệu khác dùng; không chuyển tệp.",
                               file.pk, page_id)
                continue
            target = target or library_collection(library.objects.get(pk=library_id))
            material_file.objects.filter(pk=file.pk).update(collection=target)
            changed = True
        if changed:
            logger.info("Học liệu %s chuyển sang thư viện %s.", page_id, library_id)
            transaction.on_commit(lambda: reindex_materials([page_id]))
    return changed


def reindex_materials(page_ids):
    """Re-index MaterialPages `page_ids` through the haystack signal processor of the settings
    (repository.search.signals.MaterialSignalProcessor.reindex_materials): a live page gets its
    document again, with its new library and network; a draft is left out or removed."""
    processor = apps.get_app_config("haystack").signal_processor
    reindex = getattr(processor, "reindex_materials", None)
    if reindex is not None:
        reindex(list(page_ids))


def register_move_handlers():
    """Connect the receivers above (called once from repository.signal_handlers)."""
    from wagtail.signals import post_page_move, pre_page_move

    pre_page_move.connect(refuse_move_of_shared_file, dispatch_uid="hoclieu_material_pre_move")
    post_page_move.connect(follow_library_on_move, dispatch_uid="hoclieu_material_post_move")
