"""The JSON API: /api/v1/, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from dealercare.appointments.api import public_router as appointments_public_router
from dealercare.appointments.api import router as appointments_router
from dealercare.complaints.api import router as complaints_router
from dealercare.core.api import install_error_handlers
from dealercare.customers.api import router as customers_router
from dealercare.followups.api import router as followups_router
from dealercare.org.api import router as org_router
from dealercare.reminders.api import router as reminders_router
from dealercare.surveys.api import public_router as surveys_public_router
from dealercare.surveys.api import router as surveys_router
from dealercare.workorders.api import public_router as workorders_public_router
from dealercare.workorders.api import router as workorders_router


class UnicodeJSONRenderer(JSONRenderer):
    """Chinese text as UTF-8, not \\u escapes: readable in logs and curl."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=UnicodeJSONRenderer(),
    title="DealerCare API",
    version="1",
    description="客户服务与售后质量平台 · Customer-service and after-sales quality platform. "
    "Authenticate with `POST /api/v1/auth/token`, then `Authorization: Bearer <token>`.",
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("", org_router)
api.add_router("", customers_router)
api.add_router("", appointments_router)
api.add_router("/public", appointments_public_router)
api.add_router("", workorders_router)
api.add_router("/public", workorders_public_router)
api.add_router("", followups_router)
api.add_router("", reminders_router)
api.add_router("", complaints_router)
api.add_router("", surveys_router)
api.add_router("/public", surveys_public_router)
