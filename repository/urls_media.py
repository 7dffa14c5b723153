"""Public URLs that send a material's media (audio stream, video rendition and poster, captions,
thumbnail, document previews); originals are under /documents/."""

from django.urls import path

from .views import media

urlpatterns = [
    path("materials/<int:page_id>/stream/", media.material_stream, name="material_stream"),
    path("materials/<int:page_id>/captions.vtt", media.material_captions, name="material_captions"),
    path("materials/<int:page_id>/thumbnail.png", media.material_thumbnail, name="material_thumbnail"),
    path("materials/<int:page_id>/video/", media.material_video, name="material_video"),
    path("materials/<int:page_id>/poster.jpg", media.material_poster, name="material_poster"),
    path("materials/<int:page_id>/preview.pdf", media.material_preview_pdf, name="material_preview_pdf"),
    path("materials/<int:page_id>/preview/<int:number>.webp", media.material_page_preview,
         name="material_page_preview"),
]
