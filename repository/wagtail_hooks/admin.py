"""Wagtail hooks: admin."""
