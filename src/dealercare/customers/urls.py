from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
    path("<int:customer_id>/edit/", views.customer_edit, name="edit"),
    path("<int:customer_id>/reveal-mobile/", views.customer_mobile_reveal, name="reveal_mobile"),
    path("<int:customer_id>/consents/", views.customer_consent_set, name="consent_set"),
    path("<int:customer_id>/vehicles/new/", views.vehicle_create, name="vehicle_create"),
    path("vehicles/<int:vehicle_id>/edit/", views.vehicle_edit, name="vehicle_edit"),
]
