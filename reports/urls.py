from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/<int:pk>/", views.coverage, name="coverage_region"),
    path("coverage/export/", views.coverage_export, name="coverage_export"),
    path("coverage/<int:pk>/export/", views.coverage_export, name="coverage_region_export"),
]
