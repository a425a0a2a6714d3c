from django.urls import path

from benefits.profiles import views

app_name = "profiles"

urlpatterns = [
    path("<int:member_pk>/", views.profile_edit, name="edit"),
    path("<int:member_pk>/reveal/", views.profile_reveal, name="reveal"),
]
