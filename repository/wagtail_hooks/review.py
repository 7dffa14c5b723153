"""Wagtail hooks: review."""
