from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        # The household archive's timeline shows the visits (a registry of providers, not a signal).
        from households.archive import TIMELINE_PROVIDERS
        from visits.timeline import visit_timeline

        if visit_timeline not in TIMELINE_PROVIDERS:
            TIMELINE_PROVIDERS.append(visit_timeline)
