from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RosterConfig(AppConfig):
    """The roster import jobs live in their own app (label ``roster``) so their migrations never collide
    with the household archive's."""

    name = "households.roster"
    label = "roster"
    verbose_name = _("Roster import")
    default_auto_field = "django.db.models.BigAutoField"
