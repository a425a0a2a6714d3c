"""The pages of the administrative tree of the user's area (namespace ``regions``)."""

from django.urls import path

from accounts import views

app_name = "regions"

urlpatterns = [
    path("", views.region_list, name="list"),
    path("<int:pk>/", views.region_detail, name="detail"),
]
