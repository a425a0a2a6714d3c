from django.urls import include, path

from households import views

app_name = "households"

urlpatterns = [
    path("", views.household_list, name="list"),
    path("search/", views.household_search, name="search"),
    path("export/", views.household_export, name="export"),
    path("filters/", views.saved_filter_save, name="filter_save"),
    path("filters/<int:pk>/delete/", views.saved_filter_delete, name="filter_delete"),
    path("quality/", views.data_quality, name="quality"),
    path("new/", views.household_create, name="create"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/edit/", views.household_edit, name="edit"),
    path("<int:pk>/close/", views.household_close, name="close"),
    path("<int:pk>/reopen/", views.household_reopen, name="reopen"),
    path("<int:pk>/print/", views.household_print, name="print"),
    path("<int:pk>/pdf/", views.household_pdf, name="pdf"),
    path("<int:pk>/members/<int:member_pk>/reveal/", views.member_reveal, name="reveal"),
    path("roster/", include("households.roster.urls")),
    path("transfers/", include("households.transfers.urls")),
]
