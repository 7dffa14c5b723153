from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from exchange import urls as exchange_urls
from repository import admin_urls as repository_admin_urls
from repository import urls as repository_urls
from repository.views.documents import serve_document

urlpatterns = [
    # Hoclieu's answers to a few admin URLs of Wagtail's (library isolation), matched first.
    path("admin/", include(repository_admin_urls)),
    path("admin/", include(wagtailadmin_urls)),
    # Originals: Hoclieu's view under Wagtail's URL name (ranges, private caching); see its docstring.
    path("documents/<int:document_id>/<path:document_filename>", serve_document, name="wagtaildocs_serve"),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("oai/", include(exchange_urls)),
    path("", include(repository_urls)),
]

# Static files are served by WhiteNoise (cms.settings.base.MIDDLEWARE), with DEBUG on or off, so no
# staticfiles_urlpatterns here. Media files are never served straight from MEDIA_ROOT: every file goes
# through a view that checks the material's access level (repository.views.media, and the
# before_serve_document hook in repository/wagtail_hooks/documents.py for originals).
urlpatterns += [path("", include(wagtail_urls))]
