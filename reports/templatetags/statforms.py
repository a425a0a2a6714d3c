"""Template filters of the statistical forms' pages."""

from __future__ import annotations

from django import template

from reports.statforms.drill import field_label

register = template.Library()


@register.filter
def drill_label(key: str) -> str:
    """`{{ f|drill_label }}`: the heading of a drill record's field."""
    return field_label(key)
