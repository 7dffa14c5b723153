"""Template tags of the digital signature (repository.signatures) on the public material pages."""

from django import template

from ..signatures import signature_summary

register = template.Library()


@register.simple_tag
def signature_of(page):
    """{"signer_name", "signed_at"} of MaterialPage `page`'s signed copy, or None:
    ``{% signature_of page as signature %}``."""
    return signature_summary(page.file) if page.file_id else None
