from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve

from .api import api
from .core import views as core_views
from .org import views as org_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="customers:list", permanent=False)),
    path("healthz/", core_views.health, name="health"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("stores/switch/", org_views.store_switch, name="store_switch"),
    path("customers/", include("dealercare.customers.urls")),
    path("messages/", include("dealercare.notifications.urls")),
    path("appointments/", include("dealercare.appointments.urls")),
    path("c/", include("dealercare.appointments.public_urls")),
    path("workorders/", include("dealercare.workorders.urls")),
    path("c/", include("dealercare.workorders.public_urls")),
    path("follow-ups/", include("dealercare.followups.urls")),
    path("complaints/", include("dealercare.complaints.urls")),
    path("c/", include("dealercare.complaints.public_urls")),
    path("surveys/", include("dealercare.surveys.urls")),
    path("c/", include("dealercare.surveys.public_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

if settings.SERVE_MEDIA:
    urlpatterns.append(
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    )
