"""Reads of follow-ups (always store-scoped): the agent's worklist, one task, the daily summary."""

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from dealercare.core.errors import NotFound
from dealercare.core.masking import mask_phone
from dealercare.core.models import choice_labels
from dealercare.core.periods import local_day

from .models import FollowUpAttempt, FollowUpTask

Status, Result = FollowUpTask.Status, FollowUpTask.Result
OPEN = [Status.PENDING, Status.IN_PROGRESS]


def _not_found() -> NotFound:
    # The same answer whether the follow-up does not exist or belongs to another store.
    return NotFound("回访任务不存在。", "Follow-up not found.")


def follow_up_list(
    *,
    actor,
    store_id: int | None = None,
    status: str = "",
    kind: str = "",
    repair_order_id: int | None = None,
    assignee_id: int | None = None,
) -> QuerySet[FollowUpTask]:
    tasks = (
        FollowUpTask.objects.visible_to(actor)
        .in_store(store_id)
        .select_related(
            "store",
            "customer",
            "vehicle",
            "repair_order__advisor__staff_profile",
            "assignee__staff_profile",
        )
    )
    if status:
        tasks = tasks.filter(status=status)
    if kind:
        tasks = tasks.filter(kind=kind)
    if repair_order_id is not None:
        tasks = tasks.filter(repair_order_id=repair_order_id)
    if assignee_id is not None:
        tasks = tasks.filter(assignee_id=assignee_id)
    return tasks.order_by("due_date", "id")


# What a list's rows show (FollowUpOut): a task's own columns and four of its neighbours'.
LIST_COLUMNS = [
    f.attname
    for f in FollowUpTask._meta.concrete_fields
    if f.attname not in {"created_at", "updated_at", "source_key", "done_at"}
]


def list_rows(tasks: QuerySet[FollowUpTask]) -> QuerySet[dict]:
    """The API's rows (FollowUpOut) as plain values, each task's first complaint (a dissatisfied
    call becomes one) by a subquery: building a task and three related records for every row,
    then reading them back attribute by attribute, was most of a list's time."""
    from dealercare.complaints.models import Complaint

    first_complaint = Complaint.objects.filter(follow_up=OuterRef("pk")).order_by("pk")
    return tasks.select_related(None).values(
        *LIST_COLUMNS,
        complaint_id=Subquery(first_complaint.values("pk")[:1]),
        customer_name=F("customer__name"),
        customer_mobile=F("customer__mobile"),
        plate=F("vehicle__plate"),
        repair_order_number=F("repair_order__number"),
    )


def follow_up_row(*, actor, task_id: int) -> dict:
    """One task as the API shows it (list_rows)."""
    row = list_rows(follow_up_list(actor=actor).filter(pk=task_id)).first()
    if row is None:
        raise _not_found()
    return row


def worklist(
    *,
    actor,
    store_id: int | None,
    kind: str = "",
    today: dt.date | None = None,
    upcoming_days: int = 7,
) -> QuerySet[FollowUpTask]:
    """Open tasks workable now or soon: due today first, then overdue (oldest first), then
    the rest by due date. The agent's own and unassigned ones. A task whose next call is on a
    later day (an unreachable customer to try again tomorrow) waits among the upcoming ones."""
    today = today or timezone.localdate()
    tasks = follow_up_list(actor=actor, store_id=store_id, kind=kind).filter(
        status__in=OPEN, next_attempt_on__lte=today + dt.timedelta(days=upcoming_days)
    )
    if getattr(getattr(actor, "staff_profile", None), "has_role", lambda *r: False)("cs_agent"):
        tasks = tasks.filter(Q(assignee=actor) | Q(assignee__isnull=True))
    return tasks.annotate(
        bucket=Case(
            When(next_attempt_on__gt=today, then=Value(2)),
            When(due_date=today, then=Value(0)),
            When(due_date__lt=today, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("bucket", "due_date", "id")


def worklist_rows(
    worklist: QuerySet[FollowUpTask], ids: list[int], *, today: dt.date
) -> list[dict]:
    """The worklist tasks `ids` (one page, chosen on the task table alone), in that order, as
    their rows show them (followups/worklist.html): sorting a big store's open tasks after
    joining customers, vehicles and orders to each cost several times more, and building six
    records a row, then working out labels and dates in the template, most of the rest."""
    from dealercare.workorders.models import RepairOrder

    kinds = choice_labels(FollowUpTask, "kind")
    job_types = choice_labels(RepairOrder, "job_type")
    by_id = {}
    for row in (
        worklist.filter(pk__in=ids)
        .select_related(None)
        .values(
            "id",
            "bucket",
            "kind",
            "due_date",
            "next_attempt_on",
            "attempts",
            "calendar_estimated",
            "vehicle_id",
            "repair_order_id",
            customer_name=F("customer__name"),
            customer_mobile=F("customer__mobile"),
            plate=F("vehicle__plate"),
            vehicle_brand=F("vehicle__brand"),
            vehicle_model=F("vehicle__model"),
            repair_order_number=F("repair_order__number"),
            job_type=F("repair_order__job_type"),
            advisor_name=F("repair_order__advisor__staff_profile__display_name"),
        )
    ):
        due = row["due_date"]
        row.update(
            due_state="overdue" if due < today else "due-today" if due == today else "",
            due_text=due.strftime("%m-%d"),
            kind_label=kinds.get(row["kind"], row["kind"]),
            mobile_masked=mask_phone(row.pop("customer_mobile")),
            job_type_label=job_types.get(row["job_type"], row["job_type"]),
            next_call_text=(
                row["next_attempt_on"].strftime("%m-%d") if row["next_attempt_on"] > today else ""
            ),
        )
        by_id[row["id"]] = row
    return [by_id[pk] for pk in ids]


def follow_up_get(*, actor, task_id: int) -> FollowUpTask:
    task = follow_up_list(actor=actor).filter(pk=task_id).first()
    if task is None:
        raise _not_found()
    return task


@dataclass(frozen=True)
class DailySummary:
    day: dt.date
    done: int
    on_time: int
    attempted: int
    contacted: int
    dissatisfied_count: int
    overdue_open: int
    reminders_sent: int = 0
    reminder_bookings: int = 0
    dissatisfied_tasks: QuerySet | None = field(default=None, repr=False, compare=False)

    @cached_property
    def dissatisfied(self) -> list[FollowUpTask]:
        """The day's dissatisfied customers' tasks, read when a page lists them."""
        return [] if self.dissatisfied_tasks is None else list(self.dissatisfied_tasks)

    @property
    def contact_rate(self):
        return None if not self.attempted else round(self.contacted / self.attempted, 4)

    @property
    def on_time_rate(self):
        return None if not self.done else round(self.on_time / self.done, 4)


def daily_summary(*, actor, store_id: int | None, day: dt.date | None = None) -> DailySummary:
    """What the CS manager reads at the end of a day: tasks finished, on time, contact rate
    (reached ÷ tasks with a call that day), the dissatisfied customers, what is overdue, the
    reminders sent and the bookings they brought. Six queries whatever the day's volume."""
    day = day or timezone.localdate()
    start, end = local_day(day)
    tasks = follow_up_list(actor=actor, store_id=store_id)
    finished = tasks.filter(
        done_at__gte=start, done_at__lt=end, status__in=[Status.DONE, Status.CLOSED_UNREACHABLE]
    )
    dissatisfied = Q(result=Result.DISSATISFIED)
    finished_counts = finished.order_by().aggregate(
        done=Count("id"),
        on_time=Count("id", filter=Q(done_at__date__lte=F("due_date"))),
        dissatisfied=Count("id", filter=dissatisfied),
    )
    calls = (
        FollowUpAttempt.objects.filter(at__gte=start, at__lt=end, task__in=tasks.values("pk"))
        .order_by()
        .aggregate(
            attempted=Count("task", distinct=True),
            contacted=Count(
                "task",
                distinct=True,
                filter=Q(result__in=[Result.SATISFIED, Result.DISSATISFIED]),
            ),
        )
    )
    return DailySummary(
        day=day,
        done=finished_counts["done"],
        on_time=finished_counts["on_time"],
        attempted=calls["attempted"],
        contacted=calls["contacted"],
        dissatisfied_count=finished_counts["dissatisfied"],
        dissatisfied_tasks=finished.filter(dissatisfied),
        overdue_open=tasks.filter(status__in=OPEN, due_date__lt=day).count(),
        **_reminder_figures(actor=actor, store_id=store_id, day=day),
    )


def _reminder_figures(*, actor, store_id: int | None, day: dt.date) -> dict[str, int]:
    """Reminders sent (message or call task) that day, and the distinct bookings that the
    reminders of the last 30 days brought (a booking credited to both stages counts once)."""
    from dealercare.reminders.models import Reminder

    reminders = Reminder.objects.visible_to(actor).in_store(store_id)
    day_start, day_end = local_day(day)
    month_start, _ = local_day(day - dt.timedelta(days=29))
    # Two reads, each on its own index: one aggregate over both would read every reminder of
    # the last 30 days (thousands a store) to find the few that brought a booking.
    return {
        "reminders_sent": reminders.filter(sent_at__gte=day_start, sent_at__lt=day_end).count(),
        "reminder_bookings": reminders.filter(
            sent_at__gte=month_start, sent_at__lt=day_end, booked_appointment__isnull=False
        )
        .values("booked_appointment")
        .distinct()
        .count(),
    }
