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
        # … and the case export (print page, PDF) its open flags, follow-ups and the last year's visits.
        from households.archive import CASE_TABLE_PROVIDERS
        from visits.case_export import visits_case_tables

        if visits_case_tables not in CASE_TABLE_PROVIDERS:
            CASE_TABLE_PROVIDERS.append(visits_case_tables)
