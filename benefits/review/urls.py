"""URLs of the annual review (included by benefits/urls.py under "review/")."""

from django.urls import path

from benefits.review import views

app_name = "review"

urlpatterns = [
    path("", views.home, name="home"),
    path("open/", views.cycle_open, name="open"),
    path("<int:pk>/", views.workbench, name="workbench"),
    path("<int:pk>/notice-date/", views.notice_date, name="notice_date"),
    path("<int:pk>/apply/", views.apply, name="apply"),
    path("<int:pk>/leaver/", views.leaver, name="leaver"),
    path("<int:pk>/confirm/", views.bulk_confirm, name="bulk_confirm"),
    path("<int:pk>/notice/<int:village_pk>/", views.notice_print, name="notice"),
    path("<int:pk>/notice/<int:village_pk>/pdf/", views.notice_pdf, name="notice_pdf"),
    path("case/<int:pk>/", views.case_detail, name="case"),
    path("case/<int:pk>/decide/", views.case_decide, name="decide"),
    path("case/<int:pk>/proof/", views.case_proof, name="proof_add"),
    path("case/<int:pk>/withdraw/", views.case_withdraw, name="withdraw"),
    path("proof/<int:pk>/", views.proof_file, name="proof"),
]
