"""MARC 21 record downloads of a material: materials/<id>/marc.mrc (ISO 2709), marc.xml (MARCXML)."""

from django.urls import path

from .views.marc import material_marc

urlpatterns = [
    path("materials/<int:page_id>/marc.<str:fmt>", material_marc, name="material_marc"),
]
