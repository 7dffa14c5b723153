"""Errors of the MARC package, under one root (as pymarc does with PymarcException)."""


class MarcError(Exception):
    """Root of the errors raised while building or writing Hoclieu's MARC records."""


class MarcBuildError(MarcError):
    """A material cannot be described: e.g. it has no public URL for field 856."""


class MarcRecordTooLong(MarcError):
    """A record does not fit ISO 2709 (a field over 9,999 bytes or a record over 99,999 bytes)."""
