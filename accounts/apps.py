from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # The login/logout receivers (sessions), and the system check of OTP_REQUIRED_ROLES.
        from accounts import checks, receivers  # noqa: F401
