from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

# Third-party apps the admin lists, named by the project so that a German admin page reads
# German throughout (their own catalogues leave these names in English).
THIRD_PARTY_APP_NAMES = {
    "authtoken": _("API tokens"),
    "axes": _("Sign-in attempts and lockouts"),
}


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Cohort registry")

    def ready(self) -> None:
        for label, name in THIRD_PARTY_APP_NAMES.items():
            try:
                apps.get_app_config(label).verbose_name = name
            except LookupError:  # not installed in this configuration
                continue
