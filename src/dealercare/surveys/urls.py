from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("", views.results, name="results"),
    path("export/", views.export, name="export"),
    path("import/", views.ratings_import, name="import"),
    path("questionnaires/", views.questionnaires, name="questionnaires"),
    path(
        "questionnaires/<int:questionnaire_id>/activate/",
        views.questionnaire_activate,
        name="questionnaire_activate",
    ),
    path("invitations/new/", views.invitation_new, name="invitation_new"),
    path("invitations/<int:invitation_id>/qr/", views.qr, name="qr"),
    path("invitations/<int:invitation_id>/phone/", views.phone, name="phone"),
]
