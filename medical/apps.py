from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicalConfig(AppConfig):
    name = "medical"
    verbose_name = _("Medical")

    def ready(self) -> None:
        from households.extensions import archive_extension_register
        from medical.extension import MedicalArchive
        from medical.mental.extension import MentalArchive
        from medical.services import discharge_loop_after_refresh
        from visits.hooks import flags_refreshed

        archive_extension_register(MedicalArchive())
        archive_extension_register(MentalArchive())
        # A doctor's follow-up visit logged: the discharge loop's next step (the contact's visit) opens.
        flags_refreshed.register(discharge_loop_after_refresh)
