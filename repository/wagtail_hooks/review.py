"""Wagtail hooks: review (subject-group review workflow).

The review e-mail receiver belongs in RepositoryConfig.ready() through
repository.signal_handlers.register_signal_handlers(); connecting it here too keeps the admin's
submissions notified until then (the connection is idempotent: it has a dispatch_uid).
"""

from ..review import register_signal_handlers

register_signal_handlers()
