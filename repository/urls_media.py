"""Public URLs that send a material's media (stream, captions, thumbnail); originals are under /documents/."""

from django.urls import path

from .views import media

urlpatterns = [
    path("materials/<int:page_id>/stream/", media.material_stream, name="material_stream"),
    path("materials/<int:page_id>/captions.vtt", media.material_captions, name="material_captions"),
    path("materials/<int:page_id>/thumbnail.png", media.material_thumbnail, name="material_thumbnail"),
]
