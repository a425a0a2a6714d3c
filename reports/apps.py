from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from reports.services import coverage_snapshot_after_flags
        from visits.hooks import flags_refreshed

        # A visit or a changed household moves its village's coverage figures now, not next morning.
        flags_refreshed.register(coverage_snapshot_after_flags)
