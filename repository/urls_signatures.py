"""The verification page of a material's digital signature (PAdES)."""

from django.urls import path

from .views.signatures import material_signature

urlpatterns = [
    path("materials/<int:page_id>/signature/", material_signature, name="material_signature"),
]
