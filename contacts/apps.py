from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        # The case export of a household lists its contacts (a registry of providers, not a signal).
        from contacts.case_export import contacts_case_tables
        from households.archive import CASE_TABLE_PROVIDERS

        if contacts_case_tables not in CASE_TABLE_PROVIDERS:
            CASE_TABLE_PROVIDERS.append(contacts_case_tables)
