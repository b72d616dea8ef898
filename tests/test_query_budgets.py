"""Query budgets (issue 8): every benchmarked list page and endpoint issues a fixed number of
queries, whatever the number of rows it shows.

Each case builds its rows through the real services, once with 10 rows and once with 100,
requests as a store-A user of the role that works with the list, checks that the answer
really lists the rows, and counts the queries of that one request. The budget is the count
itself and the same number for both sizes, so a query per row (an N+1) fails the 100-row
case, and `len(captured) == budget` states that 10 and 100 rows cost exactly the same.
A change that lowers a count should lower its budget here.
"""

import datetime as dt
import math
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from dealercare.appointments import services as appointment_services
from dealercare.appointments.models import Bay
from dealercare.appointments.slots import day_slots
from dealercare.complaints import services as complaint_services
from dealercare.complaints.models import Complaint
from dealercare.followups.models import FollowUpTask
from dealercare.followups.services import follow_up_record_outcome
from dealercare.surveys.services import questionnaire_activate, questionnaire_create
from dealercare.workorders import services as workorder_services

from .factories import make_customer, make_staff, make_vehicle
from .followups.conftest import delivered_row
from .surveys.conftest import MIXED_ITEMS, answer, invite
from .workorders.conftest import drive, open_order

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # a Monday morning
TOMORROW = dt.date(2026, 11, 24)  # a working Tuesday: the day plan's day
SIZES = [10, 100]

# Queries of one request, identical at 10 and 100 rows. They include the fixed cost of every
# request without a shared cache (`uncached` below): the token or the session, and the user with
# their staff profile; the user's permissions; for pages the base template's store switcher and
# worker heartbeat. With Redis, users, permissions and tokens come from the cache
# (tests/org/test_auth_cache.py).
BUDGETS = {
    "api follow-ups": 7,
    "page follow-ups": 15,
    "api customers search": 7,
    "api customers": 7,
    "page customers search": 8,
    "page customers": 8,
    "api customer detail": 8,
    "page customer detail": 10,
    "api appointments": 7,
    "page appointments": 16,
    "api repair orders": 7,
    "page workorders board": 8,
    "api repair order detail": 10,
    "page workorder detail": 11,
    "api complaints": 7,
    "page complaints": 8,
    "api survey results item": 9,
    "api survey results advisor": 9,
    "page surveys item": 12,
    "page surveys advisor": 12,
}


@pytest.fixture(autouse=True)
def uncached(settings):
    """The same counts on every database and cache: users and permissions read from the
    database, as without Redis."""
    settings.AUTH_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _sql(captured) -> str:
    return "\n".join(f"{n}. {q['sql']}" for n, q in enumerate(captured.captured_queries, 1))


def budgeted(django_assert_max_num_queries, endpoint: str, client: Client, url: str):
    """GET `url` within the endpoint's budget; the count must be exactly the budget."""
    budget = BUDGETS[endpoint]
    with django_assert_max_num_queries(budget) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:1000]
    assert len(captured) == budget, (
        f"{endpoint}: {len(captured)} queries, budget {budget}\n{_sql(captured)}"
    )
    return response


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def occurrences(response, pattern: str) -> int:
    return len(re.findall(pattern, response.content.decode()))


def cars(store, actor, n: int, *, plate_prefix: str = "京A8", name: str = "客户") -> list:
    """`n` customers of `store`, each with one car: [(customer, vehicle), ...]."""
    made = []
    for i in range(n):
        customer = make_customer(store, actor, name=f"{name}{i}")
        made.append((customer, make_vehicle(customer, actor, plate=f"{plate_prefix}{i:04d}")))
    return made


# -- follow-ups -------------------------------------------------------------------------------
@pytest.fixture
def follow_ups(store_a, agent_a):
    """`follow_ups(n)`: n after-service tasks of store A, due this week; the first one was
    called this morning and the customer was dissatisfied (a complaint was opened), so n - 1
    are still on the worklist. Returns that task's complaint."""

    def _make(n: int):
        advisor = make_staff("service_advisor", store_a)
        tasks = [
            FollowUpTask.objects.get(
                repair_order=delivered_row(
                    advisor, vehicle, dt.datetime(2026, 11, 20, 16, 0, tzinfo=SHANGHAI)
                )
            )
            for _customer, vehicle in cars(store_a, agent_a, n)
        ]
        follow_up_record_outcome(
            task=tasks[0], actor=agent_a, result="dissatisfied", reasons=["attitude"]
        )
        return Complaint.objects.get(follow_up=tasks[0])

    return _make


@pytest.mark.parametrize("n", SIZES)
def test_api_follow_ups(n, follow_ups, agent_a, api_as, django_assert_max_num_queries):
    complaint = follow_ups(n)
    response = budgeted(
        django_assert_max_num_queries,
        "api follow-ups",
        api_as(agent_a),
        "/api/v1/follow-ups?limit=200",
    )
    body = response.json()
    assert body["count"] == n and len(body["items"]) == n
    linked = {item["id"]: item["complaint_id"] for item in body["items"] if item["complaint_id"]}
    assert linked == {complaint.follow_up_id: complaint.pk}


@pytest.mark.parametrize("n", SIZES)
def test_page_follow_ups(n, follow_ups, agent_a, django_assert_max_num_queries):
    follow_ups(n)
    response = budgeted(
        django_assert_max_num_queries, "page follow-ups", page_client(agent_a), "/follow-ups/"
    )
    # 50 rows a page; the rest on the next pages.
    assert occurrences(response, r'id="task-\d+"') == min(n - 1, 50)
    if n - 1 > 50:
        assert f"共 {n - 1} 项" in response.content.decode()


# -- customers --------------------------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
def test_api_customers_search_by_plate(n, store_a, agent_a, api_as, django_assert_max_num_queries):
    cars(store_a, agent_a, n)
    response = budgeted(
        django_assert_max_num_queries,
        "api customers search",
        api_as(agent_a),
        "/api/v1/customers?q=京A8&limit=200",
    )
    body = response.json()
    assert body["count"] == n and len(body["items"]) == n


@pytest.mark.parametrize("n", SIZES)
def test_api_customers(n, store_a, agent_a, api_as, django_assert_max_num_queries):
    cars(store_a, agent_a, n)
    response = budgeted(
        django_assert_max_num_queries,
        "api customers",
        api_as(agent_a),
        "/api/v1/customers?limit=200",
    )
    body = response.json()
    assert body["count"] == n and len(body["items"]) == n


CUSTOMER_ROW = r'<td><a href="/customers/\d+/">'
CUSTOMERS_PER_PAGE = 25


@pytest.mark.parametrize("n", SIZES)
def test_page_customers_search_by_plate(n, store_a, agent_a, django_assert_max_num_queries):
    cars(store_a, agent_a, n)
    response = budgeted(
        django_assert_max_num_queries,
        "page customers search",
        page_client(agent_a),
        "/customers/?q=京A8",
    )
    assert occurrences(response, CUSTOMER_ROW) == min(n, CUSTOMERS_PER_PAGE)
    assert response.context["page"].paginator.count == n


@pytest.mark.parametrize("n", SIZES)
def test_page_customers(n, store_a, agent_a, django_assert_max_num_queries):
    cars(store_a, agent_a, n)
    response = budgeted(
        django_assert_max_num_queries, "page customers", page_client(agent_a), "/customers/"
    )
    assert occurrences(response, CUSTOMER_ROW) == min(n, CUSTOMERS_PER_PAGE)
    assert response.context["page"].paginator.count == n


@pytest.fixture
def fleet_owner(store_a, agent_a):
    """`fleet_owner(n)`: a customer with n cars, so n vehicles and n + 1 timeline events."""

    def _make(n: int):
        customer = make_customer(store_a, agent_a, name="车队客户")
        for i in range(n):
            make_vehicle(customer, agent_a, plate=f"京A9{i:04d}")
        return customer

    return _make


@pytest.mark.parametrize("n", SIZES)
def test_api_customer_detail(n, fleet_owner, agent_a, api_as, django_assert_max_num_queries):
    customer = fleet_owner(n)
    response = budgeted(
        django_assert_max_num_queries,
        "api customer detail",
        api_as(agent_a),
        f"/api/v1/customers/{customer.pk}",
    )
    assert len(response.json()["vehicles"]) == n


@pytest.mark.parametrize("n", SIZES)
def test_page_customer_detail(n, fleet_owner, agent_a, django_assert_max_num_queries):
    customer = fleet_owner(n)
    response = budgeted(
        django_assert_max_num_queries,
        "page customer detail",
        page_client(agent_a),
        f"/customers/{customer.pk}/",
    )
    assert occurrences(response, r'href="/customers/vehicles/\d+/edit/"') == n
    # The timeline shows its latest 100 events: the customer's creation and a car each.
    html = response.content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert timeline.count("<li><time>") == min(n + 1, 100)


# -- appointments -----------------------------------------------------------------------------
@pytest.fixture
def day_plan(store_a, agent_a):
    """`day_plan(n)`: n service bookings for tomorrow, made by phone through the service,
    spread over the day's slots with as many bays as needed."""

    def _make(n: int):
        advisor = make_staff("service_advisor", store_a)
        starts = [slot.start for slot in day_slots(store_a, TOMORROW)]
        for b in range(math.ceil(n / len(starts))):
            Bay.objects.create(store=store_a, name=f"{b + 1:03d}号工位")
        for i, (customer, vehicle) in enumerate(cars(store_a, agent_a, n)):
            appointment_services.appointment_book(
                actor=advisor,
                store=store_a,
                customer=customer,
                vehicle=vehicle,
                start=starts[i % len(starts)],
                service_type="maintenance",
                channel="phone",
            )
        return advisor

    return _make


@pytest.mark.parametrize("n", SIZES)
def test_api_appointments_of_a_day(n, day_plan, api_as, django_assert_max_num_queries):
    advisor = day_plan(n)
    response = budgeted(
        django_assert_max_num_queries,
        "api appointments",
        api_as(advisor),
        f"/api/v1/appointments?date={TOMORROW}&limit=200",
    )
    body = response.json()
    assert body["count"] == n and len(body["items"]) == n


@pytest.mark.parametrize("n", SIZES)
def test_page_appointments_day_plan(n, day_plan, django_assert_max_num_queries):
    advisor = day_plan(n)
    response = budgeted(
        django_assert_max_num_queries,
        "page appointments",
        page_client(advisor),
        f"/appointments/?date={TOMORROW}",
    )
    assert occurrences(response, r'<div class="booking status-') == n


# -- repair orders ----------------------------------------------------------------------------
@pytest.fixture
def workshop(store_a, agent_a):
    """`workshop(n)`: n open repair orders of store A, a third each received, dispatched and
    in progress, every other one with an add-on waiting for the owner."""

    def _make(n: int):
        advisor = make_staff("service_advisor", store_a)
        for i, (_customer, vehicle) in enumerate(cars(store_a, agent_a, n)):
            order = open_order(advisor, vehicle)
            if i % 2:
                workorder_services.add_on_create(
                    actor=advisor, repair_order=order, name="更换刹车油", price=280
                )
            if i % 3:
                drive(order, ["dispatched", "in_progress"][i % 3 - 1], advisor)
        return advisor

    return _make


@pytest.mark.parametrize("n", SIZES)
def test_api_repair_orders(n, workshop, api_as, django_assert_max_num_queries):
    advisor = workshop(n)
    response = budgeted(
        django_assert_max_num_queries,
        "api repair orders",
        api_as(advisor),
        "/api/v1/repair-orders?limit=200",
    )
    body = response.json()
    assert body["count"] == n and len(body["items"]) == n


@pytest.mark.parametrize("n", SIZES)
def test_page_workorders_board(n, workshop, django_assert_max_num_queries):
    advisor = workshop(n)
    response = budgeted(
        django_assert_max_num_queries, "page workorders board", page_client(advisor), "/workorders/"
    )
    assert occurrences(response, r'<a class="ro-card') == n
    assert occurrences(response, r"项增项待确认") == n // 2


@pytest.fixture
def long_order(store_a, agent_a):
    """`long_order(n)`: one repair order with n lines (labour and parts in turn)."""

    def _make(n: int):
        advisor = make_staff("service_advisor", store_a)
        [(_customer, vehicle)] = cars(store_a, agent_a, 1)
        order = open_order(advisor, vehicle)
        for i in range(n):
            labour = i % 2 == 0
            workorder_services.repair_order_line_add(
                actor=advisor,
                repair_order=order,
                kind="labour" if labour else "part",
                name=f"项目{i}",
                hours=1 if labour else None,
                quantity=None if labour else 2,
                unit_price=180 if labour else 45,
            )
        return advisor, order

    return _make


@pytest.mark.parametrize("n", SIZES)
def test_api_repair_order_detail(n, long_order, api_as, django_assert_max_num_queries):
    advisor, order = long_order(n)
    response = budgeted(
        django_assert_max_num_queries,
        "api repair order detail",
        api_as(advisor),
        f"/api/v1/repair-orders/{order.pk}",
    )
    assert len(response.json()["lines"]) == n


@pytest.mark.parametrize("n", SIZES)
def test_page_workorder_detail(n, long_order, django_assert_max_num_queries):
    advisor, order = long_order(n)
    response = budgeted(
        django_assert_max_num_queries,
        "page workorder detail",
        page_client(advisor),
        f"/workorders/{order.pk}/",
    )
    assert occurrences(response, r'<tr><td class="kind">') == n


# -- complaints -------------------------------------------------------------------------------
@pytest.fixture
def complaints(store_a, agent_a):
    """`complaints(n)`: n new complaints of store A about different cars; their severity."""

    def _make(n: int) -> str:
        severities = {
            complaint_services.complaint_register(
                actor=agent_a,
                store=store_a,
                customer=customer,
                vehicle=vehicle,
                source="phone",
                category="waiting_time",
                description="等待时间太长",
            ).severity
            for customer, vehicle in cars(store_a, agent_a, n)
        }
        [severity] = severities
        return severity

    return _make


@pytest.mark.parametrize("n", SIZES)
def test_api_complaints_filtered(n, complaints, agent_a, api_as, django_assert_max_num_queries):
    severity = complaints(n)
    response = budgeted(
        django_assert_max_num_queries,
        "api complaints",
        api_as(agent_a),
        f"/api/v1/complaints?status=new&severity={severity}&limit=200",
    )
    body = response.json()
    assert body["count"] == n and len(body["items"]) == n


COMPLAINTS_PER_PAGE = 30


@pytest.mark.parametrize("n", SIZES)
def test_page_complaints_filtered(n, complaints, agent_a, django_assert_max_num_queries):
    severity = complaints(n)
    response = budgeted(
        django_assert_max_num_queries,
        "page complaints",
        page_client(agent_a),
        f"/complaints/?status=new&severity={severity}",
    )
    assert occurrences(response, r'class="complaint-number"') == min(n, COMPLAINTS_PER_PAGE)
    assert response.context["page"].paginator.count == n


# -- surveys ----------------------------------------------------------------------------------
MONTH = dt.date(2026, 3, 1)


@pytest.fixture
def survey_month(store_a, agent_a):
    """`survey_month(n)`: n responses in March 2026, each for a different advisor; the CS
    manager who reads them."""

    def _make(n: int):
        admin = make_staff("admin", None)
        questionnaire = questionnaire_activate(
            questionnaire=questionnaire_create(
                actor=admin, code="budget", name="预算问卷", kind="csi", items=MIXED_ITEMS
            ),
            actor=admin,
        )
        for i, (customer, _vehicle) in enumerate(cars(store_a, agent_a, n)):
            advisor = make_staff("service_advisor", store_a)
            invitation = invite(store_a, customer, questionnaire, day=1 + i % 20, advisor=advisor)
            answer(invitation, questionnaire, day=2 + i % 20, p1=5, p2=9, p3=4, p4=9)
        return make_staff("cs_manager", store_a)

    return _make


SCORED_ITEMS = 3  # the mixed questionnaire's scored items


@pytest.mark.parametrize("group_by", ["item", "advisor"])
@pytest.mark.parametrize("n", SIZES)
def test_api_survey_results(n, group_by, survey_month, api_as, django_assert_max_num_queries):
    manager = survey_month(n)
    response = budgeted(
        django_assert_max_num_queries,
        f"api survey results {group_by}",
        api_as(manager),
        f"/api/v1/survey-results?month={MONTH}&group_by={group_by}",
    )
    body = response.json()
    assert body["responses"] == n
    assert len(body["rows"]) == (n if group_by == "advisor" else SCORED_ITEMS)
    assert sum(row["answers"] for row in body["rows"]) == (
        n if group_by == "advisor" else n * SCORED_ITEMS
    )


@pytest.mark.parametrize("group_by", ["item", "advisor"])
@pytest.mark.parametrize("n", SIZES)
def test_page_survey_results(n, group_by, survey_month, django_assert_max_num_queries):
    manager = survey_month(n)
    response = budgeted(
        django_assert_max_num_queries,
        f"page surveys {group_by}",
        page_client(manager),
        f"/surveys/?month={MONTH:%Y-%m}&group_by={group_by}",
    )
    assert response.context["data"]["responses"] == n
    html = response.content.decode()
    results = html[html.index('id="results"') : html.index("</table>", html.index('id="results"'))]
    assert results.count("<tr><td>") == (n if group_by == "advisor" else SCORED_ITEMS)
