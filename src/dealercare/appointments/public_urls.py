from django.urls import path

from . import views

app_name = "appointments_public"
urlpatterns = [
    path("book/<str:code>/", views.public_book, name="book"),
    path("appointments/<str:token>/", views.public_appointment, name="detail"),
]
