from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("weekly/", views.weekly_report, name="weekly"),
    path("<int:complaint_id>/", views.complaint_detail, name="detail"),
    path("<int:complaint_id>/report/", views.closure_report, name="closure_report"),
    path("<int:complaint_id>/<str:action>/", views.complaint_action, name="action"),
]
