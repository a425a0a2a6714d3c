from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from accounts.hooks import account_changed, second_factor_event
        from audit import receivers
        from audit.database_roles import app_role_grant_after_migrate
        from audit.triggers import trigger_ignore_check_install

        account_changed.register(receivers.account_changed_record)
        second_factor_event.register(receivers.second_factor_record)

        # After every migrate, which may have installed pgtrigger's own (slower) version (audit/triggers.py).
        post_migrate.connect(trigger_ignore_check_install, sender=self, dispatch_uid="audit.trigger_ignore_check")
        # And the application role's privileges, new tables included (audit/database_roles.py).
        post_migrate.connect(app_role_grant_after_migrate, sender=self, dispatch_uid="audit.app_role_grant")
