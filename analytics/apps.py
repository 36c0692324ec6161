from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Phenotype analytics"

    def ready(self) -> None:
        from analytics import signals  # noqa: F401  (connects the receivers)
