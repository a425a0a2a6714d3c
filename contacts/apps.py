from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from contacts.extension import ContactsArchive
        from households.extensions import archive_extension_register

        archive_extension_register(ContactsArchive())
