"""The appointment KPIs on hand-counted cases."""

import datetime as dt
from decimal import Decimal

import pytest

from dealercare.appointments.models import Appointment
from dealercare.appointments.selectors import appointment_list, online_share, show_rate

from .conftest import at


def _make(store, customer, *, channel="phone", status="confirmed", start=None):
    start = start or at(1, 8, 30)
    return Appointment.objects.create(
        store=store,
        customer=customer,
        start=start,
        end=start + dt.timedelta(hours=1),
        channel=channel,
        status=status,
    )


def _make_many(store, customer, spec):
    """spec: [(count, channel, status), ...]"""
    for count, channel, status in spec:
        for _ in range(count):
            _make(store, customer, channel=channel, status=status)


@pytest.mark.django_db
def test_online_share_counts_every_status(store_a, customer_a):
    # 13 appointments, 8 of them online (of which 2 cancelled, 1 no-show): 8 / 13.
    _make_many(
        store_a,
        customer_a,
        [
            (4, "online", "confirmed"),
            (2, "online", "cancelled"),
            (1, "online", "no_show"),
            (1, "online", "requested"),
            (2, "phone", "confirmed"),
            (1, "walk_in", "arrived"),
            (1, "dealer_initiated", "converted"),
            (1, "phone", "cancelled"),
        ],
    )
    assert online_share(Appointment.objects.all()) == Decimal("0.6154")
    assert online_share(Appointment.objects.filter(status="cancelled")) == Decimal("0.6667")
    assert online_share(Appointment.objects.filter(channel="online")) == Decimal("1.0000")
    assert online_share(Appointment.objects.filter(channel="phone")) == Decimal("0.0000")
    # Among appointments already read (the day plan's), the same figures.
    assert online_share(list(Appointment.objects.all())) == Decimal("0.6154")
    assert online_share(list(Appointment.objects.filter(status="cancelled"))) == Decimal("0.6667")
    assert online_share([]) is None


@pytest.mark.django_db
def test_online_share_of_nothing_is_none(store_a, customer_a, agent_b):
    assert online_share(Appointment.objects.all()) is None
    _make(store_a, customer_a, channel="online")
    # Store B sees none of store A's appointments.
    assert online_share(appointment_list(actor=agent_b)) is None


@pytest.mark.django_db
def test_online_share_per_store_and_day(store_a, customer_a, agent_a, store_b, customer_b):
    _make(store_a, customer_a, channel="online")
    _make(store_a, customer_a, channel="phone")
    _make(store_a, customer_a, channel="online", start=at(2, 8, 30))
    _make(store_b, customer_b, channel="phone")
    day = appointment_list(actor=agent_a, store_id=store_a.pk, day=dt.date(2026, 12, 1))
    assert online_share(day) == Decimal("0.5000")
    assert online_share(appointment_list(actor=agent_a)) == Decimal("0.6667")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        # 3 arrived + 2 converted showed, 1 no-show: 5 / 6. Cancelled and not yet due ones
        # do not count.
        (
            [
                (3, "arrived"),
                (2, "converted"),
                (1, "no_show"),
                (4, "cancelled"),
                (2, "requested"),
                (1, "confirmed"),
            ],
            Decimal("0.8333"),
        ),
        ([(2, "arrived"), (1, "converted"), (4, "no_show")], Decimal("0.4286")),
        ([(1, "converted")], Decimal("1.0000")),
        ([(3, "no_show"), (1, "cancelled")], Decimal("0.0000")),
        ([(2, "cancelled"), (3, "confirmed"), (1, "requested")], None),
        ([], None),
    ],
)
def test_show_rate(store_a, customer_a, spec, expected):
    _make_many(store_a, customer_a, [(count, "phone", status) for count, status in spec])
    assert show_rate(Appointment.objects.all()) == expected
