"""Signal receivers of the repository app, connected from RepositoryConfig.ready()."""

from django.db.models.signals import post_save, pre_save


def record_material_file_upload(sender, instance, raw=False, update_fields=None, **kwargs):
    """pre_save of MaterialFile: a new original gets its size, SHA-256 and a pending status.

    Skipped for raw fixture loads and for saves limited to fields other than `file` (the pipeline's
    own saves); a save that changes only metadata leaves the processing results alone.
    """
    from .pipeline import file_changed, record_new_file

    if raw or (update_fields is not None and "file" not in update_fields):
        return
    if file_changed(instance):
        record_new_file(instance)
        instance._hoclieu_process_after_save = True


def enqueue_material_file_processing(sender, instance, raw=False, **kwargs):
    """post_save of MaterialFile: queue processing of a new original when the transaction commits."""
    from .pipeline import enqueue_processing

    if raw or not instance.__dict__.pop("_hoclieu_process_after_save", False):
        return
    enqueue_processing(instance.pk)


def refresh_material_transcript(sender, instance, raw=False, **kwargs):
    """post_save of MaterialPage (created, published): its file's transcript is made again once the
    transaction commits when its parameters (the material's transcript language) changed
    (repository.pipeline.refresh_transcript). Skipped for raw fixture loads."""
    from .pipeline import refresh_transcript

    if not raw and instance.file_id:
        refresh_transcript(instance.file)


def register_signal_handlers():
    """Connect the receivers: media pipeline on upload, review notifications on submission, approved
    files kept immutable and their approvals recorded (repository.versions).

    The search index keeps itself current through haystack's signal processor
    (repository.search.signals, named in settings.HAYSTACK_SIGNAL_PROCESSOR).
    """
    from .models import MaterialFile, MaterialPage
    from .moves import register_move_handlers
    from .review import register_signal_handlers as register_review_signal_handlers
    from .signatures import register_signal_handlers as register_signature_signal_handlers
    from .versions import register_signal_handlers as register_version_signal_handlers

    register_review_signal_handlers()
    # Before the pipeline's pre_save: an approved file's bytes never change in place (repository.versions).
    register_version_signal_handlers()
    register_move_handlers()
    # Final approval of a lesson plan or slides signs its PDF (repository.signatures).
    register_signature_signal_handlers()

    pre_save.connect(
        record_material_file_upload, sender=MaterialFile, dispatch_uid="hoclieu_material_file_pre_save"
    )
    post_save.connect(
        enqueue_material_file_processing, sender=MaterialFile, dispatch_uid="hoclieu_material_file_post_save"
    )
    post_save.connect(
        refresh_material_transcript, sender=MaterialPage, dispatch_uid="hoclieu_material_transcript_language"
    )
