from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = _("Households")

    def ready(self) -> None:
        from audit.diff import history_field_mask
        from households.models import Member
        from households.privacy import MASKERS

        # A member's ID number and phone are masked wherever their history is shown (docs/SECURITY.md).
        for field_name, mask in MASKERS.items():
            history_field_mask(Member, field_name, mask)
