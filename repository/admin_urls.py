"""Admin URLs that answer in place of Wagtail's own (included under admin/ before wagtail.admin.urls).

- `wagtail_bulk_action`: bulk actions limited to the user's libraries (views.admin_isolation).
"""

from django.urls import path
from wagtail.admin.auth import require_admin_access

from .views.admin_isolation import bulk_action

urlpatterns = [
    path("bulk/<str:app_label>/<str:model_name>/<str:action>/", require_admin_access(bulk_action),
         name="wagtail_bulk_action"),
]
