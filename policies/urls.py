from django.urls import path

from policies import views

app_name = "policies"

urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.document_create, name="create"),
    path("<int:pk>/", views.document, name="document"),
    path("<int:pk>/edit/", views.document_edit, name="edit"),
    path("<int:pk>/replace/", views.document_replace, name="replace"),
    path("<int:pk>/file/", views.document_file, name="file"),
]
