"""The demo dealer group: every generated record passes the same validation staff input does."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from dealercare.appointments.models import Appointment, SlotCounter
from dealercare.appointments.selectors import online_share
from dealercare.customers.models import Customer, Vehicle
from dealercare.demo.generator import STAFF_PER_ROLE, STORE_ROLES, DemoGenerator, demo_logins
from dealercare.org.models import StaffProfile, Store


@pytest.fixture
def demo(db):
    DemoGenerator(
        seed=7,
        customers=120,
        vehicles=160,
        history_days=20,
        repair_order_days=45,
        repair_orders_per_day=4,
    ).generate()


def test_demo_has_twelve_stores_and_three_staff_per_role(demo):
    assert Store.objects.count() == 12
    assert len(set(Store.objects.values_list("plate_prefix", flat=True))) == 12
    for store in Store.objects.all():
        for role in STORE_ROLES:
            staff = StaffProfile.objects.filter(store=store, user__groups__name=role)
            assert staff.count() == STAFF_PER_ROLE, (store.code, role)
        assert store.departments.count() == 6
    assert StaffProfile.objects.filter(store=None, user__groups__name="hq_quality").count() == 3


def test_demo_customers_and_vehicles_are_valid(demo):
    assert Customer.objects.count() == 120
    assert Vehicle.objects.count() == 160
    for customer in Customer.objects.all():
        customer.full_clean()
    for vehicle in Vehicle.objects.select_related("store"):
        vehicle.full_clean()
        assert vehicle.plate.startswith(vehicle.store.plate_prefix)
        assert vehicle.owner.store_id == vehicle.store_id


def test_demo_logins_work(demo, client):
    for _role, username in demo_logins():
        assert client.login(username=username, password="demo1234"), username


def test_same_seed_gives_the_same_demo(db):
    first = DemoGenerator(seed=11, customers=30, vehicles=30)
    second = DemoGenerator(seed=11, customers=30, vehicles=30)
    assert [first.person_name() for _ in range(20)] == [second.person_name() for _ in range(20)]
    assert [first.mobile() for _ in range(20)] == [second.mobile() for _ in range(20)]


def test_demo_appointments_never_over_book_and_are_mostly_online(demo):
    holding = Appointment.objects.filter(status__in=["requested", "confirmed"])
    assert holding.filter(start__lt=timezone.now()).count() == 0
    assert holding.exists()
    for counter in SlotCounter.objects.filter(service_type=""):
        real = holding.filter(store=counter.store_id, start=counter.start).count()
        assert counter.booked == real <= counter.capacity
    assert 0.5 < float(online_share(Appointment.objects.all())) < 0.7
    for appointment in Appointment.objects.filter(start__lt=timezone.now())[:50]:
        assert appointment.status in {"converted", "no_show", "cancelled"}


def test_load_demo_if_empty_does_not_load_twice(db, capsys):
    call_command("load_demo", customers=24, vehicles=30, history_days=3, repair_order_days=3)
    call_command(
        "load_demo", customers=24, vehicles=30, history_days=3, repair_order_days=3, if_empty=True
    )
    assert Customer.objects.count() == 24
    assert "already has data" in capsys.readouterr().out


def test_demo_repair_orders_follow_the_bookings(demo):
    from dealercare.workorders.models import RepairOrder

    converted = Appointment.objects.filter(status="converted")
    assert converted.exists()
    assert not converted.filter(repair_order__isnull=True).exists()
    delivered = RepairOrder.objects.filter(status="delivered")
    assert delivered.count() > 12 * 20
    for order in delivered.exclude(comeback_of=None)[:20]:
        assert order.vehicle_id == order.comeback_of.vehicle_id
        assert order.created_at - order.comeback_of.delivered_at < timezone.timedelta(days=30)
    assert RepairOrder.objects.filter(delivered_at__isnull=True, status="delivered").count() == 0
    assert RepairOrder.objects.exclude(status__in=["delivered", "cancelled"]).exists()


def test_demo_complaints_follow_ups_and_policies(demo):
    from dealercare.complaints.models import Complaint
    from dealercare.followups.models import FollowUpTask
    from dealercare.reminders.models import InsurancePolicy
    from dealercare.workorders.models import RepairOrder

    delivered = RepairOrder.objects.filter(status="delivered").count()
    complaints = Complaint.objects.count()
    assert 0.5 * delivered / 100 <= complaints <= 1.5 * delivered / 100
    assert Complaint.objects.filter(status="closed").exists()
    assert len({(c.store_id, c.number) for c in Complaint.objects.all()}) == complaints
    assert FollowUpTask.objects.filter(kind="after_service", status="done").exists()
    assert FollowUpTask.objects.filter(kind="after_service", status="pending").exists()
    assert InsurancePolicy.objects.count() == 160


def test_demo_survey_responses(demo):
    from dealercare.surveys.models import Response
    from dealercare.surveys.selectors import survey_results

    assert Response.objects.exists()
    month = Response.objects.order_by("-month").values_list("month", flat=True).first()
    hq = StaffProfile.objects.filter(store=None, user__groups__name="hq_quality").first().user
    results = survey_results(actor=hq, store_id=None, month=month, group_by="dimension")
    assert results["csi"] is not None and 60 < results["csi"] <= 100
    assert results["nps"] is not None
