"""URL configuration. Language-neutral URLs; the language comes from the session/cookie."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("portal.urls")),
    path("", include("accounts.urls")),
    path("households/", include("households.urls")),
    path("visits/", include("visits.urls")),
    path("reports/", include("reports.urls")),
    path("contacts/", include("contacts.urls")),
    path("benefits/", include("benefits.urls")),
    path("medical/", include("medical.urls")),
    path("activities/", include("activities.urls")),
    path("policies/", include("policies.urls")),
    path("regions/", include("accounts.region_urls")),
    path("audit/", include("audit.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("django-admin/", admin.site.urls),
]
