from django.urls import path

from households.transfers import views

app_name = "transfers"

urlpatterns = [
    path("", views.transfer_list, name="list"),
    path("request/", views.transfer_request, name="request"),
    path("<int:pk>/accept/", views.transfer_accept, name="accept"),
    path("<int:pk>/refuse/", views.transfer_refuse, name="refuse"),
    path("<int:pk>/cancel/", views.transfer_cancel, name="cancel"),
]
