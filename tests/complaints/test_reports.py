"""The closure report and the weekly quality-meeting report (page and Excel), and the public
online complaint form with its rate limit."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from dealercare.appointments.errors import RateLimited
from dealercare.complaints import selectors, services
from dealercare.complaints.models import Complaint
from dealercare.customers.models import Customer
from dealercare.notifications.models import Message

from ..links import link_target, links_in
from .conftest import local

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_DAY = local(2026, 11, 6, 12, 0)


def sheet_rows(content: bytes) -> list[tuple]:
    book = load_workbook(io.BytesIO(content))
    return [tuple(row) for row in book.active.iter_rows(values_only=True)]


def labelled(rows) -> dict:
    return {row[0]: row[1] for row in rows if row and row[0] is not None and len(row) > 1}


@pytest.fixture
def manager(store_manager_a):
    client = Client()
    client.force_login(store_manager_a)
    return client


def test_closure_report_excel(quality_week, manager):
    c2 = quality_week["c"][2]

    response = manager.get(f"/complaints/{c2.pk}/report/?format=xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert f"closure-{c2.number}.xlsx" in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    assert rows[0][0] == f"投诉结案报告 {c2.number}"
    values = labelled(rows)
    assert values["问题原因"] == "漏装垫片"
    assert values["整改措施"] == "增加竣工复检"
    assert values["处理方案"] == "免费返修"
    assert values["补偿"] == "工时券 ¥300.00"
    assert values["来源 / 类别 / 级别"] == "电话 / 维修质量 / 普通"
    # Times on the store's clock (Beijing), not UTC.
    assert values["登记时间"] == "2026-11-02 10:00"
    assert values["结案时间"] == "2026-11-04 12:00"
    process = values["处理过程"].splitlines()
    assert process == [
        "11-02 10:00 新建 普通 · 维修质量",
        "11-02 10:30 已响应",
        "11-02 11:00 已派单 售后部",
        "11-02 11:30 已签收",
        "11-03 10:00 已提交方案",
        "11-04 10:00 客户已确认 客户确认",
        "11-04 12:00 已结案",
    ]

    page = manager.get(f"/complaints/{c2.pk}/report/")
    assert page.status_code == 200
    html = page.content.decode()
    for heading in ("问题原因", "处理过程", "整改措施", "漏装垫片", "增加竣工复检"):
        assert heading in html


def test_weekly_report_numbers(quality_week, store_manager_a, hq_user, store_a):
    c = quality_week["c"]
    with time_machine.travel(REPORT_DAY, tick=False):
        report = selectors.weekly_report(
            actor=store_manager_a, store_id=None, week_start=dt.date(2026, 11, 2)
        )
        as_hq = selectors.weekly_report(
            actor=hq_user, store_id=store_a.pk, week_start=dt.date(2026, 11, 2)
        )

    # C0 (Mon 00:10 Beijing) is in; Sunday 23:50 and the store-B complaint are not.
    assert report["total"] == 5
    assert report["by_category"] == [
        {"category": "waiting_time", "n": 2},
        {"category": "attitude", "n": 1},
        {"category": "other", "n": 1},
        {"category": "repair_quality", "n": 1},
    ]
    assert report["by_severity"] == [{"severity": "normal", "n": 4}, {"severity": "major", "n": 1}]
    assert report["by_department"] == [{"tickets__department__kind": "aftersales", "n": 1}]
    assert sorted(report["root_causes"]) == sorted(
        [(c[1].number, "等待时间原因"), (c[2].number, "漏装垫片"), (c[3].number, "服务态度原因")]
    )
    assert report["cycle_time"] == {"mean": Decimal("28.00"), "p90": Decimal("50.00")}
    assert report["compensation_total"] == Decimal("350.00")
    assert report["repeat_rate"] == Decimal("0.2000")
    assert report["on_time_rate"] == Decimal("0.5000")
    # Overdue at report time, in this store, whatever the week: C0 (due Tue 00:10), C3 (reopened,
    # due Wed 09:00) and last Sunday's; C4 (major, 72 h) is due Sat 09:00.
    assert {x.number for x in report["overdue"]} == {
        c[0].number,
        c[3].number,
        quality_week["before"].number,
    }
    assert as_hq["total"] == 5
    assert as_hq["cycle_time"] == report["cycle_time"]


def test_weekly_report_page_and_excel(quality_week, manager):
    with time_machine.travel(REPORT_DAY, tick=False):
        page = manager.get("/complaints/weekly/?week=2026-11-02")
        download = manager.get("/complaints/weekly/?week=2026-11-02&format=xlsx")

    assert page.status_code == 200
    html = page.content.decode()
    assert '<span id="weekly-total">5</span>' in html
    assert "28.0<small> / 50.0</small>" in html
    assert "¥350.00" in html
    assert download.status_code == 200
    assert download["Content-Type"] == XLSX
    rows = sheet_rows(download.content)
    values = labelled(rows)
    assert values["投诉总数"] == 5
    assert values["平均处理时长（小时）"] == 28.0
    assert values["P90 处理时长（小时）"] == 50.0
    assert values["按时解决率"] == 0.5
    assert values["重复投诉率"] == 0.2
    assert values["补偿金额（元）"] == 350.0
    assert values["等待时间"] == 2
    assert values["售后部"] == 1
    assert values[quality_week["c"][2].number] == "漏装垫片"


def test_hq_weekly_report_compares_the_stores(quality_week, hq_user, manager, store_a, client):
    week_start = dt.date(2026, 11, 2)
    with time_machine.travel(REPORT_DAY, tick=False):
        report = selectors.weekly_report(actor=hq_user, store_id=None, week_start=week_start)
        client.force_login(hq_user)
        page = client.get("/complaints/weekly/?week=2026-11-02").content.decode()
        own = manager.get("/complaints/weekly/?week=2026-11-02").content.decode()
    rows = {row["store"]: row for row in report["by_store"]}
    assert rows[store_a.name]["total"] == 5
    assert rows[store_a.name]["on_time_rate"] == Decimal("0.5000")
    assert sum(row["total"] for row in report["by_store"]) == report["total"]
    assert 'id="by-store"' in page and store_a.name in page
    # A store's own report has nothing to compare.
    assert 'id="by-store"' not in own


def test_empty_week(manager, store_manager_a):
    report = selectors.weekly_report(
        actor=store_manager_a, store_id=None, week_start=dt.date(2026, 11, 2)
    )
    assert report["total"] == 0
    assert report["cycle_time"] == {"mean": None, "p90": None}
    assert report["repeat_rate"] is None and report["on_time_rate"] is None
    assert report["compensation_total"] == 0
    assert manager.get("/complaints/weekly/?week=2026-11-02").status_code == 200
    rows = labelled(sheet_rows(manager.get("/complaints/weekly/?format=xlsx").content))
    assert rows["投诉总数"] == 0
    assert rows["按时解决率"] == "—"


# -- the public form -------------------------------------------------------------------------
def submit(client, store, n, *, mobile="13700001111", ip="203.0.113.7"):
    return client.post(
        f"/c/complaints/new/{store.code}/",
        {
            "name": "刘洋",
            "mobile": mobile,
            "plate": "",
            "category": "waiting_time",
            "description": f"第{n}次：等了三个小时",
        },
        REMOTE_ADDR=ip,
    )


def test_public_form_registers_and_links_to_the_progress_page(store_a, cs_manager_a):
    phone = Client()
    response = submit(phone, store_a, 1)

    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.source == "online"
    assert complaint.customer.mobile == "13700001111"
    assert complaint.client_ip == "203.0.113.7"
    # The IP is kept for the rate limit, not written on the complaint's timeline.
    assert not complaint.events.filter(note__contains="203.0.113.7").exists()
    received = Message.objects.get(template="complaint_received")
    assert received.recipient == "13700001111"
    assert link_target(response["Location"]) in links_in(received.body)
    progress = phone.get(response["Location"])
    assert progress.status_code == 200
    assert complaint.number in progress.content.decode()


def test_public_form_rate_limited_per_mobile(store_a):
    phone = Client()
    for n in range(3):
        assert submit(phone, store_a, n).status_code == 302

    refused = submit(phone, store_a, 4)

    assert refused.status_code == 200
    assert "操作过于频繁" in refused.content.decode()
    assert Complaint.objects.count() == 3
    # A day later the customer may write again.
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=1, minutes=1)):
        assert submit(Client(), store_a, 5).status_code == 302
    assert Complaint.objects.count() == 4


def test_public_form_rate_limited_per_ip(store_a):
    phone = Client()
    for n in range(10):
        assert submit(phone, store_a, n, mobile=f"1370000{n:04d}").status_code == 302

    refused = submit(phone, store_a, 11, mobile="13700009999")

    assert refused.status_code == 200
    assert "操作过于频繁" in refused.content.decode()
    assert Complaint.objects.count() == 10
    assert not Customer.objects.filter(mobile="13700009999").exists()
    # Another address is not limited.
    assert submit(phone, store_a, 12, mobile="13700009999", ip="198.51.100.9").status_code == 302


def test_rate_limit_is_a_429_domain_error(store_a):
    for n in range(3):
        services.complaint_submit_online(
            store=store_a,
            name="刘洋",
            mobile="13700001111",
            plate="",
            category="other",
            description=f"第{n}次",
            ip=None,
        )
    with pytest.raises(RateLimited) as refused:
        services.complaint_submit_online(
            store=store_a,
            name="刘洋",
            mobile="13700001111",
            plate="",
            category="other",
            description="第4次",
            ip=None,
        )
    assert (refused.value.status, refused.value.code) == (429, "rate_limited")
