from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [path("", views.message_center, name="center")]
