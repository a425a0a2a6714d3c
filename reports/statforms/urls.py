from django.urls import path

from reports.statforms import views

app_name = "forms"

_FORM = "<int:pk>/<slug:template>/<str:period>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("deadlines/", views.deadlines, name="deadlines"),
    path("<int:pk>/", views.home, name="unit"),
    path("<int:pk>/completeness/<slug:template>/<str:period>/", views.completeness_page, name="completeness"),
    path(_FORM, views.report, name="report"),
    path(_FORM + "fill/", views.fill, name="fill"),
    path(_FORM + "act/", views.act, name="act"),
    path(_FORM + "recount/", views.recount, name="recount"),
    path(_FORM + "export/", views.export, name="export"),
    path(_FORM + "export.pdf", views.export_pdf, name="export_pdf"),
    path(_FORM + "drill/<slug:column>/", views.drill, name="drill"),
]
