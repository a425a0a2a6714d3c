from urllib.parse import urlencode

from django import template

register = template.Library()


@register.filter
def querystring_from(params: dict) -> str:
    """``{"town": "3", "status": "active"}`` → ``town=3&status=active`` (saved filters, links)."""
    return urlencode(params or {})
