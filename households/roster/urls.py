from django.urls import path

from households.roster import views

app_name = "roster"

urlpatterns = [
    path("", views.roster_home, name="home"),
    path("template.xlsx", views.roster_template, name="template"),
    path("export/", views.roster_export, name="export"),
    path("<int:pk>/", views.roster_job, name="job"),
    path("<int:pk>/confirm/", views.roster_job_confirm, name="confirm"),
    path("<int:pk>/errors.xlsx", views.roster_job_marked, name="marked"),
]
