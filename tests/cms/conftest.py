"""Fixtures of the site's tests."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def restore_language():
    """Requests activate a language in this thread; give the next test the one it had."""
    before = translation.get_language()
    yield
    if before:
        translation.activate(before)
    else:
        translation.deactivate()
