from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Activities and volunteers")

    def ready(self) -> None:
        from activities.extension import ActivitiesArchive
        from households.extensions import archive_extension_register

        archive_extension_register(ActivitiesArchive())
