"""Wagtail hooks: pipeline."""
