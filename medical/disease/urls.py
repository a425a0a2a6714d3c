from django.urls import path

from medical.disease import views

app_name = "disease"

urlpatterns = [
    path("", views.due, name="due"),
    path("households/<int:pk>/", views.household, name="household"),
    path("households/<int:pk>/new/", views.diagnosis_add, name="diagnosis_add"),
    path("<int:pk>/edit/", views.diagnosis_edit, name="diagnosis_edit"),
    path("<int:pk>/follow-ups/new/", views.follow_up_add, name="follow_up_add"),
    path("<int:pk>/costs/new/", views.cost_add, name="cost_add"),
]
