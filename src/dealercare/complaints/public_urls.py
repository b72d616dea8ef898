from django.urls import path

from . import views

app_name = "complaints_public"
urlpatterns = [
    path("complaints/new/<str:code>/", views.public_complaint_new, name="new"),
    path("complaints/<str:token>/", views.public_complaint, name="detail"),
]
