from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    """Catalogue exchange between libraries: the OAI-PMH 2.0 provider at /oai/ (DESIGN.md "exchange").

    Depends on `repository`; `repository` never imports this app. Its record table follows the
    repository's materials through signal receivers (exchange.signal_handlers).
    """

    name = "exchange"
    label = "exchange"
    verbose_name = _("Trao đổi biểu ghi")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .signal_handlers import register_signal_handlers

        register_signal_handlers()
