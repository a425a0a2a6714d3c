"""The area scope in the Django admin: one mixin that every registered model admin uses.

The admin reads through the same ``Model.objects.visible_to(user)`` as the portal's pages (regions.scope):

* lists, exports, bulk actions and every page of one object (change, delete, history) see only the
  administrator's area; an object outside it answers 404, the same as a missing one (Django's admin would
  redirect to its index with a message naming the id);
* every foreign-key and many-to-many choice (a region, a user, a household …) offers only objects of the area,
  so an object of another area can be neither chosen nor shown by its id.

A model admin whose rows reach their area another way overrides :meth:`AreaScopedAdmin.scoped_queryset`, still
through some model's ``visible_to``. ``tests/accounts/test_admin_scope.py`` checks that every registered model
admin uses the mixin.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _


def _visible_choices(model: type[models.Model], request: HttpRequest) -> models.QuerySet | None:
    """The choices of a relation to `model` for the requesting user, or None for a model without an area."""
    queryset = model._default_manager.all()
    if hasattr(queryset, "visible_to"):
        return queryset.visible_to(request.user)
    return None


class AreaScopedAdmin:
    """Mixin for ``admin.ModelAdmin`` (put it first among the bases)."""

    def scoped_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.visible_to(request.user)  # type: ignore[attr-defined]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return self.scoped_queryset(request, super().get_queryset(request))  # type: ignore[misc]

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is None:
            raise Http404(_("Not found."))
        return obj

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "queryset" not in kwargs:
            choices = _visible_choices(db_field.remote_field.model, request)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "queryset" not in kwargs:
            choices = _visible_choices(db_field.remote_field.model, request)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class AreaScopedModelAdmin(AreaScopedAdmin, admin.ModelAdmin):
    """A plain model admin inside the administrator's area."""
