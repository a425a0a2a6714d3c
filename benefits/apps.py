from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "benefits"
    verbose_name = _("Benefits")

    def ready(self) -> None:
        from benefits.extension import BenefitsArchive
        from benefits.insurance.extension import InsuranceArchive
        from households.extensions import archive_extension_register

        archive_extension_register(BenefitsArchive())
        archive_extension_register(InsuranceArchive())
