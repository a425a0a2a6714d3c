"""The messages stored before their parameters: the parameters from their flag (or emergency visit), so they
are said in the reader's language too — only where the parameters say exactly what was written (rendered in
the portal's language they give the stored text). Any other row (an emergency whose visit was deleted or
corrected since, a rule renamed) keeps its stored text, which the inbox shows as it is."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone, translation

from visits.messages import message_text

FLAG_KINDS = ("overdue", "escalated_town", "escalated_county", "reminder")
BATCH = 1000


def _flag_params(note):
    """The candidate parameters of a flag's message (the days of an escalation: as the flag says, or as
    counted on the day the message was written)."""
    flag, household = note.flag, note.household
    rule = flag.rule
    try:
        level = int(note.key.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        level = {"escalated_town": 1, "escalated_county": 2}.get(note.kind, 0)
    params = {
        "rule": rule.code,
        "rule_name": rule.name,
        "number": household.number,
        "place": household.village.name if household.village_id else "",
        "level": level,
    }
    if rule.mode == "reminder":
        return [{**params, "start": flag.period_start.isoformat(), "end": flag.period_end.isoformat()}]
    params["period"] = flag.period_key
    if not level:
        return [params]
    days = [(timezone.localdate(note.created_at) - flag.opened_on).days]
    if flag.escalated_on:
        days.insert(0, (flag.escalated_on - flag.opened_on).days)
    return [{**params, "days": d} for d in days]


def _emergency_params(note):
    household, visit = note.household, note.visit
    return [
        {
            "number": household.number,
            "place": household.village.name if household.village_id else "",
            "date": visit.date.isoformat(),
            "needs": (visit.needs or "")[:150],
        }
    ]


def forwards(apps, schema_editor):
    Notification = apps.get_model("visits", "Notification")
    base = Notification.objects.filter(params={}).select_related("household__village").order_by("pk")
    for kinds, extra, related, build in (
        (FLAG_KINDS, {"flag__isnull": False}, ("flag__rule",), _flag_params),
        (("emergency",), {"visit__isnull": False}, ("visit",), _emergency_params),
    ):
        batch = []
        for note in base.filter(kind__in=kinds, **extra).select_related(*related).iterator(chunk_size=BATCH):
            with translation.override(settings.LANGUAGE_CODE):
                fitting = [p for p in build(note) if message_text(note.kind, p)[:300] == note.message]
            if not fitting:
                continue
            note.params = fitting[0]
            batch.append(note)
            if len(batch) >= BATCH:
                Notification.objects.bulk_update(batch, ["params"])
                batch = []
        if batch:
            Notification.objects.bulk_update(batch, ["params"])


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0007_notification_params"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
