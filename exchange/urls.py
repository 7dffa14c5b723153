"""Public URLs of the exchange app, mounted at /oai/ by cms.urls."""

from django.urls import path

from .views import oai_pmh

app_name = "exchange"
urlpatterns = [path("", oai_pmh, name="oai_pmh")]
