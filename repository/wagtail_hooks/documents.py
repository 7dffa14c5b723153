"""Wagtail hooks: documents."""
