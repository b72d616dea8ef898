"""Which slots a store offers on a day, and how full they are: the store calendar, its booking
policy, bays, per-service-type capacity, blocked periods and the slot counters."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from dealercare.core.workdays import WorkCalendar
from dealercare.org.calendar import store_calendar
from dealercare.org.models import Store

from .models import Appointment, Bay, BlockedPeriod, BookingPolicy, ServiceCapacity, SlotCounter

ALL_TYPES = ""


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    capacity: int
    booked: int
    blocked: bool = False

    @property
    def available(self) -> int:
        return 0 if self.blocked else max(self.capacity - self.booked, 0)


def booking_policy(store: Store) -> BookingPolicy:
    """The store's policy, or the defaults for a store that has none (not saved)."""
    try:
        return store.booking_policy
    except BookingPolicy.DoesNotExist:
        return BookingPolicy(store=store)


def slot_times(
    calendar: WorkCalendar, policy: BookingPolicy, day: dt.date, kind: str
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Whole slots on `day`: service slots tile the business periods, delivery slots the
    delivery windows. Nothing on a closed day."""
    if not calendar.is_working_day(day):
        return []
    if kind == Appointment.Kind.DELIVERY:
        periods, minutes = policy.delivery_window_times, policy.delivery_slot_minutes
    else:
        periods, minutes = calendar.hours, policy.slot_minutes
    length = dt.timedelta(minutes=minutes)
    times = []
    for period_start, period_end in periods:
        start = dt.datetime.combine(day, period_start, calendar.tz)
        end_of_period = dt.datetime.combine(day, period_end, calendar.tz)
        while start + length <= end_of_period:
            times.append((start, start + length))
            start += length
    return times


def slot_capacity(store: Store, policy: BookingPolicy, kind: str, service_type: str) -> int:
    if kind == Appointment.Kind.DELIVERY:
        return policy.delivery_capacity
    bays = Bay.objects.filter(store=store, is_active=True).count()
    if service_type == ALL_TYPES:
        return bays
    limit = (
        ServiceCapacity.objects.filter(store=store, service_type=service_type)
        .values_list("per_slot", flat=True)
        .first()
    )
    return bays if limit is None else min(limit, bays)


def day_slots(
    store: Store,
    day: dt.date,
    *,
    kind: str = Appointment.Kind.SERVICE,
    service_type: str = ALL_TYPES,
    calendar: WorkCalendar | None = None,
) -> list[Slot]:
    return day_slots_by_kind(
        store, day, kinds=(kind,), service_type=service_type, calendar=calendar
    )[kind]


def day_slots_by_kind(
    store: Store,
    day: dt.date,
    *,
    kinds: tuple[str, ...] = (Appointment.Kind.SERVICE, Appointment.Kind.DELIVERY),
    service_type: str = ALL_TYPES,
    calendar: WorkCalendar | None = None,
) -> dict[str, list[Slot]]:
    """The day's slots of each kind; the counters and blocked periods of all kinds are read
    together (the day plan shows service and delivery slots side by side)."""
    calendar = calendar or store_calendar(store)
    policy = booking_policy(store)
    times = {kind: slot_times(calendar, policy, day, kind) for kind in kinds}
    every_time = [t for kind_times in times.values() for t in kind_times]
    if not every_time:
        return {kind: [] for kind in kinds}
    first, last = min(t[0] for t in every_time), max(t[1] for t in every_time)
    counters = {
        (kind, start, key): booked
        for kind, start, key, booked in SlotCounter.objects.filter(
            store=store,
            kind__in=kinds,
            start__gte=first,
            start__lt=last,
            service_type__in={ALL_TYPES, service_type},
        ).values_list("kind", "start", "service_type", "booked")
    }
    blocked = list(
        BlockedPeriod.objects.filter(store=store, start__lt=last, end__gt=first).values_list(
            "start", "end"
        )
    )
    now = timezone.now()
    slots = {}
    for kind in kinds:
        # Deliveries count only the slot total.
        typed_as = ALL_TYPES if kind == Appointment.Kind.DELIVERY else service_type
        slots[kind] = []
        if not times[kind]:
            continue
        total = slot_capacity(store, policy, kind, ALL_TYPES)
        typed = total if typed_as == ALL_TYPES else slot_capacity(store, policy, kind, typed_as)
        for start, end in times[kind]:
            booked_total = counters.get((kind, start, ALL_TYPES), 0)
            booked_typed = counters.get((kind, start, typed_as), 0)
            # A typed slot is limited by its own cap and by the places left in the whole slot.
            capacity = (
                typed if typed_as == ALL_TYPES else min(typed, total - booked_total + booked_typed)
            )
            booked = booked_total if typed_as == ALL_TYPES else booked_typed
            is_blocked = start < now or any(
                b_start < end and b_end > start for b_start, b_end in blocked
            )
            slots[kind].append(Slot(start, end, max(capacity, booked), booked, is_blocked))
    return slots
