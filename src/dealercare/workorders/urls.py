from django.urls import path

from . import views

app_name = "workorders"
urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.reception, name="reception"),
    path("<int:repair_order_id>/", views.detail, name="detail"),
    path("<int:repair_order_id>/lines/", views.line_add, name="line_add"),
    path("<int:repair_order_id>/add-ons/", views.add_on_add, name="add_on_add"),
    path(
        "<int:repair_order_id>/add-ons/<int:add_on_id>/decision/",
        views.add_on_phone_decision,
        name="add_on_phone_decision",
    ),
    path("<int:repair_order_id>/transition/", views.transition, name="transition"),
]
