"""The Hoclieu domain: libraries, subject groups, materials, review, MARC, search and streaming."""
