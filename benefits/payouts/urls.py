from django.urls import path

from benefits.payouts import views

app_name = "payouts"

urlpatterns = [
    path("", views.batch_list, name="list"),
    path("new/", views.batch_create, name="create"),
    path("accounts-to-fix/", views.followups, name="followups"),
    path("<int:pk>/", views.batch_detail, name="detail"),
    path("<int:pk>/lines/", views.batch_lines, name="lines"),
    path("<int:pk>/reconcile/", views.batch_reconcile, name="reconcile"),
    path("<int:pk>/step/", views.batch_step, name="step"),
    path("<int:pk>/roster/", views.batch_roster, name="roster"),
    path("<int:pk>/return/", views.batch_return, name="return"),
    path("<int:pk>/correction/", views.batch_correction, name="correction"),
]
