from django.urls import path

from medical.mental import views

app_name = "mental"

urlpatterns = [
    path("households/<int:pk>/", views.household, name="household"),
    path("households/<int:pk>/new/<slug:instrument>/", views.assessment_add, name="assessment_add"),
    path("assessments/<int:pk>/", views.assessment, name="assessment"),
    path("cadence/", views.cadence, name="cadence"),
]
