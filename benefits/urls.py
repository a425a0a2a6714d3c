"""The benefits pages: each part of the app adds its own URLs here (one include per part)."""

from django.urls import include, path

from benefits import views

app_name = "benefits"

urlpatterns: list = [
    path("", views.home, name="home"),
    path("standards/", include("benefits.standards.urls")),
    path("profiles/", include("benefits.profiles.urls")),
    path("relief/", include("benefits.relief.urls")),
    path("review/", include("benefits.review.urls")),
    path("payouts/", include("benefits.payouts.urls")),
    path("insurance/", include("benefits.insurance.urls")),
]
