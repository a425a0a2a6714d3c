"""The benefits pages: each part of the app adds its own URLs here (one include per part)."""

from django.urls import include, path  # noqa: F401  (the parts' includes follow)

app_name = "benefits"

urlpatterns: list = []
