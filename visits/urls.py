from django.urls import path

from visits import views

app_name = "visits"

urlpatterns = [
    path("mine/", views.my_households, name="my_households"),
    path("household/<int:pk>/", views.household_visits, name="household_visits"),
    path("household/<int:pk>/log/", views.visit_log, name="log"),
    path("<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("<int:pk>/delete/", views.visit_delete, name="visit_delete"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow_up_done"),
    path("supervision/", views.supervision, name="supervision"),
    path("supervision/export/", views.supervision_export, name="supervision_export"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox_read"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
]
