"""django-import-export column mapping for the people who serve, scoped to the importing/exporting user.

Scope (docs/SECURITY.md §Access): ``get_queryset`` is the user's area: an ``id`` from another area is unknown — and an
unknown ``id`` is an error, never a new row (a model saved with a given pk would overwrite that row). Regions
and logins resolve only inside the area. Text cells a spreadsheet would run are written with a leading ``'``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from accounts.models import User
from contacts.models import ServicePerson
from households.exports import xlsx_safe
from regions.models import Region


class _ScopedForeignKeyWidget(ForeignKeyWidget):
    def __init__(self, model: Any, field: str, *, queryset: Any) -> None:
        super().__init__(model, field=field)
        self._queryset = queryset

    def get_queryset(self, value: Any, row: Any, *args: Any, **kwargs: Any) -> Any:
        return self._queryset


class ServicePersonResource(resources.ModelResource):
    region_code = fields.Field(
        attribute="region", column_name="region_code", widget=ForeignKeyWidget(Region, field="code")
    )
    region_name = fields.Field(attribute="region__name", column_name="region_name", readonly=True)
    login = fields.Field(attribute="user", column_name="login", widget=ForeignKeyWidget(User, field="username"))

    class Meta:
        model = ServicePerson
        fields = ("id", "name", "phone", "role_type", "unit", "region_code", "region_name", "login", "active", "note")
        export_order = fields
        import_id_fields = ("id",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False

    def __init__(self, *, user: User, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user
        self.fields["region_code"].widget = _ScopedForeignKeyWidget(
            Region, "code", queryset=Region.objects.visible_to(user)
        )
        self.fields["login"].widget = _ScopedForeignKeyWidget(User, "username", queryset=User.objects.visible_to(user))

    def get_queryset(self) -> Any:
        return ServicePerson.objects.visible_to(self.user).select_related("region", "user")

    def init_instance(self, row: Any = None) -> ServicePerson:
        if row is not None and str(row.get("id") or "").strip():
            raise ValidationError(
                _("No person with id %(id)s in your area: leave id empty to add a new person.") % {"id": row.get("id")}
            )
        return super().init_instance(row)

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        """import-export's default resets the table's id sequence (``setval``), for imports that write ids. Here a
        new person never brings an id (``init_instance`` refuses one), so the sequence is already right; and the
        application's database role may draw from a sequence but not set it (audit/database_roles.py)."""

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        return xlsx_safe(super().export_field(field, instance, **kwargs))
