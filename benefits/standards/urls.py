from django.urls import path

from benefits.standards import views

app_name = "standards"

urlpatterns = [
    path("", views.standard_list, name="list"),
    path("new/", views.standard_create, name="create"),
    path("<int:pk>/edit/", views.standard_edit, name="edit"),
    path("<int:pk>/end/", views.standard_end, name="end"),
    path("<int:pk>/delete/", views.standard_delete, name="delete"),
    path("settings/", views.benefit_settings, name="settings"),
]
