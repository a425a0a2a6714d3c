"""A person with a portal login carries the login's name (ServicePerson._clean_login_name): the people linked to
a login with a name take it, recorded in the history like any change."""

import pghistory
from django.db import migrations
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Now


def names_from_logins(apps, schema_editor) -> None:
    ServicePerson = apps.get_model("contacts", "ServicePerson")
    User = apps.get_model("accounts", "User")
    login_name = Subquery(User.objects.filter(pk=OuterRef("user_id")).values("name")[:1])
    people = ServicePerson.objects.filter(user__isnull=False).exclude(user__name="").exclude(name=F("user__name"))
    with pghistory.context(command="migrate", service="contacts.0002_person_name_from_login"):
        people.update(name=login_name, updated_at=Now())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_name"),
        ("contacts", "0001_initial"),
    ]

    operations = [migrations.RunPython(names_from_logins, migrations.RunPython.noop)]
