"""The escalation ladder: major/critical notify the managers at registration; at 80% of a
target the cs/after-sales managers, at breach the store manager (and HQ for critical) — each
rung once per complaint, target and level, however often and however concurrently the
periodic scan runs."""

import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client

from dealercare.complaints.models import Complaint, Escalation
from dealercare.complaints.services import escalations_scan
from dealercare.notifications.models import Message

from ..factories import make_customer, make_staff
from .conftest import alerted, local

pytestmark = pytest.mark.django_db


def rungs(complaint) -> set[tuple[str, str]]:
    return set(complaint.escalations.values_list("target", "level"))


def names(*users) -> set[str]:
    return {user.get_username() for user in users}


def test_major_notifies_store_and_aftersales_managers_at_once(api_register, ladder_a):
    body = api_register(
        local(2026, 11, 24, 9, 0), severity="major", severity_reason="客户要求总经理出面"
    )
    complaint = Complaint.objects.get(pk=body["id"])

    assert rungs(complaint) == {("first_response", "immediate")}
    assert alerted(complaint) == names(ladder_a["store_manager"], ladder_a["aftersales_manager"])
    assert body["escalations"][0]["level"] == "immediate"
    assert set(body["escalations"][0]["notified"]) == alerted(complaint)
    # The store manager and the after-sales manager see it in the message centre.
    for role in ("store_manager", "aftersales_manager"):
        manager = Client()
        manager.force_login(ladder_a[role])
        page = manager.get("/messages/")
        assert page.status_code == 200
        assert complaint.number in page.content.decode()
        assert "重大投诉，请立即关注" in page.content.decode()
        assert ladder_a[role].get_username() in page.content.decode()


def test_critical_also_notifies_hq(api_register, ladder_a):
    body = api_register(local(2026, 11, 24, 9, 0), description="刹车失灵，差点出事故")
    complaint = Complaint.objects.get(pk=body["id"])

    assert body["severity"] == body["proposed_severity"] == "critical"
    assert alerted(complaint) == names(
        ladder_a["store_manager"], ladder_a["aftersales_manager"], ladder_a["hq_quality"]
    )
    hq = Client()
    hq.force_login(ladder_a["hq_quality"])
    assert complaint.number in hq.get("/messages/").content.decode()


def test_normal_notifies_nobody_at_registration(api_register, ladder_a):
    body = api_register(local(2026, 11, 24, 9, 0))

    assert body["escalations"] == []
    assert not Message.objects.filter(template="complaint_staff_alert").exists()


def test_ladder_on_a_normal_complaint(register, ladder_a):
    """Registered Tue 09:00: first response due 11:00 (120 business min, 80% = 10:36),
    resolution due Wed 09:00 (24 h, 80% = Wed 04:12)."""
    complaint = register(local(2026, 11, 24, 9, 0))
    at_risk = names(ladder_a["cs_manager"], ladder_a["aftersales_manager"])
    breached = names(ladder_a["store_manager"])

    assert escalations_scan(now=local(2026, 11, 24, 10, 35)) == 0
    assert escalations_scan(now=local(2026, 11, 24, 10, 36)) == 1
    assert rungs(complaint) == {("first_response", "at_risk")}
    assert alerted(complaint, "first_response:at_risk") == at_risk
    assert escalations_scan(now=local(2026, 11, 24, 10, 50)) == 0

    assert escalations_scan(now=local(2026, 11, 24, 11, 0)) == 1
    assert alerted(complaint, "first_response:breached") == breached  # normal: no HQ

    assert escalations_scan(now=local(2026, 11, 25, 4, 11)) == 0
    assert escalations_scan(now=local(2026, 11, 25, 4, 12)) == 1
    assert alerted(complaint, "resolution:at_risk") == at_risk
    assert escalations_scan(now=local(2026, 11, 25, 9, 0)) == 1
    assert alerted(complaint, "resolution:breached") == breached

    for _ in range(3):
        assert escalations_scan(now=local(2026, 11, 26, 9, 0)) == 0
    assert rungs(complaint) == {
        ("first_response", "at_risk"),
        ("first_response", "breached"),
        ("resolution", "at_risk"),
        ("resolution", "breached"),
    }
    assert Message.objects.filter(template="complaint_staff_alert").count() == 2 + 1 + 2 + 1
    escalation = complaint.escalations.get(target="resolution", level="breached")
    assert escalation.at == local(2026, 11, 25, 9, 0)
    assert set(escalation.notified) == breached
    # Every rung is on the complaint's timeline.
    assert complaint.events.filter(note__startswith="升级").count() == 4


def test_business_clock_share_counts_only_business_time(register, ladder_a):
    """Registered on an ordinary Friday 17:00: the first response (120 business min) is due
    Monday 10:00 and is 80% gone at Monday 09:36 (30 min Friday + 66 min Monday) — not over the
    weekend. The resolution (24 calendar h) is 80% gone on Saturday 12:12."""
    complaint = register(local(2026, 11, 20, 17, 0))

    assert escalations_scan(now=local(2026, 11, 21, 12, 11)) == 0
    assert escalations_scan(now=local(2026, 11, 21, 12, 12)) == 1
    assert rungs(complaint) == {("resolution", "at_risk")}
    assert escalations_scan(now=local(2026, 11, 23, 9, 35)) == 1  # resolution breached
    assert ("first_response", "at_risk") not in rungs(complaint)
    assert escalations_scan(now=local(2026, 11, 23, 9, 36)) == 1
    assert ("first_response", "at_risk") in rungs(complaint)


def test_acknowledged_stops_the_first_response_clock(register, agent_a, ladder_a):
    from dealercare.complaints import services

    complaint = register(local(2026, 11, 24, 9, 0))
    services.complaint_acknowledge(complaint=complaint, actor=agent_a, at=local(2026, 11, 24, 9, 5))

    assert escalations_scan(now=local(2026, 11, 24, 12, 0)) == 0
    assert rungs(complaint) == set()


def test_resolved_complaints_are_not_escalated(register, agent_a, ladder_a):
    from dealercare.complaints import services

    complaint = register(local(2026, 11, 24, 9, 0))
    at = local(2026, 11, 24, 9, 30)
    services.complaint_acknowledge(complaint=complaint, actor=agent_a, at=at)
    services.complaint_propose(
        complaint=complaint,
        actor=agent_a,
        root_cause="排队",
        corrective_action="增派接待",
        resolution="致歉",
        at=at,
    )
    services.complaint_confirm(complaint=complaint, actor=agent_a, at=at)

    assert escalations_scan(now=local(2026, 12, 24, 9, 0)) == 0


def test_critical_breach_reaches_hq(register, ladder_a):
    complaint = register(local(2026, 11, 24, 9, 0), description="车辆起火，要找媒体曝光")
    assert complaint.severity == "critical"
    # Critical: 15 business min for the first response, 24 h for the resolution.
    assert complaint.first_response_due == local(2026, 11, 24, 9, 15)

    assert escalations_scan(now=local(2026, 11, 24, 9, 15)) == 2  # at risk and breached at once
    assert alerted(complaint, "first_response:at_risk") == names(
        ladder_a["cs_manager"], ladder_a["aftersales_manager"]
    )
    assert alerted(complaint, "first_response:breached") == names(
        ladder_a["store_manager"], ladder_a["hq_quality"]
    )


# -- two scans at once, each on its own connection ---------------------------------------
def _run_at_once(job, count):
    results = [None] * count
    barrier = threading.Barrier(count)

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except Exception as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a scan hung"
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_escalate_each_rung_once(store_a, agent_a):
    ladder = [
        make_staff(role, store_a) for role in ("store_manager", "aftersales_manager", "cs_manager")
    ]
    hq = make_staff("hq_quality", None)
    registered = local(2026, 11, 24, 9, 0)
    complaints = []
    with time_machine.travel(registered, tick=False):
        from dealercare.complaints import services

        for n in range(6):
            customer = make_customer(store_a, agent_a, name=f"并发{n}")
            complaints.append(
                services.complaint_register(
                    actor=agent_a,
                    store=store_a,
                    customer=customer,
                    source="phone",
                    category="attitude",
                    description="车辆起火" if n == 0 else "态度差",
                )
            )
    before = Message.objects.count()
    now = local(2026, 11, 26, 9, 0)  # every target of every complaint is breached

    results = _run_at_once(lambda: escalations_scan(now=now), 4)

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    # 6 complaints × 2 targets × 2 levels, shared out between the runs.
    assert sum(results) == 24
    rows = list(Escalation.objects.exclude(level="immediate").values_list("complaint", "target"))
    assert len(rows) == 24
    for complaint in complaints:
        assert rungs(complaint) - {("first_response", "immediate")} == {
            (target, level)
            for target in ("first_response", "resolution")
            for level in ("at_risk", "breached")
        }
    # at risk: cs + after-sales manager; breached: store manager (+ HQ for the critical one).
    assert Message.objects.count() - before == 6 * 2 * (2 + 1) + 2
    keys = list(Message.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys))
    assert alerted(complaints[0], "resolution:breached") == names(ladder[0], hq)
    assert escalations_scan(now=now) == 0
