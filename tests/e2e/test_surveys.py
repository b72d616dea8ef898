"""Surveys in a real browser: the owner answers the CSI survey on a phone through the link in the
invitation SMS (read from the outbox), a low score opens a complaint draft for the CS manager, who
reads the month's CSI/NPS and downloads the monthly Excel; third-party ratings are imported with a
preview and no partial import; the desk shows a QR code and an agent enters a phone interview.
"""

import datetime as dt
import io
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from dealercare.complaints.models import Complaint
from dealercare.notifications.models import Message
from dealercare.org.models import StaffProfile
from dealercare.surveys import services as survey_services
from dealercare.surveys.models import Invitation, Questionnaire, Response, ThirdPartyRating
from dealercare.surveys.selectors import previous_month
from dealercare.surveys.templates_seed import templates_seed
from dealercare.workorders import services as ro_services

from ..factories import make_customer, make_staff, make_vehicle
from .conftest import LAPTOP, SCREENSHOT_DIR

PHONE = {"width": 390, "height": 844}


def assert_fits(page, size):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], f"page is {width}px wide, wider than {size['width']}px"


def assert_touch_targets(page, selector: str, minimum: int = 44):
    sizes = page.locator(selector).evaluate_all(
        "els => els.map(e => [e.textContent.trim(), e.offsetWidth, e.offsetHeight])"
    )
    assert sizes
    small = [(what, w, h) for what, w, h in sizes if min(w, h) < minimum]
    assert small == [], f"too small to tap: {small}"


def phone_screenshot(page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)


def staff(role, store, name):
    user = make_staff(role, store)
    StaffProfile.objects.filter(user=user).update(display_name=name)
    return user


@pytest.fixture
def phone(browser, browser_context_args):
    """A second browser: the car owner's phone (390×844, touch, zh-CN)."""
    context = browser.new_context(
        **{**browser_context_args, "viewport": PHONE},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    phone_page = context.new_page()
    phone_page.set_default_timeout(10_000)
    yield phone_page
    context.close()


@pytest.fixture
def team(store_a):
    return {
        "cs_manager": staff("cs_manager", store_a, "赵敏"),
        "advisor": staff("service_advisor", store_a, "张强"),
        "advisor2": staff("service_advisor", store_a, "李明"),
    }


@pytest.fixture
def questionnaire(db):
    """The seeded CSI questionnaire (seeded again if an earlier live-server test flushed it)."""
    from django.apps import apps

    templates_seed(apps=apps)
    return Questionnaire.objects.get(code="csi-service", status="active")


def delivered_order(store, advisor, *, name, plate, mobile=None, at=None):
    """A repair order handed back at `at` (the delivery signal creates the SMS invitation)."""
    customer = make_customer(store, advisor, name=name, mobile=mobile)
    vehicle = make_vehicle(customer, advisor, plate=plate, brand="丰田", model="凯美瑞")
    order = ro_services.repair_order_open(
        actor=advisor,
        store=store,
        vehicle=vehicle,
        mileage_km=42000,
        description="常规保养，前刹车有异响",
        job_type="maintenance",
        promised_at=timezone.now() + dt.timedelta(hours=4),
    )
    for state in ["dispatched", "in_progress", "qc", "ready"]:
        ro_services.repair_order_transition(repair_order=order, to=state, actor=advisor)
    ro_services.repair_order_settle(repair_order=order, actor=advisor)
    ro_services.repair_order_deliver(repair_order=order, actor=advisor, at=at)
    return order


def answer(questionnaire, scores, recommend, text=""):
    items = list(questionnaire.items.all())
    answers = {str(item.pk): score for item, score in zip(items[:5], scores, strict=True)}
    answers[str(items[5].pk)] = recommend
    answers[str(items[6].pk)] = text
    return answers


def earlier_responses(store, questionnaire, advisors, customer):
    """Three answers earlier this month, one last month, and two invitations nobody answered."""
    now = timezone.now()
    last_month = timezone.make_aware(
        dt.datetime.combine(previous_month(timezone.localdate().replace(day=1)), dt.time(10))
    ) + dt.timedelta(days=5)
    for n, (advisor, scores, recommend, at) in enumerate(
        [
            (advisors[0], [5, 5, 5, 4, 4], 10, now),  # CSI 92.86
            (advisors[1], [5, 4, 5, 5, 3], 9, now),  # CSI 91.43
            (advisors[1], [4, 4, 4, 4, 4], 8, now),  # CSI 80.00
            (advisors[0], [5, 5, 5, 5, 5], 10, last_month),
        ]
    ):
        invitation = survey_services.invitation_create(
            store=store,
            customer=customer,
            channel="sms_link",
            send_after=at,
            source_key=f"test:earlier:{n}",
        )
        Invitation.objects.filter(pk=invitation.pk).update(advisor=advisor)
        invitation.refresh_from_db()
        survey_services.response_submit(
            invitation=invitation, answers=answer(questionnaire, scores, recommend), at=at
        )
    for n in range(2):
        survey_services.invitation_create(
            store=store, customer=customer, channel="sms_link", source_key=f"test:silent:{n}"
        )


def test_owner_answers_on_phone_and_manager_sees_csi_complaint_and_excel(
    live_server, page, login, screenshot, phone, store_a, team, questionnaire
):
    advisor, manager = team["advisor"], team["cs_manager"]
    regular = make_customer(store_a, advisor, name="陈静")
    earlier_responses(store_a, questionnaire, [advisor, team["advisor2"]], regular)

    # Delivered yesterday: the periodic job sends the invitation SMS today.
    order = delivered_order(
        store_a,
        advisor,
        name="王芳",
        plate="京A12345",
        mobile="13812345678",
        at=timezone.now() - survey_services.INVITATION_DELAY - dt.timedelta(minutes=1),
    )
    assert survey_services.invitations_send_due() == 3  # the owner's and two not yet answered
    sms = Message.objects.get(template="survey_invitation", customer=order.customer)
    link = re.search(r"https?://\S+", sms.body).group(0)
    path = urlsplit(link).path

    items = list(questionnaire.items.all())
    phone.goto(f"{live_server.url}{path}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("售后服务满意度调查")
    expect(phone.locator(".public-header")).to_contain_text(store_a.name)
    assert_fits(phone, PHONE)
    assert_touch_targets(phone, "#survey-form .score span")
    assert_touch_targets(phone, "#submit-survey")
    phone_screenshot(phone, "80-survey-phone-form")

    # Item 2 left empty: the error stands next to it, the other answers are kept.
    def pick(item, value):
        phone.locator(f"#row-item_{item.pk} label.score", has_text=re.compile(f"^{value}$")).click()

    for item, value in zip(items[:5], [5, None, 2, 5, 4], strict=True):
        if value is not None:
            pick(item, value)
    pick(items[5], 6)
    phone.locator(f"#row-item_{items[6].pk} textarea").fill("刹车片换完还是有异响，希望尽快处理")
    phone.locator("#submit-survey").click()
    expect(phone.locator(f"#row-item_{items[1].pk} #error-item_{items[1].pk}")).to_contain_text(
        "请回答第 2 题"
    )
    expect(phone.locator(f"#row-item_{items[1].pk}")).to_have_class(re.compile(r"\bfield-error\b"))
    expect(phone.locator(f"input[name=item_{items[2].pk}][value='2']")).to_be_checked()
    expect(phone.locator(f"input[name=item_{items[5].pk}][value='6']")).to_be_checked()
    expect(phone.locator(f"#row-item_{items[6].pk} textarea")).to_have_value(
        "刹车片换完还是有异响，希望尽快处理"
    )
    expect(phone.locator(f"#row-item_{items[1].pk}")).to_be_in_viewport()
    assert not Response.objects.filter(invitation__repair_order=order).exists()
    assert_fits(phone, PHONE)
    phone_screenshot(phone, "81-survey-phone-error")

    pick(items[1], 5)
    phone.locator("#submit-survey").click()
    expect(phone.locator("#thanks")).to_contain_text("感谢")
    assert_fits(phone, PHONE)
    phone_screenshot(phone, "82-survey-phone-thanks")
    response = Response.objects.get(invitation__repair_order=order)
    assert (response.csi, response.recommend, response.below_threshold) == (
        Decimal("80.00"),
        6,
        True,
    )

    # The link works once.
    phone.goto(f"{live_server.url}{path}")
    expect(phone.locator("#link-error")).to_contain_text("已经提交过")
    expect(phone.locator("#survey-form")).to_have_count(0)
    assert_fits(phone, PHONE)
    phone_screenshot(phone, "83-survey-phone-used-link")

    # The low score opened a complaint draft and alerted the store's CS manager.
    complaint = Complaint.objects.get(customer=order.customer)
    assert (complaint.source, complaint.category) == ("survey", "repair_quality")
    assert "维修/保养质量是否让您放心？：2/5" in complaint.description
    assert "推荐意愿 6/10" in complaint.description
    alert = Message.objects.get(template="survey_low_score")
    assert alert.recipient == f"赵敏（{manager.username}）"

    # The CS manager reads this month: 4 responses of 6 invitations, CSI and NPS by hand:
    # CSI (92.86 + 91.43 + 80 + 80) / 4 = 86.07; NPS (2 promoters − 1 detractor) / 4 = 25.
    month = timezone.localdate().strftime("%Y-%m")
    login(manager)
    page.goto(f"{live_server.url}/surveys/?month={month}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("满意度分析")
    expect(page.locator("#csi")).to_have_text("86.1")
    expect(page.locator("#nps")).to_have_text("25")
    expect(page.locator("#responses")).to_have_text("4")
    expect(page.locator("#response-rate")).to_have_text("67%")
    quality = page.locator("#results tr", has_text="维修/保养质量是否让您放心？")
    expect(quality).to_contain_text("80.0")
    expect(page.locator("#weakest")).to_contain_text("维修/保养质量是否让您放心？")
    assert_fits(page, LAPTOP)
    screenshot("84-survey-results")

    page.get_by_role("link", name="按服务顾问").click()
    expect(page.locator("#results tr", has_text="张强")).to_contain_text("86.4")
    expect(page.locator("#results tr", has_text="李明")).to_contain_text("85.7")
    assert_fits(page, LAPTOP)
    screenshot("85-survey-results-advisor")
    page.get_by_role("link", name="按维度").click()
    expect(page.locator("#results tr", has_text="服务质量")).to_contain_text("80.0")

    # The monthly CSI analysis table opens in openpyxl with the same figures.
    with page.expect_download() as download_info:
        page.locator("#export-xlsx").click()
    download = download_info.value
    assert download.suggested_filename == f"csi-{store_a.code}-{month}.xlsx"
    sheet = load_workbook(io.BytesIO(download.path().read_bytes())).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[1][:2] == ["CSI", 86.07]
    assert rows[2][:2] == ["NPS", 25.0]
    assert rows[3][:2] == ["答复数", 4]
    assert ["维修/保养质量是否让您放心？", 80.0, 100.0, -20.0, 4] in rows
    assert ["张强", 86.43, 0, 2] in [row[:4] for row in rows]
    assert ["李明", 85.72, 50, 2] in [row[:4] for row in rows]

    # The complaint draft is on the CS manager's complaint list.
    page.goto(f"{live_server.url}/complaints/")
    row = page.locator("tbody tr", has_text="王芳")
    expect(row).to_contain_text(complaint.number)
    expect(row).to_contain_text("满意度调查")
    expect(row).to_contain_text("满意度调查低分")
    screenshot("86-survey-complaint-list")


def test_import_ratings_qr_code_and_phone_interview(
    live_server, page, login, screenshot, store_a, team, questionnaire
):
    manager = team["cs_manager"]
    login(manager)
    page.goto(f"{live_server.url}/surveys/import/")
    expect(page.get_by_role("heading", level=1)).to_have_text("导入第三方评价")
    day = previous_month(timezone.localdate().replace(day=1)) + dt.timedelta(days=9)

    def upload(name, lines):
        page.locator("#id_file").set_input_files(
            {"name": name, "mimeType": "text/csv", "buffer": "\n".join(lines).encode()}
        )
        page.get_by_role("button", name="预览").click()

    header = "日期,平台,门店,评分,评价,车牌"
    good = [
        f"{day},汽车之家,{store_a.code},4.5,保养很快，顾问很专业,京A12345",
        f"{day},懂车帝,{store_a.code},3.5,等候时间有点长,",
        f"{day},大众点评,{store_a.code},5,休息区干净，咖啡不错,京A66666",
    ]
    upload("bad.csv", [header, good[0], f"{day},懂车帝,{store_a.code},6,等候时间有点长,", good[2]])
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("未导入任何数据")
    bad_row = errors.locator("tbody tr")
    expect(bad_row).to_have_count(1)
    expect(bad_row).to_contain_text("3")
    expect(bad_row).to_contain_text("评分")
    expect(bad_row).to_contain_text("评分应为 0–5")
    expect(page.locator("#confirm-import")).to_have_count(0)
    assert not ThirdPartyRating.objects.exists()
    assert_fits(page, LAPTOP)
    screenshot("87-survey-import-errors")

    upload("ratings.csv", [header, *good])
    expect(page.locator("#preview tbody tr")).to_have_count(3)
    expect(page.locator("#preview")).to_contain_text("汽车之家")
    assert not ThirdPartyRating.objects.exists()
    assert_fits(page, LAPTOP)
    screenshot("88-survey-import-preview")
    page.locator("#confirm-import").click()
    expect(page.locator(".messages")).to_contain_text("已导入 3 条第三方评价")
    assert ThirdPartyRating.objects.filter(store=store_a).count() == 3
    third_party = page.locator("#third-party")
    expect(third_party).to_contain_text("懂车帝")
    expect(third_party.locator("li", has_text="汽车之家")).to_contain_text("4.5")
    screenshot("89-survey-results-after-import")

    # The desk shows a QR code for a delivered order (POSTed as a page button would).
    order = delivered_order(store_a, team["advisor"], name="刘洋", plate="京A23456")

    def start(channel):
        page.evaluate(
            """([channel, order]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = "/surveys/invitations/new/";
                const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
                for (const [k, v] of [["csrfmiddlewaretoken", token], ["channel", channel],
                                       ["repair_order", order]]) {
                    const input = document.createElement("input");
                    input.type = "hidden"; input.name = k; input.value = v;
                    form.append(input);
                }
                document.body.append(form);
                form.submit();
            }""",
            [channel, str(order.pk)],
        )

    start("qr_onsite")
    expect(page).to_have_url(re.compile(r"/surveys/invitations/\d+/qr/$"))
    svg = page.locator("#qr .qr-image svg")
    expect(svg).to_be_visible()
    box = svg.bounding_box()
    assert box["width"] >= 240 and box["height"] >= 240
    invitation = Invitation.objects.get(repair_order=order, channel="qr_onsite")
    expect(page.locator("#qr")).to_contain_text("刘洋")
    token = re.search(r"/c/survey/([^/]+)/", page.locator(".qr-link").inner_text()).group(1)
    assert survey_services.invitation_from_token(token) == invitation
    assert_fits(page, LAPTOP)
    expect(svg).to_be_in_viewport(ratio=1)
    screenshot("90-survey-qr")

    # An agent enters the answers during the follow-up call.
    page.goto(f"{live_server.url}/surveys/import/")
    start("phone")
    expect(page).to_have_url(re.compile(r"/surveys/invitations/\d+/phone/$"))
    expect(page.locator("#survey-form")).to_be_visible()
    items = list(questionnaire.items.all())
    for item, value in zip(items[:6], [5, 5, 4, 5, 4, 9], strict=True):
        page.locator(f"#row-item_{item.pk} label.score", has_text=re.compile(f"^{value}$")).click()
    assert_fits(page, LAPTOP)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("91-survey-phone-interview")
    page.locator("#submit-survey").click()
    expect(page.locator(".messages")).to_contain_text("已记录电话问卷")
    recorded = Response.objects.get(invitation__repair_order=order, channel="phone")
    assert recorded.recorded_by == manager
    assert not recorded.below_threshold


def test_cs_manager_builds_a_questionnaire_version_in_the_browser(
    live_server, page, login, screenshot, store_a, questionnaire
):
    manager = make_staff("cs_manager", store_a)
    login(manager)
    page.goto(f"{live_server.url}/surveys/questionnaires/")
    expect(page.locator("#questionnaires")).to_contain_text("csi-service")
    page.fill("#id_q-code", "bj01-quick")
    page.fill("#id_q-name", "门店快速问卷")
    page.fill("#id_items-0-text", "整体是否满意？")
    page.select_option("#id_items-0-item_type", "scale5")
    page.select_option("#id_items-0-dimension", "quality")
    screenshot("92-survey-builder")
    page.click("#save-questionnaire")
    expect(page.locator("#questionnaires")).to_contain_text("门店快速问卷")
    created = Questionnaire.objects.get(code="bj01-quick")
    page.click(f"#activate-{created.pk}")
    expect(page.locator("#questionnaires")).to_contain_text("使用中")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
