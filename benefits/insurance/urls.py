from django.urls import path

from benefits.insurance import views

app_name = "insurance"

urlpatterns = [
    path("", views.home, name="home"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/", views.product_detail, name="product"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/renew/", views.product_renew, name="product_renew"),
    path("products/<int:pk>/document/", views.product_document, name="product_document"),
    path("products/<int:pk>/enrol/", views.enrolment_run, name="enrol"),
    path("products/<int:pk>/insured/", views.enrolment_list, name="lines"),
    path("products/<int:pk>/export/", views.enrolment_export, name="export"),
    path("claims/", views.claim_list, name="claims"),
    path("household/<int:pk>/claim/", views.claim_report, name="claim_report"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/edit/", views.claim_edit, name="claim_edit"),
    path("claims/<int:pk>/<slug:action>/", views.claim_action, name="claim_action"),
    path("documents/<int:pk>/", views.document_receive, name="document_receive"),
    path("documents/<int:pk>/file/", views.document_file, name="document_file"),
    path("alerts/", views.alerts, name="alerts"),
    path("reports/", views.reports, name="reports"),
]
