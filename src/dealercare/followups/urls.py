from django.urls import path

from . import views

app_name = "followups"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("summary/", views.summary, name="summary"),
    path("<int:task_id>/", views.task_detail, name="detail"),
]
