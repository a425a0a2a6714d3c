from django.urls import include, path

from medical import views

app_name = "medical"

urlpatterns = [
    path("", views.home, name="home"),
    path("settings/", views.settings_page, name="settings"),
    path("institutions/", views.institutions, name="institutions"),
    path("institutions/new/", views.institution_create, name="institution_create"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution"),
    path("institutions/<int:pk>/edit/", views.institution_edit, name="institution_edit"),
    path("institutions/<int:pk>/rules/", views.institution_rules, name="institution_rules"),
    path("households/<int:pk>/", views.household, name="household"),
    path("households/<int:pk>/cards/new/", views.card_add, name="card_add"),
    path("households/<int:pk>/uses/new/", views.use_add, name="use_add"),
    path("households/<int:pk>/contracts/new/", views.contract_add, name="contract_add"),
    path("households/<int:pk>/checks/new/", views.check_add, name="check_add"),
    path("cards/<int:pk>/withdraw/", views.card_withdraw, name="card_withdraw"),
    path("uses/<int:pk>/discharge/", views.use_discharge, name="use_discharge"),
    path("contracts/<int:pk>/end/", views.contract_end, name="contract_end"),
    path("contracts/<int:pk>/renew/", views.contract_renew, name="contract_renew"),
    path("renewals/", views.renewals, name="renewals"),
    path("unserved/", views.unserved, name="unserved"),
    path("checks/", views.checks, name="checks"),
    path("checks/villages/<int:pk>/", views.checks_village, name="checks_village"),
    path("disease/", include("medical.disease.urls")),
    path("mental/", include("medical.mental.urls")),
]
