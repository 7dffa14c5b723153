"""Signals the repository sends for other apps to act on, without the repository knowing them.

- `worker_tick`: sent by `manage.py db_worker` when it starts and every HOCLIEU_REAP_INTERVAL seconds
  after (from its reaper thread, with `sender` the command class). Receivers do periodic work
  that belongs to the background worker, such as queueing harvests that are due (exchange); they
  must be quick (queue a task rather than do the work) and must not raise: the worker logs a
  receiver's exception and goes on.
- `material_file_summary_changed`: sent by the media pipeline (repository.pipeline.summarise) after it
  saved a MaterialFile's summary in which what the summary says of the file changed
  (pipeline.DESCRIPTION_FIELDS: its media kind, the probe's findings such as the page count and
  duration, the time of its last finished processing step), with `sender` MaterialFile,
  `material_file` the saved instance and `changed` the frozenset of the changed field names. The
  MARC record of a material using the file says these (300, 347, 005), so receivers that publish
  records of materials act on it, such as the OAI-PMH provider giving them a new datestamp
  (exchange). Sent in the pipeline's transaction; a receiver's exception propagates.
"""

from django.dispatch import Signal

worker_tick = Signal()
material_file_summary_changed = Signal()
