from django.urls import path

from . import views

app_name = "workorders_public"
urlpatterns = [path("ro/<str:token>/", views.public_progress, name="progress")]
