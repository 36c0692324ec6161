from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Phenotype analytics")

    def ready(self) -> None:
        from analytics import signals  # noqa: F401  (connects the receivers)
