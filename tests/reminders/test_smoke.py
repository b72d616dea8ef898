import datetime as dt

import time_machine
from django.utils import timezone

from dealercare.customers.services import customer_consent_set, mileage_record
from dealercare.followups.models import FollowUpTask
from dealercare.notifications.models import Message
from dealercare.reminders.models import Reminder, ServiceForecast
from dealercare.reminders.services import reminders_schedule


def test_reminders_smoke(store_a, customer_a, vehicle_a, agent_a, api_as, customer_b):
    start = timezone.now() - dt.timedelta(days=200)
    with time_machine.travel(start, tick=False):
        mileage_record(actor=agent_a, vehicle=vehicle_a, km=1000)
    with time_machine.travel(start + dt.timedelta(days=100), tick=False):
        mileage_record(actor=agent_a, vehicle=vehicle_a, km=4000)
    result = reminders_schedule()
    forecast = ServiceForecast.objects.get(vehicle=vehicle_a)
    assert forecast.rate_source == "history" and forecast.daily_km == 30
    response = api_as(agent_a).get(f"/api/v1/vehicles/{vehicle_a.pk}/service-forecast")
    assert response.status_code == 200, response.content
    assert result["forecasts"] >= 1
    again = reminders_schedule()
    assert again["reminders_created"] == 0 and again["messages"] == 0


def test_due_vehicle_gets_message_or_call(store_a, customer_a, vehicle_a, agent_a):
    today = timezone.localdate()
    # no readings: the default 40 km a day reaches 5,000 km 125 days after purchase → due in 10
    vehicle_a.purchase_date = today - dt.timedelta(days=115)
    vehicle_a.save()
    result = reminders_schedule()
    assert result["reminders_created"] == 1, result
    assert Message.objects.filter(template="maintenance_reminder").count() == 1
    customer_consent_set(
        actor=agent_a, customer=customer_a, purpose="service", granted=False, source="phone"
    )
    Reminder.objects.all().delete()
    result = reminders_schedule()
    assert result["call_tasks"] == 1
    assert FollowUpTask.objects.filter(kind="reminder_call").count() == 1
