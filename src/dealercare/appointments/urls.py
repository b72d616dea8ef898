from django.urls import path

from . import views

app_name = "appointments"
urlpatterns = [
    path("", views.day_plan, name="day_plan"),
    path("new/", views.appointment_create, name="create"),
    path("<int:appointment_id>/<str:action>/", views.appointment_action, name="action"),
]
