from django.urls import path

from benefits.relief import views

app_name = "relief"

urlpatterns = [
    path("", views.relief_list, name="list"),
    path("household/<int:pk>/", views.household_relief, name="household"),
    path("household/<int:pk>/new/", views.relief_create, name="create"),
    path("<int:pk>/edit/", views.relief_edit, name="edit"),
    path("<int:pk>/delete/", views.relief_delete, name="delete"),
]
