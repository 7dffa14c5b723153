"""Derivatives of stored files: text, thumbnails, audio probe and streaming renditions.

Knows nothing of the domain: every function takes a path on disk and returns plain data.
"""
