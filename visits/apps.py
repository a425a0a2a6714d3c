from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from households.extensions import archive_extension_register
        from visits.extension import VisitsArchive

        archive_extension_register(VisitsArchive())
