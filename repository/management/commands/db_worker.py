"""manage.py db_worker: django-tasks-db's worker, with the media pipeline's lease reaper.

Everything of django_tasks_db's `db_worker` (its options, its loop) is kept. Before the loop starts,
derivatives left running by a worker that died are returned to pending and queued again
(repository.pipeline.reap_expired_leases); while it runs, a background thread does the same every
HOCLIEU_REAP_INTERVAL seconds, so a surviving worker takes over the work of a dead one. At the same
times it sends repository.signals.worker_tick, for periodic work of other apps (exchange queues the
OAI-PMH harvests that are due).
"""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from repository.pipeline import reap_expired_leases
from repository.signals import worker_tick

logger = logging.getLogger("hoclieu.pipeline")


def reap_once():
    """Run the reaper once in this thread; log, never raise. Returns the number of derivatives queued."""
    close_old_connections()
    try:
        return len(reap_expired_leases())
    except Exception:  # a database hiccup must not stop the worker
        logger.exception("lease reaper failed")
        return 0
    finally:
        connections.close_all()


def tick_once():
    """Send worker_tick once in this thread; a receiver's exception is logged, never raised."""
    close_old_connections()
    try:
        for receiver, result in worker_tick.send_robust(sender=Command):
            if isinstance(result, Exception):
                logger.error("worker_tick receiver %r failed", receiver, exc_info=result)
    finally:
        connections.close_all()


class Command(DatabaseWorkerCommand):
    help = DatabaseWorkerCommand.help + " (Hoclieu: also returns expired media-pipeline leases to the queue)"

    def handle(self, *args, **options):
        requeued = reap_once()
        if requeued and options.get("verbosity", 1):
            self.stdout.write(f"Đã đưa lại {requeued} việc xử lí bị bỏ dở vào hàng đợi.")
        tick_once()
        stop = threading.Event()

        def reap_periodically():
            while not stop.wait(settings.HOCLIEU_REAP_INTERVAL):
                reap_once()
                tick_once()

        reaper = threading.Thread(target=reap_periodically, name="hoclieu-lease-reaper", daemon=True)
        reaper.start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
