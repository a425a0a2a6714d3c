"""The inbox messages' texts: a message stores what it means (its kind and parameters), and is said in the
reader's language when it is read — on the inbox page in the page's language, by email and SMS in the
recipient's (visits.services.notifications_deliver).

A message stored before its parameters were (``params`` empty) is shown as it was written (its ``message``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def _overdue(p: dict[str, Any]) -> str:
    text = _("Overdue: %(rule)s — household %(number)s (%(place)s), since %(period)s.") % {
        "rule": _(p["rule_name"]),
        "number": p["number"],
        "place": p["place"],
        "period": p["period"],
    }
    if p.get("level"):
        text = _("Still open after %(days)s days: %(text)s") % {"days": p.get("days", ""), "text": text}
    return text


def _reminder(p: dict[str, Any]) -> str:
    return _("Reminder: %(rule)s — household %(number)s (%(place)s), %(start)s to %(end)s.") % {
        "rule": _(p["rule_name"]),
        "number": p["number"],
        "place": p["place"],
        "start": p["start"],
        "end": p["end"],
    }


def _emergency(p: dict[str, Any]) -> str:
    return _("Emergency reported at household %(number)s (%(place)s) on %(date)s: %(needs)s") % {
        "number": p["number"],
        "place": p["place"],
        "date": p["date"],
        "needs": p["needs"],
    }


def _bank_account(p: dict[str, Any]) -> str:
    # benefits.payouts: a payout line the bank refused; the account is fixed on the next home visit.
    return _(
        "Fix the bank account of %(name)s (household %(number)s, %(place)s) on the next visit: the payment of "
        "%(amount)s yuan failed — %(reason)s."
    ) % {"name": p["name"], "number": p["number"], "place": p["place"], "amount": p["amount"], "reason": p["reason"]}


def _insurance_documents(p: dict[str, Any]) -> str:
    # benefits.insurance: a claim's documents still missing; the village contact collects them from the family.
    return _("Collect the insurance claim documents of %(name)s (household %(number)s, %(place)s): %(documents)s.") % {
        "name": p["name"],
        "number": p["number"],
        "place": p["place"],
        # Newer messages keep the documents' msgids and read in the reader's language; older ones their text.
        "documents": (
            pgettext("list separator", ", ").join(_(m) for m in p["document_msgids"])
            if p.get("document_msgids")
            else p["documents"]
        ),
    }


def _urgent_visit(p: dict[str, Any]) -> str:
    # medical.mental: an urgent visit; the message never says why (the reason is of the mental-health tier).
    return _("An urgent visit is needed for household %(number)s.") % {"number": p["number"]}


# The text of each kind (visits.models.Notification.Kind), from its parameters.
RENDERERS = {
    "overdue": _overdue,
    "escalated_town": _overdue,
    "escalated_county": _overdue,
    "reminder": _reminder,
    "emergency": _emergency,
    "bank_account": _bank_account,
    "insurance_docs": _insurance_documents,
    "urgent_visit": _urgent_visit,
}


def message_text(kind: str, params: dict[str, Any], stored: str = "") -> str:
    """The message in the active language; ``stored`` (the text written at the time) when it has no
    parameters or they do not fit its kind (never an error on the inbox page)."""
    render = RENDERERS.get(kind)
    if not params or render is None:
        return stored
    try:
        return render(params)
    except (KeyError, TypeError, ValueError):
        return stored
