from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regions.scope import ScopedQuerySet


class AccessEventQuerySet(ScopedQuerySet):
    # An access event belongs to the area of what was touched (or of the actor when nothing was).
    scope_path_lookup = "region_path"


class AccessEvent(models.Model):
    """Who looked at, revealed, exported or imported what, and when. Append-only.

    The database refuses UPDATE and DELETE on this table (a pgtrigger Protect trigger), so no code path
    of the application — admin, shell or a bug — can rewrite history. Kept at least
    AUDIT_RETENTION_DAYS (policy); the application never deletes rows.
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logged out")
        VIEW = "view", _("Viewed")
        REVEAL = "reveal", _("Revealed a masked value")
        EXPORT = "export", _("Exported")
        IMPORT = "import", _("Imported")
        ACCOUNT = "account", _("Account administration")
        SECOND_FACTOR = "second_factor", _("Second factor")
        # Registering a person registered outside the user's area: refused with a neutral answer, logged.
        IDENTITY_CONFLICT = "identity_conflict", _("Identity conflict")
        TRANSFER = "transfer", _("Household transfer")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    target_type = models.CharField(_("object type"), max_length=50, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    # A non-personal label (a household number, a file name): never an ID number or a phone.
    target_label = models.CharField(_("object"), max_length=200, blank=True)
    region_path = models.CharField(max_length=255, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(
                fields=["region_path", "-at"], name="accessevent_scope", opclasses=["varchar_pattern_ops", ""]
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.get_action_display()}"
