"""What contacts does when a lower app announces something (registered in ContactsConfig.ready)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models.functions import Now

from audit.history import history_context
from contacts.models import ServicePerson

if TYPE_CHECKING:
    from accounts.models import User


def person_name_follow_login(*, manager: User, user: User, detail: dict[str, Any]) -> None:
    """accounts.hooks.account_changed: a login's new name becomes the name of the people it stands behind
    (ServicePerson._clean_login_name), in the manager's transaction, recorded in the history as their change."""
    name = user.name.strip()
    if detail.get("change") != "updated" or "name" not in detail.get("fields", ()) or not name:
        return
    with history_context(actor=manager, service="service_person_name_from_login"):
        ServicePerson.objects.filter(user=user).exclude(name=name).update(name=name, updated_at=Now())
