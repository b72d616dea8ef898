"""Insurance renewal reminders 60 and 30 days before a policy's end, and the conversion."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from dealercare.core.errors import ValidationFailed
from dealercare.notifications.models import Message
from dealercare.reminders import services
from dealercare.reminders.models import InsurancePolicy, Reminder
from dealercare.reminders.services import insurance_policy_renew, renewal_conversion

from ..factories import make_customer, make_vehicle
from .conftest import at, days, run_on

D = dt.date
END = D(2026, 9, 30)
D60, D30 = D(2026, 8, 1), D(2026, 8, 31)  # 60 and 30 days before 09-30
renewal_messages = Message.objects.filter(template="renewal_reminder")


def policy_for(vehicle, end=END, **extra) -> InsurancePolicy:
    return InsurancePolicy.objects.create(
        store_id=vehicle.store_id, vehicle=vehicle, insurer="中国人保", end_date=end, **extra
    )


def renew(policy, actor, day, with_us=True):
    with time_machine.travel(at(day), tick=False):
        return insurance_policy_renew(policy=policy, actor=actor, with_us=with_us)


def test_reminders_60_and_30_days_before_the_end(vehicle_a, customer_a):
    policy = policy_for(vehicle_a)
    created = {}
    # Daily around each stage's day, and on to the end.
    around = [*days(D(2026, 7, 29), D(2026, 8, 3)), *days(D(2026, 8, 28), D(2026, 9, 2))]
    for day in [*around, D(2026, 9, 15), D(2026, 9, 29), END]:
        result = run_on(day)
        if result["reminders_created"]:
            created[day] = result["reminders_created"]
    assert created == {D60: 1, D30: 1}
    reminders = list(
        Reminder.objects.order_by("send_on").values_list(
            "kind", "stage", "send_on", "due_date", "status", "policy_id", "source_key"
        )
    )
    assert reminders == [
        ("renewal", "d60", D60, END, "sent", policy.pk, f"renewal:{policy.pk}:d60"),
        ("renewal", "d30", D30, END, "sent", policy.pk, f"renewal:{policy.pk}:d30"),
    ]
    assert renewal_messages.count() == 2
    message = renewal_messages.get(idempotency_key=f"reminder:renewal:{policy.pk}:d60")
    assert message.recipient == customer_a.mobile and "9月30日" in message.body


def test_a_renewed_policy_gets_no_more_reminders(vehicle_a, agent_a):
    policy = policy_for(vehicle_a)
    run_on(D60)
    renew(policy, agent_a, D(2026, 8, 10))
    for day in [D(2026, 8, 11), *days(D(2026, 8, 30), D(2026, 9, 1)), D(2026, 9, 29)]:
        assert run_on(day)["reminders_created"] == 0
    assert list(Reminder.objects.values_list("stage", flat=True)) == ["d60"]
    assert renewal_messages.count() == 1


def test_renewal_drops_a_reminder_not_sent_yet(vehicle_a, agent_a, monkeypatch):
    policy = policy_for(vehicle_a)
    # The run dies after creating the d30 reminder and before sending it.
    monkeypatch.setattr(services, "_dispatch", _die)
    with pytest.raises(RuntimeError):
        run_on(D30)
    assert Reminder.objects.get().status == Reminder.Status.SCHEDULED
    monkeypatch.undo()
    renew(policy, agent_a, D30)
    result = run_on(D30)
    assert (result["reminders_created"], result["messages"], result["call_tasks"]) == (0, 0, 0)
    assert not Reminder.objects.exists() and not renewal_messages.exists()


def _die(today, now):
    raise RuntimeError("killed")


def test_a_policy_recorded_late_gets_only_the_30_day_reminder(vehicle_a):
    policy_for(vehicle_a, end=D(2026, 9, 20))  # first seen 20 days before the end
    run_on(D(2026, 8, 31))
    assert list(Reminder.objects.values_list("stage", "send_on")) == [("d30", D(2026, 8, 21))]
    assert renewal_messages.count() == 1


def test_renewing_twice_is_refused(vehicle_a, agent_a):
    policy = policy_for(vehicle_a)
    renewed = renew(policy, agent_a, D(2026, 8, 10), with_us=False)
    assert renewed.renewed_at == at(D(2026, 8, 10)) and renewed.renewed_with_us is False
    stale = InsurancePolicy.objects.get(pk=policy.pk)
    stale.renewed_at = None  # a copy read before the first renewal
    with pytest.raises(ValidationFailed):
        renew(stale, agent_a, D(2026, 8, 11))
    policy.refresh_from_db()
    assert policy.renewed_at == at(D(2026, 8, 10)) and policy.renewed_with_us is False


def test_conversion_counts_reminded_policies_renewed_with_us(
    store_a, store_b, agent_a, agent_b, customer_b
):
    def vehicle(name):
        return make_vehicle(make_customer(store_a, agent_a, name=name), agent_a)

    with_us_1, with_us_2, elsewhere, lapsed = (
        policy_for(vehicle(name)) for name in ("甲", "乙", "丙", "丁")
    )
    # Renewed with us but never reminded (its end is far away): not in the rate.
    early = policy_for(vehicle("戊"), end=D(2027, 3, 1))
    # A reminder only scheduled (not sent yet) does not count either (else 2 / 5).
    pending = policy_for(vehicle("己"), end=D(2026, 10, 20))
    # Another store's reminded and renewed policy: not in store A's rate.
    other = policy_for(make_vehicle(customer_b, agent_b))

    assert renewal_conversion(InsurancePolicy.objects.all()) is None  # nobody reminded yet
    run_on(D60)
    Reminder.objects.create(
        store=store_a,
        vehicle_id=pending.vehicle_id,
        customer_id=pending.vehicle.owner_id,
        policy=pending,
        kind="renewal",
        stage="d60",
        due_date=pending.end_date,
        send_on=D(2026, 8, 21),
        source_key=f"renewal:{pending.pk}:d60",
    )
    for policy, with_us in ((with_us_1, True), (with_us_2, True), (elsewhere, False)):
        renew(policy, agent_a, D(2026, 8, 15), with_us=with_us)
    renew(early, agent_a, D(2026, 8, 15))
    renew(other, agent_b, D(2026, 8, 15))
    lapsed.refresh_from_db()
    assert lapsed.renewed_at is None
    store_a_policies = InsurancePolicy.objects.filter(store=store_a)
    # Reminded: 甲, 乙, 丙, 丁 → renewed with us: 甲, 乙 → 2 / 4.
    assert renewal_conversion(store_a_policies) == Decimal("0.5000")
    # The whole group: 甲, 乙 and the other store's one of 5 reminded → 3 / 5.
    assert renewal_conversion(InsurancePolicy.objects.all()) == Decimal("0.6000")
