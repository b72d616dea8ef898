"""English UI: the committed catalog is complete and compiled, and the language cookie switches
the pages from Chinese (the default, whatever the browser asks for) to English."""

import ast
import datetime as dt
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation

from dealercare.complaints import services as complaint_services
from dealercare.workorders import services as workorder_services

from .factories import make_staff

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
CJK = re.compile(r"[\u3400-\u9fff]+")

# Top bar and customer pages, as the staff see them in Chinese.
CHINESE_CHROME = ["客户", "消息中心", "退出", "任务进程", "客户档案", "新建客户", "搜索客户"]


def _po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: msgid, msgid_plural, msgstr (or msgstr[n]) and flags.

    Enough of the format for what makemessages writes; obsolete (#~) entries are skipped.
    """
    entries, entry, field = [], None, None

    def finish():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and "msgid" in entry:
                finish()
                entry = None
            entry = entry or {"flags": set(), "msgstr": {}}
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
            if field.startswith("msgstr"):
                entry["msgstr"][field] += value
            else:
                entry[field] += value
            continue
        keyword, _, value = line.partition(" ")
        # A new entry starts with its msgctxt or msgid (blank lines are not kept).
        if keyword in ("msgctxt", "msgid") and entry is not None and "msgid" in entry:
            finish()
            entry = None
        entry = entry or {"flags": set(), "msgstr": {}}
        field = keyword
        if keyword.startswith("msgstr"):
            entry["msgstr"][keyword] = ast.literal_eval(value)
        else:
            entry[keyword] = ast.literal_eval(value)
    finish()
    return entries


@pytest.fixture(scope="module")
def po_entries():
    assert PO_FILE.exists(), f"{PO_FILE} is missing: run makemessages -l en"
    return _po_entries(PO_FILE)


def _messages(po_entries):
    return [e for e in po_entries if e["msgid"]]


def test_catalog_has_entries(po_entries):
    assert len(_messages(po_entries)) > 100


def test_header_is_english_and_not_fuzzy(po_entries):
    header = next(e for e in po_entries if e["msgid"] == "")
    assert "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"]["msgstr"]
    assert "charset=UTF-8" in header["msgstr"]["msgstr"]


def test_every_message_is_translated_and_none_is_fuzzy(po_entries):
    untranslated = [e["msgid"] for e in _messages(po_entries) if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in _messages(po_entries) if "fuzzy" in e["flags"]]
    assert untranslated == [], "untranslated msgids (fill them in django.po)"
    assert fuzzy == [], "fuzzy msgids (review them and drop the flag)"


def test_translations_are_english_and_keep_their_placeholders(po_entries):
    # Chinese may stay only inside examples of Chinese data (plates, CSV keywords).
    allowed_chinese = {"休", "班", "京", "粤", "国庆节"}
    for e in _messages(po_entries):
        expected = set(PLACEHOLDER.findall(e["msgid"] + e.get("msgid_plural", "")))
        for msgstr in e["msgstr"].values():
            leftover = set(CJK.findall(msgstr)) - allowed_chinese
            assert not leftover, f"{e['msgid']!r} → {msgstr!r} still has Chinese: {leftover}"
            found = set(PLACEHOLDER.findall(msgstr))
            # A plural form may leave out the count; nothing else may be dropped or invented.
            assert found <= expected, f"unknown placeholder in {e['msgid']!r} → {msgstr!r}"
            if "msgid_plural" not in e:
                assert found == expected, f"placeholder lost in {e['msgid']!r} → {msgstr!r}"


def test_compiled_catalog_matches_po(po_entries):
    """The .mo is committed (CI has no gettext): it must be compiled from the current .po."""
    assert MO_FILE.exists(), f"{MO_FILE} is missing: run compilemessages"
    with MO_FILE.open("rb") as fp:
        catalog = gettext.GNUTranslations(fp)._catalog
    for e in _messages(po_entries):
        # gettext keys a message with a context as "context\x04msgid".
        msgid = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        if "msgid_plural" in e:
            for key, msgstr in e["msgstr"].items():
                index = int(key[len("msgstr[") : -1])
                assert catalog.get((msgid, index)) == msgstr, e["msgid"]
        else:
            assert catalog.get(msgid) == e["msgstr"]["msgstr"], (
                f"django.mo is stale for {e['msgid']!r}: run compilemessages"
            )


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("客户", "Customers"),
        ("客户档案", "Customers"),
        ("消息中心", "Message center"),
        ("服务顾问", "Service advisor"),
        ("客服专员", "CS agent"),
        ("车架号（VIN）", "VIN"),
        ("车牌号", "Plate"),
        ("工位", "Bay"),
        ("交车预约", "Delivery appointment"),
        ("退出", "Log out"),
    ],
)
def test_key_strings_in_english(chinese, english):
    with translation.override("en"):
        assert translation.gettext(chinese) == english
    with translation.override("zh-hans"):
        assert translation.gettext(chinese) == chinese


def test_interpolated_message_in_english():
    with translation.override("en"):
        text = translation.gettext("车架号（VIN）校验位错误：第 9 位应为 %(digit)s，请核对车架号。")
    assert (
        text % {"digit": "7"}
        == "Invalid VIN check digit: character 9 should be 7. Please check the VIN."
    )


def _chinese_left(html: str, *data: str) -> set[str]:
    """Chinese text on a page apart from the given data and the "中文" language button."""
    for value in (*data, "中文"):
        html = html.replace(value, "")
    return set(CJK.findall(html))


def test_customer_list_in_english_with_language_cookie(client, agent_a, customer_a):
    client.force_login(agent_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/customers/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert ">Customers</a>" in html
    assert "<h1>Customers</h1>" in html
    assert "Message center" in html
    assert "Log out" in html
    assert "New customer" in html
    for label in CHINESE_CHROME:
        assert label not in html
    assert _chinese_left(html, customer_a.name, customer_a.store.name) == set()


def test_customer_detail_in_english_with_language_cookie(client, agent_a, customer_a):
    client.force_login(agent_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/customers/{customer_a.id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    for text in ["Profile", "Mobile", "Vehicles", "Consent (PIPL)", "Customer timeline"]:
        assert text in html
    assert "Profile created" in html  # the timeline event of customer_create
    for label in [*CHINESE_CHROME, "基本资料", "客户时间线", "建档"]:
        assert label not in html
    assert _chinese_left(html, customer_a.name, customer_a.store.name) == set()


def test_pages_are_chinese_without_the_cookie(client, agent_a, customer_a):
    client.force_login(agent_a)
    list_html = client.get("/customers/").content.decode()
    assert '<html lang="zh-hans">' in list_html
    assert ">客户</a>" in list_html
    assert "<h1>客户档案</h1>" in list_html
    assert "Customers" not in list_html
    detail_html = client.get(f"/customers/{customer_a.id}/").content.decode()
    assert "基本资料" in detail_html
    assert "Customer timeline" not in detail_html


def test_browser_language_alone_does_not_switch_pages(client, agent_a):
    client.force_login(agent_a)
    html = client.get("/customers/", headers={"Accept-Language": "en"}).content.decode()
    assert "<h1>客户档案</h1>" in html


def test_language_switch_sets_the_cookie(client, agent_a):
    client.force_login(agent_a)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/customers/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "<h1>Customers</h1>" in client.get("/customers/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/customers/"})
    assert "<h1>客户档案</h1>" in client.get("/customers/").content.decode()


# --- Pages of the later apps (appointments, workshop, follow-ups, complaints) ---------------------

# The top-bar links in Chinese; none may show on an English page.
CHINESE_NAV = ["客户", "预约", "车间", "回访", "投诉", "满意度", "消息中心", "退出"]


@pytest.fixture
def advisor_a(store_a):
    return make_staff("service_advisor", store_a)


@pytest.fixture
def cs_manager_a(store_a):
    return make_staff("cs_manager", store_a)


def _english_page(client, user, url: str) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert '<html lang="en">' in html
    return html


@pytest.fixture
def repair_order_a(advisor_a, vehicle_a):
    return workorder_services.repair_order_open(
        actor=advisor_a,
        store=vehicle_a.store,
        vehicle=vehicle_a,
        mileage_km=12_000,
        description="常规保养",
        job_type="maintenance",
        promised_at=timezone.now() + dt.timedelta(hours=4),
    )


@pytest.fixture
def complaint_a(agent_a, customer_a, vehicle_a):
    return complaint_services.complaint_register(
        actor=agent_a,
        store=customer_a.store,
        customer=customer_a,
        vehicle=vehicle_a,
        source="phone",
        category="waiting_time",
        description="等了三个小时",
    )


def _nav_in_english(html: str, *labels: str) -> None:
    for label in labels:
        assert f">{label}</a>" in html, label
    for label in CHINESE_NAV:
        assert f">{label}</a>" not in html, label
    assert "Log out" in html


def test_appointments_in_english(client, advisor_a):
    html = _english_page(client, advisor_a, "/appointments/")
    _nav_in_english(html, "Customers", "Appointment", "Workshop", "Complaint", "Message center")
    for text in ["Appointment schedule", "New appointment", "Delivery appointment"]:
        assert text in html
    assert _chinese_left(html, advisor_a.staff_profile.store.name) == set()


def test_workshop_board_and_repair_order_in_english(client, advisor_a, repair_order_a):
    html = _english_page(client, advisor_a, "/workorders/")
    _nav_in_english(html, "Appointment", "Workshop")
    for text in ["Workshop board", "open RO", "Waiting for parts", "QC"]:
        assert text in html
    for label in ["车间看板", "接车开单", "待料", "质检", "交车"]:
        assert label not in html
    vehicle = repair_order_a.vehicle
    data = (repair_order_a.customer.name, repair_order_a.store.name, vehicle.plate, vehicle.model)
    assert _chinese_left(html, *data) == set()

    html = _english_page(client, advisor_a, f"/workorders/{repair_order_a.id}/")
    for text in ["Labor and parts", "Add-on", "Send to customer for approval", "Charges"]:
        assert text in html
    assert "Promised delivery" in html
    assert "增项" not in html
    leftover = _chinese_left(html, *data, vehicle.brand, repair_order_a.description)
    assert leftover == set()


def test_follow_up_worklist_in_english(client, agent_a, cs_manager_a):
    html = _english_page(client, agent_a, "/follow-ups/")
    _nav_in_english(html, "Appointment", "Workshop", "Follow-up", "Complaint")
    for text in ["Follow-up worklist", "Completed today", "Post-service follow-up"]:
        assert text in html
    assert "No follow-ups to do." in html
    for label in ["回访工作台", "今日完成", "维修保养回访"]:
        assert label not in html
    assert _chinese_left(html, agent_a.staff_profile.store.name) == set()

    html = _english_page(client, cs_manager_a, "/follow-ups/summary/")
    assert "Daily follow-up report" in html
    assert "Dissatisfied customers" in html
    assert _chinese_left(html, cs_manager_a.staff_profile.store.name) == set()


def test_complaints_in_english(client, cs_manager_a, complaint_a):
    html = _english_page(client, cs_manager_a, "/complaints/")
    _nav_in_english(html, "Follow-up", "Complaint")
    assert '<h1 class="page-title">Complaints' in html
    for text in ["1 complaint<", "Log complaint", "Weekly report", "Waiting time", "Normal"]:
        assert text in html
    for label in ["投诉管理", "登记投诉", "周报", "等待时间", "普通"]:
        assert label not in html
    data = (complaint_a.customer.name, complaint_a.store.name, complaint_a.vehicle.plate)
    assert _chinese_left(html, *data, complaint_a.description) == set()

    # The detail page still shows Chinese data (the registration note of the timeline) and
    # Chinese date formats ("n月j日") written in the template, so only the labels are checked.
    html = _english_page(client, cs_manager_a, f"/complaints/{complaint_a.id}/")
    for text in ["First response", "Dispatch", "Deadlines", "Close"]:
        assert text in html
    assert "Customer contacted (first response)" in html
    for label in ["首次响应", "派单", "结案", "时限"]:
        assert label not in html


def test_customer_repair_progress_page_in_english(client, advisor_a, repair_order_a):
    """The customer's phone page (/c/ro/…) follows the language cookie too."""
    staff_html = _english_page(client, advisor_a, f"/workorders/{repair_order_a.id}/")
    link = re.search(r'href="([^"]+)"[^>]*id="progress-link"', staff_html).group(1)
    client.logout()  # also drops the cookies: the customer's phone sets its own
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(link)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    for text in ["Repair progress", "Promised delivery", "RO number", "Charges (so far)"]:
        assert text in html
    for label in ["维修进度", "预计交车", "工单号", "致电门店"]:
        assert label not in html


def test_survey_results_in_english(client, cs_manager_a):
    html = _english_page(client, cs_manager_a, "/surveys/")
    _nav_in_english(html, "Follow-up", "Complaint", "Satisfaction")
    assert '<h1 class="page-title">Satisfaction analysis</h1>' in html
    for text in [
        "CSI (satisfaction index)",
        "NPS (Net Promoter Score)",
        "Responses",
        "Response rate",
        "By question",
        "By dimension",
        "By service advisor",
        "Weak items this month",
        "Third-party platform ratings",
        "No responses this month yet.",
        "No ratings imported this month",
    ]:
        assert text in html, text
    for label in ["满意度分析", "回收率", "答复数", "本月薄弱项", "第三方平台评分", "按题目"]:
        assert label not in html
    assert _chinese_left(html, cs_manager_a.staff_profile.store.name) == set()
