from typing import Any
from urllib.parse import urlencode

from django import template

register = template.Library()


@register.filter
def querystring_from(params: dict) -> str:
    """``{"town": "3", "status": "active"}`` → ``town=3&status=active`` (saved filters, links)."""
    return urlencode(params or {})


@register.simple_tag(takes_context=True)
def archive_panel(context: template.Context, panel: Any) -> str:
    """One archive extension's card (households.extensions.Panel), rendered with its own context on top of the
    page's (so it sees ``household`` and ``today``). The extension has decided what the user sees."""
    card = context.template.engine.get_template(panel.template)
    with context.push(**panel.context):
        return card.render(context)
