from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The top of the house (docs/ARCHITECTURE.md): composes the apps below it — the home page per role, the
    navigation, the nightly pipeline. Nothing imports it."""

    name = "portal"
    verbose_name = _("Portal")
