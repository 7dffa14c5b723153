"""Signal receivers of the repository app, connected from RepositoryConfig.ready()."""


def register_signal_handlers():
    """Connect the receivers (media pipeline on upload, search index on publish)."""
