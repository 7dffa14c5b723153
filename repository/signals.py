"""Signals the repository sends for other apps to act on, without the repository knowing them.

- `worker_tick`: sent by `manage.py db_worker` when it starts and every HOCLIEU_REAP_INTERVAL seconds
  after (from its reaper thread, with `sender` the command class). Receivers do periodic work
  that belongs to the background worker, such as queueing harvests that are due (exchange); they
  must be quick (queue a task rather than do the work) and must not raise: the worker logs a
  receiver's exception and goes on.
"""

from django.dispatch import Signal

worker_tick = Signal()
