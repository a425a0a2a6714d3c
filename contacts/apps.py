from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from accounts.hooks import account_changed
        from contacts.extension import ContactsArchive
        from contacts.receivers import person_name_follow_login
        from households.extensions import archive_extension_register

        archive_extension_register(ContactsArchive())
        account_changed.register(person_name_follow_login)
