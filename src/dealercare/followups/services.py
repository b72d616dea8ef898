"""Every write to follow-ups: scheduling (exactly once per source, whatever runs twice or dies
half-way), recording outcomes with retries for unreachable customers, the monthly home visits."""

import datetime as dt
import hashlib

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from dealercare.core.audit import audit_log_write
from dealercare.core.errors import ValidationFailed
from dealercare.core.models import AuditLog
from dealercare.core.workdays import WorkCalendar
from dealercare.customers.models import Customer, CustomerEvent
from dealercare.customers.services import customer_timeline_add
from dealercare.org.calendar import store_calendar
from dealercare.org.models import Store

from .errors import OutcomeConflict, ReasonsRequired, TaskClosed
from .models import DissatisfactionReason, FollowUpAttempt, FollowUpPolicy, FollowUpTask

Kind, Status, Result = FollowUpTask.Kind, FollowUpTask.Status, FollowUpTask.Result
# How far back the scheduling run looks for deliveries whose task is missing.
SWEEP_DAYS = 14
# Rows per INSERT (and per transaction) in the scheduling run.
BATCH_SIZE = 2000


def follow_up_policy(store: Store) -> FollowUpPolicy:
    try:
        return store.follow_up_policy
    except FollowUpPolicy.DoesNotExist:
        return FollowUpPolicy(store=store)


def follow_up_window(
    calendar: WorkCalendar, delivered_on: dt.date, working_days: int = 3
) -> tuple[dt.date, dt.date, bool]:
    """(window start, due date, estimated): the window opens the next working day and the task
    is due by the end of the n-th working day after the delivery date."""
    window_start = calendar.next_working_day(delivered_on)
    due = calendar.add_working_days(delivered_on, working_days)
    return window_start, due, calendar.is_estimated_between(delivered_on, due)


def _least_busy_agent(store_id: int):
    from django.contrib.auth.models import User

    return (
        User.objects.filter(
            is_active=True, staff_profile__store_id=store_id, groups__name="cs_agent"
        )
        .annotate(
            open_tasks=Count(
                "follow_up_tasks",
                filter=Q(follow_up_tasks__status__in=[Status.PENDING, Status.IN_PROGRESS]),
            )
        )
        .order_by("open_tasks", "pk")
        .first()
    )


def _after_service_task(
    *, repair_order_id, store_id, customer_id, vehicle_id, delivered_at, calendar, policy, agent
) -> FollowUpTask:
    delivered_on = timezone.localtime(delivered_at, calendar.tz).date()
    window_start, due, estimated = follow_up_window(calendar, delivered_on, policy.due_working_days)
    return FollowUpTask(
        store_id=store_id,
        kind=Kind.AFTER_SERVICE,
        source_key=f"after_service:repair_order:{repair_order_id}",
        customer_id=customer_id,
        vehicle_id=vehicle_id,
        repair_order_id=repair_order_id,
        assignee=agent,
        window_start=window_start,
        due_date=due,
        next_attempt_on=window_start,
        calendar_estimated=estimated,
    )


def follow_up_schedule_after_service(*, repair_order) -> tuple[FollowUpTask, bool]:
    """The after-service follow-up of one delivery; created once (the source key is unique)."""
    existing = FollowUpTask.objects.filter(
        source_key=f"after_service:repair_order:{repair_order.pk}"
    ).first()
    if existing is not None:
        return existing, False
    store = repair_order.store
    task = _after_service_task(
        repair_order_id=repair_order.pk,
        store_id=repair_order.store_id,
        customer_id=repair_order.customer_id,
        vehicle_id=repair_order.vehicle_id,
        delivered_at=repair_order.delivered_at,
        calendar=store_calendar(store),
        policy=follow_up_policy(store),
        agent=_least_busy_agent(store.pk),
    )
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:  # another worker created it first
        return FollowUpTask.objects.get(source_key=task.source_key), False
    return task, True


def follow_ups_schedule(*, now: dt.datetime | None = None) -> int:
    """The scheduling run: every delivery of the last two weeks gets its follow-up. Set-based
    and idempotent: a second run, or one racing with the delivery receiver, creates nothing."""
    from dealercare.workorders.models import RepairOrder

    now = now or timezone.now()
    # The missing ones as plain values, read in full before the first insert: a few thousand
    # rows at most, and no cursor left open on SQLite while this connection writes.
    missing = list(
        RepairOrder.objects.filter(
            status=RepairOrder.Status.DELIVERED,
            delivered_at__gte=now - dt.timedelta(days=SWEEP_DAYS),
            delivered_at__lte=now,
        )
        .exclude(follow_ups__kind=Kind.AFTER_SERVICE)
        # A total order: two runs racing on PostgreSQL insert the same keys in the same order,
        # so neither waits for a key the other holds while holding one it wants (a deadlock).
        .order_by("store_id", "delivered_at", "pk")
        .values_list("pk", "store_id", "customer_id", "vehicle_id", "delivered_at")
    )
    stores = Store.objects.in_bulk({row[1] for row in missing})
    by_store = {
        pk: (store_calendar(store), follow_up_policy(store)) for pk, store in stores.items()
    }
    created = 0
    for offset in range(0, len(missing), BATCH_SIZE):
        batch = []
        for pk, store_id, customer_id, vehicle_id, delivered_at in missing[
            offset : offset + BATCH_SIZE
        ]:
            calendar, policy = by_store[store_id]
            batch.append(
                _after_service_task(
                    repair_order_id=pk,
                    store_id=store_id,
                    customer_id=customer_id,
                    vehicle_id=vehicle_id,
                    delivered_at=delivered_at,
                    calendar=calendar,
                    policy=policy,
                    agent=None,  # unassigned: every agent of the store sees it on the worklist
                )
            )
        created += _insert(batch)
    return created


def _insert(tasks: list[FollowUpTask]) -> int:
    if not tasks:
        return 0
    keys = [task.source_key for task in tasks]
    existing = FollowUpTask.objects.filter(source_key__in=keys)
    # One transaction per batch: a run that dies leaves whole batches, which the next run
    # completes. (The count is exact on SQLite; on PostgreSQL a run racing this one may make
    # it count rows the other inserted — the rows themselves are never doubled.)
    with transaction.atomic():
        before = existing.count()
        FollowUpTask.objects.bulk_create(tasks, ignore_conflicts=True, batch_size=BATCH_SIZE)
        return existing.count() - before


@transaction.atomic
def follow_up_record_outcome(
    *,
    task: FollowUpTask,
    actor,
    result: str,
    reasons=(),
    comment: str = "",
    at: dt.datetime | None = None,
) -> FollowUpTask:
    """Record one call. Unreachable: retried on the next working day up to the store's limit,
    then closed as unreachable. Dissatisfied: flagged for a complaint."""
    at = at or timezone.now()
    reasons = list(dict.fromkeys(reasons or ()))
    comment = (comment or "").strip()
    if result not in Result.values:
        raise ValidationFailed(
            "结果必须是满意、不满意或未接通。",
            "result must be satisfied, dissatisfied or unreachable.",
            field="result",
        )
    if any(reason not in DissatisfactionReason.values for reason in reasons):
        raise ValidationFailed("未知的不满意原因。", "Unknown reason.", field="reasons")
    if result == Result.DISSATISFIED and not reasons:
        raise ReasonsRequired()
    if result != Result.DISSATISFIED:
        # Boxes ticked before the agent settled on another result are not reasons.
        reasons = []
    if not task.is_open:
        raise TaskClosed(task.get_status_display())
    store = task.store
    policy = follow_up_policy(store)
    attempts = task.attempts + 1
    changes = {"attempts": attempts, "updated_at": at}
    if result == Result.UNREACHABLE and attempts < policy.max_attempts:
        calendar = store_calendar(store)
        changes.update(
            status=Status.IN_PROGRESS,
            next_attempt_on=calendar.next_working_day(timezone.localtime(at, calendar.tz).date()),
        )
    elif result == Result.UNREACHABLE:
        changes.update(
            status=Status.CLOSED_UNREACHABLE, result=Result.UNREACHABLE, done_at=at, comment=comment
        )
    else:
        changes.update(
            status=Status.DONE,
            result=result,
            done_at=at,
            reasons=reasons,
            comment=comment,
            needs_complaint=result == Result.DISSATISFIED,
        )
    # Conditional on the attempt count we read: two agents saving at once cannot both count.
    updated = FollowUpTask.objects.filter(
        pk=task.pk, status__in=[Status.PENDING, Status.IN_PROGRESS], attempts=task.attempts
    ).update(**changes)
    if not updated:
        task.refresh_from_db()
        if not task.is_open:
            raise TaskClosed(task.get_status_display())
        raise OutcomeConflict()
    FollowUpAttempt.objects.create(
        task=task, at=at, actor=actor, result=result, reasons=reasons, comment=comment
    )
    previous_status = task.status
    task.refresh_from_db()
    label = Result(result).label
    customer_timeline_add(
        customer_id=task.customer_id,
        store_id=task.store_id,
        kind=CustomerEvent.Kind.FOLLOW_UP,
        at=at,
        actor=actor,
        summary=f"{task.get_kind_display()}：{label} {comment}".strip()[:200],
        data={"follow_up_id": task.pk, "result": result, "reasons": reasons},
    )
    audit_log_write(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=task,
        changes={
            "status": [previous_status, task.status],
            "result": [None, result],
            "attempts": [attempts - 1, attempts],
        },
    )
    if result == Result.DISSATISFIED:
        _complaint_from(task, actor=actor, reasons=reasons, comment=comment, at=at)
    return task


def _complaint_from(task: FollowUpTask, *, actor, reasons, comment, at) -> None:
    """A dissatisfied customer becomes a complaint linked to the follow-up (source follow_up);
    the reason codes are the complaint categories."""
    from dealercare.complaints.models import Complaint
    from dealercare.complaints.services import complaint_register

    labels = "、".join(str(DissatisfactionReason(reason).label) for reason in reasons)
    complaint_register(
        actor=actor,
        store=task.store,
        customer=task.customer,
        vehicle=task.vehicle,
        repair_order=task.repair_order,
        follow_up=task,
        source=Complaint.Source.FOLLOW_UP,
        category=reasons[0],
        description=f"{task.get_kind_display()}不满意：{labels}。{comment}",
        at=at,
    )


def _home_visit_rank(seed: str, customer_id: int) -> str:
    return hashlib.sha256(f"{seed}:{customer_id}".encode()).hexdigest()


def home_visits_schedule(*, store: Store, month: dt.date) -> int:
    """The monthly home-visit list (上门访问名单): a reproducible random share of the store's
    customers. Each customer's place in the month's draw is a hash of (store, month, customer),
    so a second run (or one completing a run that died half-way) adds nobody, and customers
    registered meanwhile only top the list up to the share."""
    policy = follow_up_policy(store)
    first = month.replace(day=1)
    customer_ids = list(Customer.objects.filter(store=store).values_list("pk", flat=True))
    target = round(len(customer_ids) * float(policy.home_visit_share))
    month_tasks = FollowUpTask.objects.filter(
        store=store, kind=Kind.HOME_VISIT, source_key__startswith=f"home_visit:{first:%Y-%m}:"
    )
    already = set(month_tasks.values_list("customer_id", flat=True))
    wanted = target - len(already)
    if wanted <= 0:
        return 0
    seed = f"{store.code}:{first:%Y-%m}"
    chosen = sorted(
        (pk for pk in customer_ids if pk not in already),
        key=lambda pk: _home_visit_rank(seed, pk),
    )[:wanted]
    calendar = store_calendar(store)
    window_start = first if calendar.is_working_day(first) else calendar.next_working_day(first)
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    due = next_month - dt.timedelta(days=1)
    tasks = [
        FollowUpTask(
            store=store,
            kind=Kind.HOME_VISIT,
            source_key=f"home_visit:{first:%Y-%m}:customer:{pk}",
            customer_id=pk,
            window_start=window_start,
            due_date=due,
            next_attempt_on=window_start,
            calendar_estimated=calendar.is_estimated_between(first, due),
        )
        for pk in chosen
    ]
    before = month_tasks.count()
    FollowUpTask.objects.bulk_create(tasks, ignore_conflicts=True)
    return month_tasks.count() - before
