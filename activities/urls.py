from django.urls import path

from activities import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_create, name="create"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/attendance/", views.activity_attendance, name="attendance"),
    path("<int:pk>/delete/", views.activity_delete, name="delete"),
    path("<int:pk>/photos/new/", views.photo_add, name="photo_add"),
    path("<int:pk>/services/new/", views.activity_service, name="service_add"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo_delete"),
    path("gaps/", views.gaps, name="gaps"),
    path("centres/", views.centre_list, name="centres"),
    path("centres/new/", views.centre_edit, name="centre_create"),
    path("centres/<int:pk>/edit/", views.centre_edit, name="centre_edit"),
    path("volunteers/", views.volunteer_list, name="volunteers"),
    path("volunteers/new/", views.volunteer_edit, name="volunteer_create"),
    path("volunteers/teams/new/", views.team_create, name="team_create"),
    path("volunteers/<int:pk>/", views.volunteer_detail, name="volunteer"),
    path("volunteers/<int:pk>/edit/", views.volunteer_edit, name="volunteer_edit"),
    path("volunteers/<int:pk>/phone/", views.volunteer_phone_reveal, name="volunteer_phone"),
    path("volunteers/<int:pk>/pairings/new/", views.pairing_add, name="pairing_add"),
    path("volunteers/<int:pk>/commendations/new/", views.commendation_add, name="commendation_add"),
    path("pairings/<int:pk>/end/", views.pairing_end, name="pairing_end"),
    path("my-service/", views.my_service, name="my_service"),
]
