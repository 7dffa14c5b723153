"""Wagtail hooks: the admin URL that confirms or removes a material's print twin
(repository.views.print_twin)."""

from django.urls import path
from wagtail import hooks

from ..views.print_twin import print_twin_view


@hooks.register("register_admin_urls")
def register_print_twin_admin_urls():
    return [path("hoclieu/ban-in/<int:page_id>/", print_twin_view, name="hoclieu_print_twin")]
