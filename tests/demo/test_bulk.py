"""The benchmark data sets (written inside PostgreSQL): the same shapes and invariants as the
demo, so the benchmarked pages show real-looking data. Those tests run in `make test-pg`; the
SQLite run checks that `load_demo --size` refuses SQLite."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Max, Sum
from django.utils import timezone

from dealercare.complaints.models import Complaint
from dealercare.demo.bulk import RECENT_DAYS, SIZES, BulkHistory
from dealercare.demo.generator import DemoGenerator
from dealercare.followups.models import FollowUpAttempt, FollowUpTask
from dealercare.org.models import Store
from dealercare.surveys.models import Item, Response
from dealercare.surveys.scoring import response_csi
from dealercare.workorders.models import RepairOrder, RepairOrderLine

DAYS = 21


@pytest.fixture
def bulk(db):
    DemoGenerator(
        seed=5,
        stores=2,
        customers=150,
        vehicles=200,
        appointments_per_day=0,
        history_days=0,
        repair_orders_per_day=0,
    ).generate()
    return BulkHistory(days=DAYS, log=lambda *_: None)


@pytest.mark.sqlite_only
@pytest.mark.django_db
def test_other_databases_are_refused_before_anything_is_written():
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("load_demo", "--size", "S")
    assert not Store.objects.exists()


def test_sizes_match_the_issue():
    large = SIZES["L"]
    assert (large.stores, large.years, large.customers, large.vehicles) == (12, 5, 120_000, 150_000)
    assert (SIZES["S"].stores, SIZES["S"].years) == (1, 1)
    assert (SIZES["M"].stores, SIZES["M"].years) == (12, 3)


@pytest.mark.postgresql_only
def test_repair_orders_fill_each_day_with_fifty_to_seventy_orders(bulk):
    bulk.generate()
    assert set(RepairOrder.objects.values_list("store__code", flat=True)) == {"BJ01", "SH01"}
    today = timezone.localdate()
    by_day = {}
    for store_id, number in RepairOrder.objects.values_list("store_id", "number"):
        day = number[2:10]
        if day < f"{today:%Y%m%d}":
            by_day[(store_id, day)] = by_day.get((store_id, day), 0) + 1
    assert len(by_day) == 2 * DAYS  # every day of the year: 4S stores open on weekends
    assert min(by_day.values()) >= 50 and max(by_day.values()) <= 70
    # Each order belongs to its vehicle's store and owner.
    assert not RepairOrder.objects.exclude(store=F("vehicle__store")).exists()
    assert not RepairOrder.objects.exclude(customer=F("vehicle__owner")).exists()


@pytest.mark.postgresql_only
def test_delivered_orders_are_settled_from_their_lines(bulk):
    bulk.generate()
    delivered = RepairOrder.objects.filter(status="delivered")
    assert (
        delivered.count()
        > 0.9 * RepairOrder.objects.exclude(created_at__date=timezone.localdate()).count()
    )
    sample = delivered.order_by("?")[:50]
    for order in sample:
        lines = RepairOrderLine.objects.filter(repair_order=order)
        total = sum((line.amount for line in lines), Decimal("0.00"))
        assert lines.filter(kind="labour").count() == 1
        assert order.settled_total == total - order.discount, order.number
        assert order.delivered_at > order.created_at
    assert not RepairOrder.objects.filter(delivered_at__gt=timezone.now()).exists()
    assert not RepairOrder.objects.filter(status="delivered", delivered_at=None).exists()


@pytest.mark.postgresql_only
def test_follow_ups_cover_every_delivery_before_the_scheduling_window(bulk):
    bulk.generate()
    cutoff = bulk.now - timezone.timedelta(days=RECENT_DAYS)
    old = RepairOrder.objects.filter(status="delivered", delivered_at__lt=cutoff)
    assert FollowUpTask.objects.filter(repair_order__in=old).count() == old.count()
    # The window itself is the product's scheduling run's work, not the data set's.
    recent = RepairOrder.objects.filter(status="delivered", delivered_at__gte=cutoff)
    assert not FollowUpTask.objects.filter(repair_order__in=recent).exists()
    results = dict(
        FollowUpTask.objects.values("result").annotate(n=Count("id")).values_list("result", "n")
    )
    assert results["satisfied"] > 5 * (results["dissatisfied"] + results["unreachable"]) / 2
    assert not FollowUpTask.objects.filter(assignee=None).exists()
    # Every call is on record, the last on the day the task was finished.
    tasks = FollowUpTask.objects.annotate(calls=Count("attempt_log"), last=Max("attempt_log__at"))
    assert not tasks.exclude(calls=F("attempts")).exists()
    assert not tasks.exclude(last=F("done_at")).exists()
    assert not FollowUpAttempt.objects.exclude(result=F("task__result")).exists()


@pytest.mark.postgresql_only
def test_complaint_numbers_are_unique_per_store_and_closed_ones_have_a_report(bulk):
    bulk.generate()
    complaints = Complaint.objects.all()
    assert complaints.exists()
    numbers = complaints.values("store_id", "number").annotate(n=Count("id"))
    assert max(row["n"] for row in numbers) == 1
    for complaint in complaints.filter(status="closed"):
        assert complaint.root_cause and complaint.resolution
        assert complaint.created_at < complaint.first_responded_at < complaint.closed_at
    assert not complaints.filter(created_at__gt=timezone.now()).exists()


@pytest.mark.postgresql_only
def test_each_survey_response_csi_is_computed_from_its_own_answers(bulk):
    bulk.generate()
    responses = Response.objects.prefetch_related("answers__item")[:40]
    assert responses
    for response in responses:
        scored = [
            (a.item.weight, a.score, a.item.max_score)
            for a in response.answers.all()
            if a.item.scored
        ]
        assert response.csi == response_csi(scored)
        recommend = [
            a.score for a in response.answers.all() if a.item.item_type == Item.Type.RECOMMEND
        ]
        assert response.recommend == recommend[0]
        assert response.month == timezone.localtime(response.submitted_at).date().replace(day=1)
    assert Response.objects.aggregate(last=Max("month"))["last"] <= timezone.localdate()
    assert not Response.objects.filter(submitted_at__gt=timezone.now()).exists()


@pytest.mark.postgresql_only
def test_the_staging_tables_are_gone_and_the_pages_show_the_history(bulk, client):
    from django.contrib.auth.models import User

    bulk.generate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'bench_%%'")
        assert cursor.fetchone()[0] == 0
    store = Store.objects.get(code="BJ01")
    advisor = User.objects.filter(
        groups__name="service_advisor", staff_profile__store=store
    ).first()
    client.force_login(advisor)
    order = RepairOrder.objects.filter(store=store, status="delivered").first()
    page = client.get(f"/workorders/{order.pk}/")
    assert page.status_code == 200 and order.number in page.content.decode()
    customer_page = client.get(f"/customers/{order.customer_id}/")
    assert order.number in customer_page.content.decode()
    revenue = RepairOrder.objects.filter(status="delivered").aggregate(total=Sum("settled_total"))
    assert revenue["total"] > 0
