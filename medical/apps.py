from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicalConfig(AppConfig):
    name = "medical"
    verbose_name = _("Medical")
