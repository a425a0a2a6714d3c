from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.access_list, name="access_list"),
    path("changes/", views.change_list, name="change_list"),
    path("changes/reveal/", views.change_reveal, name="change_reveal"),
]
