"""The demo group's history: appointments (six months back, two weeks ahead) and two years of
repair orders consistent with them (converted bookings became orders), ~1.5% comebacks, and
today's open orders on the workshop board. Bulk inserts: this is seed data, not staff actions."""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Count, Max, OuterRef, Subquery
from django.utils import timezone

from dealercare.appointments.models import Appointment, Bay, SlotCounter
from dealercare.appointments.slots import ALL_TYPES, booking_policy, slot_times
from dealercare.core.codes import ServiceType
from dealercare.core.models import NumberSequence
from dealercare.customers.models import Customer, CustomerEvent, Vehicle
from dealercare.org.calendar import store_calendar
from dealercare.org.models import Store
from dealercare.workorders.models import RepairOrder, RepairOrderEvent, RepairOrderLine

# Typical jobs per job type: (labour name, hours, parts [(name, quantity, unit price)]).
JOBS = {
    ServiceType.MAINTENANCE: [
        ("更换机油机滤", "0.5", [("全合成机油 4L", "1", "398.00"), ("机油滤芯", "1", "58.00")]),
        (
            "小保养",
            "0.8",
            [
                ("全合成机油 4L", "1", "398.00"),
                ("机油滤芯", "1", "58.00"),
                ("空气滤芯", "1", "86.00"),
            ],
        ),
        (
            "大保养",
            "1.5",
            [
                ("全合成机油 4L", "1", "398.00"),
                ("机油滤芯", "1", "58.00"),
                ("空调滤芯", "1", "96.00"),
                ("火花塞", "4", "68.00"),
            ],
        ),
    ],
    ServiceType.REPAIR: [
        ("更换前刹车片", "1.0", [("前刹车片", "1", "520.00")]),
        ("更换蓄电池", "0.4", [("蓄电池 60Ah", "1", "760.00")]),
        ("检修空调系统", "1.2", [("空调冷媒", "1", "180.00")]),
        ("四轮定位", "0.8", []),
        ("更换雨刮片", "0.2", [("雨刮片", "2", "88.00")]),
    ],
    ServiceType.INSURANCE: [
        (
            "钣金喷漆（前保险杠）",
            "4.0",
            [("前保险杠", "1", "1280.00"), ("油漆辅料", "1", "420.00")],
        ),
        ("更换前大灯", "1.5", [("前大灯总成", "1", "2150.00")]),
    ],
    ServiceType.WARRANTY: [
        ("更换水泵（索赔）", "2.0", [("水泵总成", "1", "0.00")]),
        ("更换车窗升降器（索赔）", "1.0", [("升降器", "1", "0.00")]),
    ],
    ServiceType.INTERNAL: [("新车PDI检查", "1.0", [])],
}
JOB_MIX = (
    [ServiceType.MAINTENANCE] * 55
    + [ServiceType.REPAIR] * 28
    + [ServiceType.INSURANCE] * 9
    + [ServiceType.WARRANTY] * 6
    + [ServiceType.INTERNAL] * 2
)
LABOUR_RATE = Decimal("180.00")
OPEN_STATUSES = [
    "reception",
    "dispatched",
    "in_progress",
    "in_progress",
    "waiting_parts",
    "qc",
    "washing",
    "ready",
    "ready",
    "settled",
]


class DemoHistory:
    def __init__(
        self,
        *,
        rng: random.Random,
        today: dt.date,
        days: int,
        appointments_per_day: int,
        repair_orders_per_day: int,
        repair_order_days: int = 730,
    ):
        self.rng = rng
        self.today = today
        self.days = days
        self.appointments_per_day = appointments_per_day
        self.repair_orders_per_day = repair_orders_per_day
        self.repair_order_days = repair_order_days

    def appointments(self, stores: list[Store]) -> None:
        """Six months of past and two weeks of future bookings per store, ~60% online."""
        now = timezone.now()
        Status, Channel = Appointment.Status, Appointment.Channel
        service_types = [
            ServiceType.MAINTENANCE,
            ServiceType.MAINTENANCE,
            ServiceType.MAINTENANCE,
            ServiceType.REPAIR,
            ServiceType.REPAIR,
            ServiceType.INSURANCE,
            ServiceType.WARRANTY,
        ]
        offline = [Channel.PHONE, Channel.PHONE, Channel.WALK_IN, Channel.DEALER_INITIATED]
        appointments, counters = [], {}
        for store in stores:
            calendar = store_calendar(store)
            policy = booking_policy(store)
            bays = list(store.bays.order_by("name"))
            vehicles = list(Vehicle.objects.filter(store=store).values_list("pk", "owner_id"))
            day = self.today - dt.timedelta(days=self.days)
            while day <= self.today + dt.timedelta(days=14):
                times = [t for t in slot_times(calendar, policy, day, "service")]
                future = day > self.today
                wanted = (
                    self.rng.randint(2, 5)
                    if future
                    else self.rng.randint(
                        self.appointments_per_day - 3, self.appointments_per_day + 3
                    )
                )
                for _ in range(max(wanted, 0)):
                    if not times:
                        break
                    start, end = self.rng.choice(times)
                    used = counters.get((store.pk, start), 0)
                    if used >= len(bays):
                        continue
                    vehicle_id, customer_id = self.rng.choice(vehicles)
                    if start > now:
                        status = Status.CONFIRMED if self.rng.random() < 0.8 else Status.REQUESTED
                    else:
                        roll = self.rng.random()
                        status = (
                            Status.NO_SHOW
                            if roll < 0.08
                            else Status.CANCELLED
                            if roll < 0.15
                            else Status.CONVERTED
                        )
                    holds = status in (Status.REQUESTED, Status.CONFIRMED)
                    channel = (
                        Channel.ONLINE if self.rng.random() < 0.6 else self.rng.choice(offline)
                    )
                    if status == Status.REQUESTED:
                        channel = Channel.ONLINE
                    if holds:
                        counters[(store.pk, start)] = used + 1
                    appointments.append(
                        Appointment(
                            store=store,
                            customer_id=customer_id,
                            vehicle_id=vehicle_id,
                            start=start,
                            end=end,
                            service_type=self.rng.choice(service_types),
                            channel=channel,
                            status=status,
                            bay=bays[used] if holds else self.rng.choice(bays),
                        )
                    )
                day += dt.timedelta(days=1)
        Appointment.objects.bulk_create(appointments, batch_size=1000)
        # The capacity rows of the future slots, consistent with the bookings holding them.
        by_type: dict[tuple, int] = {}
        for appointment in appointments:
            if appointment.status in (Status.REQUESTED, Status.CONFIRMED):
                key = (appointment.store_id, appointment.start, appointment.service_type)
                by_type[key] = by_type.get(key, 0) + 1
        bay_counts = dict(
            Bay.objects.values("store").annotate(n=Count("id")).values_list("store", "n")
        )
        SlotCounter.objects.bulk_create(
            [
                SlotCounter(
                    store_id=store_id,
                    kind="service",
                    start=start,
                    service_type=ALL_TYPES,
                    capacity=bay_counts[store_id],
                    booked=booked,
                )
                for (store_id, start), booked in counters.items()
            ]
            + [
                SlotCounter(
                    store_id=store_id,
                    kind="service",
                    start=start,
                    service_type=service_type,
                    capacity=bay_counts[store_id],
                    booked=booked,
                )
                for (store_id, start, service_type), booked in by_type.items()
            ],
            batch_size=1000,
        )

    def repair_orders(self, stores: list[Store]) -> None:
        """Two years of orders per store: converted bookings became orders, walk-ins fill the
        day; ~1.5% comebacks; today's orders are open on the workshop board."""
        if not self.repair_orders_per_day:
            return
        now = timezone.now()
        orders: list[RepairOrder] = []
        lines: dict[int, list[RepairOrderLine]] = {}
        sequences: dict[tuple[str, dt.date], int] = {}
        converted: dict[tuple[int, dt.date], list[Appointment]] = {}
        for appointment in Appointment.objects.filter(status=Appointment.Status.CONVERTED):
            key = (appointment.store_id, timezone.localtime(appointment.start).date())
            converted.setdefault(key, []).append(appointment)
        for store in stores:
            calendar = store_calendar(store)
            tz = calendar.tz
            advisors = list(
                User.objects.filter(
                    staff_profile__store=store, groups__name="service_advisor"
                ).values_list("pk", flat=True)
            )
            vehicles = list(
                Vehicle.objects.filter(store=store).values_list(
                    "pk", "owner_id", "current_mileage_km", "purchase_date"
                )
            )
            vehicle_by_id = {vehicle[0]: vehicle for vehicle in vehicles}
            day = self.today - dt.timedelta(days=self.repair_order_days)
            while day <= self.today:
                if not calendar.is_working_day(day):
                    day += dt.timedelta(days=1)
                    continue
                booked = converted.get((store.pk, day), [])
                wanted = max(
                    self.rng.randint(
                        self.repair_orders_per_day - 3, self.repair_orders_per_day + 3
                    ),
                    len(booked),
                )
                arrivals = [
                    (a.start, a.vehicle_id, a.customer_id, a.service_type, a) for a in booked
                ]
                for _ in range(wanted - len(booked)):
                    vehicle_id, owner_id, _km, _bought = self.rng.choice(vehicles)
                    minute = self.rng.randrange(8 * 60 + 30, 16 * 60 + 30)
                    start = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tz)
                    arrivals.append((start, vehicle_id, owner_id, self.rng.choice(JOB_MIX), None))
                for start, vehicle_id, owner_id, job_type, appointment in sorted(
                    arrivals, key=lambda a: a[0]
                ):
                    if start > now:
                        continue
                    vehicle = vehicle_by_id.get(vehicle_id)
                    if vehicle is None:
                        continue
                    order = self._order(
                        store,
                        day,
                        start,
                        vehicle,
                        owner_id,
                        job_type,
                        appointment,
                        advisors,
                        sequences,
                        now,
                    )
                    orders.append(order)
                    lines[id(order)] = self._lines(order)
                day += dt.timedelta(days=1)
        orders += self._comebacks(orders, lines, sequences, now)
        self._save(orders, lines, sequences)

    def _order(
        self, store, day, start, vehicle, owner_id, job_type, appointment, advisors, sequences, now
    ) -> RepairOrder:
        vehicle_id, _owner, current_km, bought = vehicle
        sequences[(store.code, day)] = sequences.get((store.code, day), 0) + 1
        created = start + dt.timedelta(minutes=self.rng.randrange(3, 20))
        promised = created + dt.timedelta(hours=self.rng.choice([2, 3, 3, 4, 6, 24]))
        owned_days = max((self.today - (bought or self.today)).days, 1)
        km_then = int(current_km * max(owned_days - (self.today - day).days, 1) / owned_days)
        order = RepairOrder(
            store=store,
            number=f"RO{day:%Y%m%d}{sequences[(store.code, day)]:04d}",
            vehicle_id=vehicle_id,
            customer_id=owner_id,
            appointment=appointment,
            advisor_id=self.rng.choice(advisors) if advisors else None,
            job_type=job_type,
            mileage_km=km_then,
            description=self.rng.choice(
                [
                    "例行保养",
                    "刹车有异响",
                    "空调不凉",
                    "仪表故障灯亮",
                    "事故维修",
                    "车身剐蹭",
                    "常规检查",
                ]
            ),
            walkaround={"fuel_level": self.rng.choice(["1/4", "1/2", "3/4"])},
            promised_at=promised,
            created_at=created,
            updated_at=created,
        )
        if day < self.today:
            if self.rng.random() < 0.02:
                order.status = RepairOrder.Status.CANCELLED
            else:
                late = self.rng.random() < 0.12
                offset = self.rng.randrange(5, 120) if late else -self.rng.randrange(0, 90)
                order.status = RepairOrder.Status.DELIVERED
                order.delivered_at = promised + dt.timedelta(minutes=offset)
                order.settled_at = order.delivered_at - dt.timedelta(minutes=10)
        else:
            order.status = self.rng.choice(OPEN_STATUSES)
        return order

    def _lines(self, order: RepairOrder) -> list[RepairOrderLine]:
        labour, hours, parts = self.rng.choice(JOBS[order.job_type])
        result = [
            RepairOrderLine(
                kind="labour",
                name=labour,
                hours=Decimal(hours),
                quantity=Decimal("1"),
                unit_price=LABOUR_RATE,
            )
        ]
        result += [
            RepairOrderLine(
                kind="part", name=name, quantity=Decimal(quantity), unit_price=Decimal(price)
            )
            for name, quantity, price in parts
        ]
        total = sum((line.amount for line in result), Decimal("0.00"))
        if order.job_type == ServiceType.MAINTENANCE and self.rng.random() < 0.2:
            order.discount = (total * Decimal("0.1")).quantize(Decimal("0.01"))
        if order.status in (RepairOrder.Status.DELIVERED, RepairOrder.Status.SETTLED):
            order.settled_total = total - order.discount
        return result

    def _comebacks(self, orders, lines, sequences, now) -> list[RepairOrder]:
        """~1.5% of repairs come back within the comeback window for the same job."""
        comebacks = []
        candidates = [
            o
            for o in orders
            if o.status == RepairOrder.Status.DELIVERED and o.job_type == ServiceType.REPAIR
        ]
        total = len(orders)
        for original in self.rng.sample(candidates, min(len(candidates), int(total * 0.015))):
            back_at = original.delivered_at + dt.timedelta(days=self.rng.randrange(2, 26))
            if back_at >= now - dt.timedelta(days=1):
                continue
            day = timezone.localtime(back_at).date()
            sequences[(original.store.code, day)] = sequences.get((original.store.code, day), 0) + 1
            comeback = RepairOrder(
                store=original.store,
                number=f"RO{day:%Y%m%d}{sequences[(original.store.code, day)]:04d}",
                vehicle_id=original.vehicle_id,
                customer_id=original.customer_id,
                advisor_id=original.advisor_id,
                job_type=ServiceType.REPAIR,
                mileage_km=original.mileage_km + self.rng.randrange(100, 1500),
                description="同一问题再次出现（返修）",
                promised_at=back_at + dt.timedelta(hours=3),
                created_at=back_at,
                updated_at=back_at,
                status=RepairOrder.Status.DELIVERED,
                delivered_at=back_at + dt.timedelta(hours=2),
                settled_at=back_at + dt.timedelta(hours=2),
                settled_total=Decimal("0.00"),
            )
            comeback.demo_original = original  # linked once both have primary keys
            first_labour = lines[id(original)][0]
            lines[id(comeback)] = [
                RepairOrderLine(
                    kind="labour",
                    name=first_labour.name,
                    hours=first_labour.hours,
                    quantity=Decimal("1"),
                    unit_price=Decimal("0.00"),
                )
            ]
            comebacks.append(comeback)
        return comebacks

    def _save(self, orders, lines, sequences) -> None:
        with _timestamps_as_given(RepairOrder):
            RepairOrder.objects.bulk_create(orders, batch_size=2000)
        for order in orders:
            if hasattr(order, "demo_original"):
                order.comeback_of_id = order.demo_original.pk
        RepairOrder.objects.bulk_update(
            [o for o in orders if o.comeback_of_id], ["comeback_of"], batch_size=1000
        )
        all_lines = []
        for order in orders:
            for line in lines[id(order)]:
                line.repair_order_id = order.pk
                all_lines.append(line)
        RepairOrderLine.objects.bulk_create(all_lines, batch_size=5000)
        RepairOrderEvent.objects.bulk_create(
            (
                RepairOrderEvent(
                    repair_order_id=o.pk,
                    at=o.delivered_at or o.created_at,
                    from_status="",
                    to_status=o.status,
                )
                for o in orders
            ),
            batch_size=5000,
        )
        CustomerEvent.objects.bulk_create(
            (
                CustomerEvent(
                    customer_id=o.customer_id,
                    store_id=o.store_id,
                    kind=CustomerEvent.Kind.REPAIR_ORDER,
                    at=o.delivered_at or o.created_at,
                    summary=f"{o.number} {o.get_status_display()}",
                    data={"repair_order_id": o.pk, "status": o.status},
                )
                for o in orders
            ),
            batch_size=5000,
        )
        NumberSequence.objects.bulk_create(
            NumberSequence(key=f"RO:{code}:{day:%Y%m%d}", value=count)
            for (code, day), count in sequences.items()
            if day == self.today
        )
        last_visit = (
            RepairOrder.objects.filter(customer=OuterRef("pk"), status="delivered")
            .values("customer")
            .annotate(last=Max("delivered_at"))
            .values("last")
        )
        Customer.objects.update(last_visit_at=Subquery(last_visit))

    def insurance_policies(self, stores: list[Store]) -> None:
        """One policy per vehicle, ending at some point in the coming year."""
        from dealercare.reminders.models import InsurancePolicy

        insurers = ["中国人保", "平安保险", "太平洋保险", "中华联合", "大地保险"]
        InsurancePolicy.objects.bulk_create(
            (
                InsurancePolicy(
                    store_id=store_id,
                    vehicle_id=pk,
                    insurer=self.rng.choice(insurers),
                    policy_number=f"PDAA{self.today:%Y}{pk:08d}",
                    end_date=self.today + dt.timedelta(days=self.rng.randrange(1, 366)),
                    premium=Decimal(self.rng.randrange(3000, 9000)),
                )
                for pk, store_id in Vehicle.objects.filter(store__in=stores)
                .values_list("pk", "store_id")
                .iterator()
            ),
            batch_size=5000,
        )

    def follow_ups(self, stores: list[Store]) -> None:
        """After-service follow-ups for the last month's deliveries; those past their window
        are done (mostly satisfied, some dissatisfied, some unreachable)."""
        from dealercare.followups.models import DissatisfactionReason, FollowUpTask
        from dealercare.followups.services import _after_service_task, follow_up_policy

        agents = {
            store.pk: list(User.objects.filter(staff_profile__store=store, groups__name="cs_agent"))
            for store in stores
        }
        since = timezone.now() - dt.timedelta(days=30)
        tasks = []
        for store in stores:
            calendar, policy = store_calendar(store), follow_up_policy(store)
            for order in RepairOrder.objects.filter(
                store=store, status=RepairOrder.Status.DELIVERED, delivered_at__gte=since
            ).select_related("store"):
                task = _after_service_task(
                    repair_order_id=order.pk,
                    store_id=order.store_id,
                    customer_id=order.customer_id,
                    vehicle_id=order.vehicle_id,
                    delivered_at=order.delivered_at,
                    calendar=calendar,
                    policy=policy,
                    agent=self.rng.choice(agents[store.pk]),
                )
                if task.due_date < self.today:
                    roll = self.rng.random()
                    task.attempts = 1
                    task.done_at = dt.datetime.combine(task.window_start, dt.time(10), calendar.tz)
                    if roll < 0.85:
                        task.status, task.result = "done", "satisfied"
                    elif roll < 0.9:
                        task.status, task.result = "done", "dissatisfied"
                        task.reasons = [self.rng.choice(DissatisfactionReason.values)]
                        task.comment = self.rng.choice(
                            ["等待时间太长", "价格没提前说清楚", "车没洗干净"]
                        )
                    else:
                        task.status, task.result, task.attempts = (
                            "closed_unreachable",
                            "unreachable",
                            3,
                        )
                tasks.append(task)
        FollowUpTask.objects.bulk_create(tasks, ignore_conflicts=True, batch_size=2000)

    def complaints(self, stores: list[Store]) -> None:
        """About one complaint per 100 repair orders: mostly closed, some open and overdue."""
        from dealercare.complaints.models import DEFAULT_SLA, Complaint, Severity
        from dealercare.core.models import NumberSequence

        now = timezone.now()
        descriptions = {
            "attitude": "服务顾问态度冷淡，解释不耐烦",
            "waiting_time": "保养等了三个多小时，比承诺时间晚很多",
            "price_transparency": "结算时多出了没说过的项目费用",
            "repair_quality": "修完后同样的异响又出现了",
            "parts": "更换的配件不是原厂件",
            "environment": "休息区没有空调，卫生间不干净",
            "other": "预约了却没有工位",
        }
        orders = list(
            RepairOrder.objects.filter(
                store__in=stores, status=RepairOrder.Status.DELIVERED
            ).values_list("pk", "store_id", "customer_id", "vehicle_id", "delivered_at")
        )
        picked = self.rng.sample(orders, len(orders) // 100)
        store_codes = {store.pk: store.code for store in stores}
        sequences: dict[tuple[str, dt.date], int] = {}
        complaints = []
        for pk, store_id, customer_id, vehicle_id, delivered_at in picked:
            created = delivered_at + dt.timedelta(
                days=self.rng.randrange(1, 6), hours=self.rng.randrange(0, 6)
            )
            if created > now:
                continue
            severity = self.rng.choices(list(Severity.values), weights=[85, 12, 3])[0]
            category = self.rng.choice(list(descriptions))
            sla = DEFAULT_SLA[Severity(severity)]
            day = timezone.localtime(created).date()
            key = (store_codes[store_id], day)
            sequences[key] = sequences.get(key, 0) + 1
            complaint = Complaint(
                store_id=store_id,
                number=f"TS{day:%Y%m%d}{sequences[key]:04d}",
                customer_id=customer_id,
                vehicle_id=vehicle_id,
                repair_order_id=pk,
                source=self.rng.choice(
                    ["phone", "phone", "follow_up", "walk_in", "third_party", "oem_hotline"]
                ),
                category=category,
                severity=severity,
                proposed_severity=severity,
                description=descriptions[category],
                created_at=created,
                updated_at=created,
                first_response_due=created + dt.timedelta(minutes=sla["first_response_minutes"]),
                resolution_due=created + dt.timedelta(minutes=sla["resolution_minutes"]),
            )
            if now - created > dt.timedelta(days=10) or self.rng.random() < 0.5:
                hours = self.rng.uniform(3, 90)
                complaint.status = Complaint.Status.CLOSED
                complaint.first_responded_at = created + dt.timedelta(
                    minutes=self.rng.randrange(5, 150)
                )
                complaint.confirmed_at = created + dt.timedelta(hours=hours)
                complaint.closed_at = complaint.confirmed_at + dt.timedelta(hours=1)
                complaint.root_cause = "流程执行不到位"
                complaint.corrective_action = "班前会通报并复训"
                complaint.resolution = "致歉并赠送免费洗车"
            else:
                complaint.status = self.rng.choice(
                    ["new", "acknowledged", "dispatched", "accepted"]
                )
            complaints.append(complaint)
        seen: dict[int, dt.datetime] = {}
        for complaint in sorted(complaints, key=lambda c: c.created_at):
            previous = seen.get(complaint.customer_id)
            complaint.is_repeat = (
                previous is not None and complaint.created_at - previous < dt.timedelta(days=90)
            )
            seen[complaint.customer_id] = complaint.created_at
        with _timestamps_as_given(Complaint):
            Complaint.objects.bulk_create(complaints, batch_size=2000)
        NumberSequence.objects.bulk_create(
            (
                NumberSequence(key=f"TS:{code}:{day:%Y%m%d}", value=n)
                for (code, day), n in sequences.items()
                if day == self.today
            ),
            ignore_conflicts=True,
        )


class _timestamps_as_given:
    """bulk_create would stamp auto_now(_add) fields with now; seed history keeps its dates."""

    def __init__(self, model):
        self.fields = [
            f
            for f in model._meta.fields
            if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
        ]

    def __enter__(self):
        self.saved = [(f, f.auto_now, f.auto_now_add) for f in self.fields]
        for field in self.fields:
            field.auto_now = field.auto_now_add = False

    def __exit__(self, *exc):
        for field, auto_now, auto_now_add in self.saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def demo_surveys(rng: random.Random, stores: list[Store], days: int = 62) -> None:
    """Survey responses for about a third of the last two months' deliveries, mostly content,
    so the results page and the follow-up scripts' weak items have data."""
    from dealercare.surveys.models import Answer, Invitation, Item, Questionnaire, Response
    from dealercare.surveys.scoring import response_csi
    from dealercare.surveys.services import INVITATION_DELAY, INVITATION_VALID

    questionnaire = Questionnaire.objects.filter(code="csi-service", status="active").first()
    if questionnaire is None:
        return
    items = list(questionnaire.items.all())
    since = timezone.now() - dt.timedelta(days=days)
    orders = list(
        RepairOrder.objects.filter(
            store__in=stores, status=RepairOrder.Status.DELIVERED, delivered_at__gte=since
        ).values_list("pk", "store_id", "customer_id", "advisor_id", "delivered_at")
    )
    invitations, responses, answers = [], [], []
    for pk, store_id, customer_id, advisor_id, delivered_at in orders:
        send_after = delivered_at + INVITATION_DELAY
        invitations.append(
            Invitation(
                store_id=store_id,
                questionnaire=questionnaire,
                customer_id=customer_id,
                repair_order_id=pk,
                advisor_id=advisor_id,
                channel="sms_link",
                send_after=send_after,
                sent_at=send_after if send_after < timezone.now() else None,
                expires_at=send_after + INVITATION_VALID,
                source_key=f"sms_link:repair_order:{pk}",
            )
        )
    Invitation.objects.bulk_create(invitations, batch_size=2000, ignore_conflicts=True)
    answered = [
        i
        for i in Invitation.objects.filter(questionnaire=questionnaire, sent_at__isnull=False)
        if rng.random() < 0.35
    ]
    # Stores differ a little, and the waiting area is the usual weak point.
    for invitation in answered:
        scores = {}
        for item in items:
            if item.item_type == Item.Type.SCALE5:
                low = 3 if item.dimension == "environment" else 4
                scores[item.pk] = rng.choices([5, low, 3, 2], weights=[70, 22, 6, 2])[0]
            elif item.item_type == Item.Type.RECOMMEND:
                scores[item.pk] = rng.choices([10, 9, 8, 7, 5], weights=[45, 25, 15, 10, 5])[0]
        scored = [(i.weight, scores[i.pk], i.max_score) for i in items if i.scored]
        at = invitation.send_after + dt.timedelta(hours=rng.randrange(1, 30))
        recommend = next(scores[i.pk] for i in items if i.item_type == Item.Type.RECOMMEND)
        csi = response_csi(scored)
        responses.append(
            Response(
                invitation=invitation,
                store_id=invitation.store_id,
                questionnaire=questionnaire,
                channel="sms_link",
                advisor_id=invitation.advisor_id,
                submitted_at=at,
                month=timezone.localtime(at).date().replace(day=1),
                csi=csi,
                recommend=recommend,
                below_threshold=csi < 80
                or recommend <= 6
                or min(s for _, s, m in scored if m == 5) <= 2,
            )
        )
        answers.append(scores)
    Response.objects.bulk_create(responses, batch_size=2000)
    Answer.objects.bulk_create(
        (
            Answer(response=response, item_id=item_id, score=score)
            for response, scores in zip(responses, answers, strict=True)
            for item_id, score in scores.items()
        ),
        batch_size=5000,
    )
