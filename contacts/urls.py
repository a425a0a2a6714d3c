from django.urls import path

from contacts import views

app_name = "contacts"

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_edit, name="person_edit"),
    path("people/export/", views.person_export, name="person_export"),
    path("people/import/", views.person_import, name="person_import"),
    path("households/<int:pk>/", views.household_contacts, name="household"),
    path("households/<int:pk>/assign/", views.assignment_set_view, name="assign"),
    path("households/<int:pk>/assign-all/", views.household_assign, name="assign_all"),
    path("households/<int:pk>/card/", views.household_card, name="card"),
    path("assignments/<int:pk>/end/", views.assignment_end_view, name="end"),
    path("assignments/<int:pk>/substitute/", views.assignment_substitute_view, name="substitute"),
    path("villages/<int:pk>/cards/", views.village_cards, name="village_cards"),
    path("bulk/village/", views.village_assign, name="village_assign"),
    path("bulk/handover/", views.handover, name="handover"),
    path("gaps/", views.gaps, name="gaps"),
    path("scheme/", views.scheme, name="scheme"),
]
