from django.urls import path

from . import views

app_name = "surveys_public"
urlpatterns = [path("survey/<str:token>/", views.public_answer, name="answer")]
