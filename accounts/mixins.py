"""View mixins of the area scope (see accounts.scope)."""

from django.contrib.auth.mixins import LoginRequiredMixin

from accounts.scope import require_capability


class CapabilityRequiredMixin(LoginRequiredMixin):
    """Log in first; then the role must have ``required_capability`` (if set)."""

    required_capability: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.required_capability:
            require_capability(request.user, self.required_capability)
        return super().dispatch(request, *args, **kwargs)


class AreaScopedMixin(CapabilityRequiredMixin):
    """For list/detail/update views: the queryset is always ``visible_to(request.user)``."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)
