from django.urls import include, path

from reports import benefit_views, views

app_name = "reports"

urlpatterns = [
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/<int:pk>/", views.coverage, name="coverage_region"),
    path("coverage/export/", views.coverage_export, name="coverage_export"),
    path("coverage/<int:pk>/export/", views.coverage_export, name="coverage_region_export"),
]

# The benefit reports (issue 14 part 7): payouts, failures, recipients, relief.
urlpatterns += [
    path("benefits/", benefit_views.benefit_report, {"report": "payouts"}, name="benefits_home"),
    path("benefits/<slug:report>/", benefit_views.benefit_report, name="benefits"),
    path("benefits/<slug:report>/<int:pk>/", benefit_views.benefit_report, name="benefits_region"),
    path("benefits/<slug:report>/export/", benefit_views.benefit_report_export, name="benefits_export"),
    path("benefits/<slug:report>/<int:pk>/export/", benefit_views.benefit_report_export, name="benefits_region_export"),
]

# The statistical forms (issue 17 parts 4-7): a unit's forms, the lifecycle, completeness, exports.
urlpatterns += [path("forms/", include("reports.statforms.urls"))]
