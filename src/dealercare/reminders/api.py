import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Router, Schema

from dealercare.core.api import Id, errors
from dealercare.core.errors import PermissionDenied
from dealercare.customers.selectors import vehicle_get
from dealercare.org.auth import staff_auth

from .models import Reminder, ServiceForecast
from .services import forecasts_refresh

router = Router(tags=["reminders"], auth=staff_auth)


class ReminderOut(Schema):
    id: int
    kind: str
    stage: str
    due_date: dt.date
    send_on: dt.date
    status: str
    sent_at: dt.datetime | None
    booked_appointment_id: int | None


class ForecastOut(Schema):
    vehicle_id: int
    last_service_date: dt.date | None
    last_service_km: int | None
    daily_km: Decimal
    rate_source: str
    due_date: dt.date
    due_km: int
    predicted_km_today: int
    reminders: list[ReminderOut]


@router.get(
    "/vehicles/{vehicle_id}/service-forecast",
    response={200: ForecastOut, **errors(401, 403, 404, 422)},
)
def service_forecast(request, vehicle_id: Id):
    """The predicted next service (date and mileage) and the reminders scheduled or sent."""
    if not request.auth.has_perm("customers.view_vehicle"):
        raise PermissionDenied()
    vehicle = vehicle_get(actor=request.auth, vehicle_id=vehicle_id)
    forecasts_refresh(vehicle_ids=[vehicle.pk])
    forecast = ServiceForecast.objects.get(vehicle=vehicle)
    today = timezone.localdate()
    # From the same starting point as the forecast: the latest reading, else the last service,
    # else 0 km on the purchase date (not "today at 0 km", which contradicts the due date).
    latest = vehicle.mileage_readings.order_by("-read_at", "-id").first()
    if latest is not None:
        base_day, base_km = timezone.localtime(latest.read_at).date(), latest.km
    elif forecast.last_service_date is not None:
        base_day, base_km = forecast.last_service_date, forecast.last_service_km
    elif vehicle.purchase_date is not None:
        base_day, base_km = vehicle.purchase_date, 0
    else:
        base_day, base_km = today, vehicle.current_mileage_km
    predicted = base_km + int(forecast.daily_km * max((today - base_day).days, 0))
    return {
        "vehicle_id": vehicle.pk,
        "last_service_date": forecast.last_service_date,
        "last_service_km": forecast.last_service_km,
        "daily_km": forecast.daily_km,
        "rate_source": forecast.rate_source,
        "due_date": forecast.due_date,
        "due_km": forecast.due_km,
        "predicted_km_today": predicted,
        "reminders": list(Reminder.objects.filter(vehicle=vehicle).order_by("send_on", "id")),
    }
