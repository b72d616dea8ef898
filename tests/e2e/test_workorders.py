"""Repair orders in a real browser: the advisor receives a car and builds the estimate on a
laptop, the owner approves an add-on (增项) on a phone, both see the order move.

The live server is not time-travelled: promised times are real times relative to now.
"""

import datetime as dt
import re
import struct
import zlib
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dealercare.customers.services import mileage_record
from dealercare.notifications.models import Message
from dealercare.workorders import services as ro_services
from dealercare.workorders.models import AddOn, RepairOrder

from ..factories import make_customer, make_staff, make_vehicle
from ..links import link_target, links_in
from .conftest import LAPTOP, SCREENSHOT_DIR

PHONE = {"width": 390, "height": 844}
BOARD_STATES = [
    "reception",
    "dispatched",
    "in_progress",
    "waiting_parts",
    "qc",
    "washing",
    "ready",
    "settled",
]


def png(width: int = 240, height: int = 160) -> bytes:
    """A small real PNG (no Pillow): a dark engine bay with an amber reservoir in it."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            inside = (x - width * 0.55) ** 2 / 55**2 + (y - height * 0.5) ** 2 / 40**2 <= 1
            if inside:
                row += bytes([214, 150, 40])
            else:
                shade = 40 + (x + y) * 50 // (width + height)
                row += bytes([shade, shade + 6, shade + 14])
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def assert_fits(page, size):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], f"page is {width}px wide, wider than {size['width']}px"


def assert_touch_targets(page, selector: str, minimum: int = 44):
    heights = page.locator(selector).evaluate_all(
        "els => els.map(e => [e.id || e.textContent.trim(), e.offsetHeight, e.offsetWidth])"
    )
    assert heights
    small = [(what, h, w) for what, h, w in heights if h < minimum or w < minimum]
    assert small == [], f"too small to tap: {small}"


def assert_image_loaded(locator):
    """The <img> is shown: the browser fetched and decoded it (a 404 leaves naturalWidth 0)."""
    expect(locator).to_be_visible()
    assert locator.evaluate("img => img.complete && img.naturalWidth") > 0


def phone_screenshot(page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)


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
def advisor(store_a):
    return make_staff("service_advisor", store_a)


@pytest.fixture
def owner(store_a, advisor):
    return make_customer(store_a, advisor, name="王芳", mobile="13812345678")


@pytest.fixture
def car(owner, advisor):
    """京A12345, last read at 30000 km."""
    vehicle = make_vehicle(owner, advisor, plate="京A12345", brand="丰田", model="凯美瑞")
    mileage_record(actor=advisor, vehicle=vehicle, km=30000, log_event=False)
    return vehicle


def open_order(store, advisor, *, name, plate, job_type="maintenance", model="帕萨特"):
    customer = make_customer(store, advisor, name=name)
    vehicle = make_vehicle(customer, advisor, plate=plate, model=model)
    return ro_services.repair_order_open(
        actor=advisor,
        store=store,
        vehicle=vehicle,
        mileage_km=42000,
        description="常规保养",
        job_type=job_type,
        promised_at=timezone.now() + dt.timedelta(hours=4),
    )


def move(order, advisor, *states):
    for state in states:
        if state == "settled":
            ro_services.repair_order_settle(repair_order=order, actor=advisor)
        else:
            ro_services.repair_order_transition(repair_order=order, to=state, actor=advisor)
    return order


def test_reception_estimate_and_owner_approves_add_on_on_phone(
    live_server, page, login, screenshot, phone, store_a, advisor, owner, car
):
    promised = (timezone.localtime() + dt.timedelta(hours=5)).replace(minute=30)
    login(advisor)
    page.goto(f"{live_server.url}/workorders/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("接车开单")

    # The odometer reads less than last time and no reason is given: refused next to mileage.
    page.get_by_label("车牌号").fill("京a12345")
    page.get_by_label("工单类型").select_option("repair")
    page.get_by_label("进厂里程（公里）").fill("28000")
    page.get_by_label("预计交车时间").fill(promised.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("客户描述").fill("踩刹车时左前轮有异响，仪表胎压灯偶尔亮起")
    page.get_by_label("车身有划痕/凹陷").check()
    page.get_by_role("button", name="开单").click()
    error = page.locator("#row-mileage_km #error-mileage_km")
    expect(error).to_contain_text("里程低于上次读数（30000 公里）")
    expect(page.locator("#row-mileage_km")).to_have_class(re.compile(r"\bfield-error\b"))
    expect(page.get_by_label("车牌号")).to_have_value("京a12345")
    expect(page.get_by_label("车身有划痕/凹陷")).to_be_checked()
    assert not RepairOrder.objects.exists()
    assert_fits(page, LAPTOP)
    expect(page.get_by_role("button", name="开单")).to_be_in_viewport()
    screenshot("40-reception-error")

    page.get_by_label("进厂里程（公里）").fill("31250")
    page.get_by_role("button", name="开单").click()
    expect(page).to_have_url(re.compile(r"/workorders/\d+/$"))
    order = RepairOrder.objects.get(vehicle=car)
    expect(page.locator(".messages")).to_contain_text(f"已开单 {order.number}")
    expect(page.locator("#status")).to_have_text("接车")
    expect(page.locator(".facts")).to_contain_text("31250 km")
    assert (order.job_type, order.mileage_km, order.walkaround["body_damage"]) == (
        "repair",
        31250,
        True,
    )
    assert timezone.localtime(order.promised_at) == promised.replace(second=0, microsecond=0)

    # A labour line without hours: refused next to the hours field, the rest kept.
    lines = page.locator("#line-form")
    lines.get_by_label("类型").select_option("labour")
    lines.get_by_label("项目").fill("更换前刹车片")
    lines.get_by_label("单价").fill("180")
    lines.get_by_role("button", name="添加").click()
    expect(page.locator("#line-form #row-hours #error-hours")).to_contain_text(
        "必须填写大于 0 的工时"
    )
    expect(page.locator("#line-form #row-hours")).to_have_class(re.compile(r"\bfield-error\b"))
    expect(lines.get_by_label("项目")).to_have_value("更换前刹车片")
    assert not order.lines.exists()
    assert_fits(page, LAPTOP)
    screenshot("41-repair-order-line-error")

    lines.get_by_label("工时").fill("1.5")
    lines.get_by_role("button", name="添加").click()
    expect(page.locator("#lines tbody tr", has_text="更换前刹车片")).to_contain_text("¥270.00")
    lines = page.locator("#line-form")
    lines.get_by_label("类型").select_option("part")
    lines.get_by_label("项目").fill("前刹车片（原厂）")
    lines.get_by_label("数量").fill("1")
    lines.get_by_label("单价").fill("468")
    lines.get_by_role("button", name="添加").click()
    expect(page.locator("#lines tbody tr", has_text="前刹车片（原厂）")).to_contain_text("¥468.00")
    expect(page.locator("#total")).to_have_text("¥738.00")

    # An add-on with a photo, sent to the owner.
    form = page.locator("#add-on-form")
    form.get_by_label("增项").fill("更换刹车油")
    form.get_by_label("价格").fill("280")
    form.get_by_label("说明").fill("检测含水量 3.5%，超过 3% 建议更换")
    form.get_by_label("照片").set_input_files(
        {"name": "brake-fluid.png", "mimeType": "image/png", "buffer": png()}
    )
    form.get_by_role("button", name="发送给客户确认").click()
    expect(page.locator(".messages")).to_contain_text("增项已发送给客户确认")
    add_on = AddOn.objects.get(repair_order=order)
    item = page.locator(f"#add-on-{add_on.pk}")
    expect(item).to_contain_text("更换刹车油")
    expect(item).to_contain_text("¥280.00")
    expect(page.locator(f"#add-on-{add_on.pk}-decision")).to_have_text("待确认")
    assert_image_loaded(item.locator("img"))
    src = item.locator("img").get_attribute("src")
    assert src.startswith("/media/add-ons/")
    photo = page.request.get(f"{live_server.url}{src}")
    assert photo.ok and photo.headers["content-type"] == "image/png"
    assert photo.body() == png()
    # Not charged until the owner says yes.
    expect(page.locator("#total")).to_have_text("¥738.00")
    expect(page.locator("#bill")).to_contain_text("¥280.00")
    assert_fits(page, LAPTOP)
    screenshot("42-repair-order-add-on-pending")

    # The owner's message carries a link to the same page as the order page's link.
    href = page.locator("#progress-link").get_attribute("href")
    message = Message.objects.get(template="ro_add_on_waiting", recipient=owner.mobile)
    assert link_target(href) in links_in(message.body) and "更换刹车油" in message.body
    progress = f"{live_server.url}{urlsplit(href).path}"

    phone.goto(progress)
    expect(phone.locator("#status")).to_have_text("接车")
    card = phone.locator(f"#add-on-{add_on.pk}")
    expect(card).to_contain_text("更换刹车油")
    expect(card).to_contain_text("¥280.00")
    expect(card).to_contain_text("未经您同意的项目不会收费")
    assert_image_loaded(card.locator("img"))
    expect(phone.locator("#total")).to_have_text("¥738.00")
    assert_fits(phone, PHONE)
    assert_touch_targets(phone, f"#approve-{add_on.pk}, #decline-{add_on.pk}", minimum=48)
    phone_screenshot(phone, "43-progress-add-on-pending")

    phone.locator(f"#approve-{add_on.pk}").click()
    expect(phone.locator(".messages")).to_contain_text("已记录您的决定：更换刹车油 已同意")
    expect(phone.locator(f"#add-on-{add_on.pk}-decision")).to_have_text("已同意")
    expect(phone.locator(f"#approve-{add_on.pk}")).to_have_count(0)
    expect(phone.locator("#total")).to_have_text("¥1018.00")
    assert_fits(phone, PHONE)
    phone_screenshot(phone, "44-progress-add-on-approved")
    add_on.refresh_from_db()
    assert (add_on.decision, add_on.decided_via) == ("approved", "link")

    # The advisor sees the approval and the total with the add-on.
    page.reload()
    expect(page.locator(f"#add-on-{add_on.pk}-decision")).to_have_text("已同意")
    expect(page.locator(f"#add-on-{add_on.pk}")).to_contain_text("客户手机确认")
    expect(page.locator("#total")).to_have_text("¥1018.00")
    assert ro_services.repair_order_totals(order)["total"] == Decimal("1018.00")

    page.locator("#to-dispatched").click()
    expect(page.locator("#status")).to_have_text("已派工")
    page.locator("#to-in_progress").click()
    expect(page.locator("#status")).to_have_text("维修中")
    expect(page.locator("#timeline")).to_contain_text("已派工")
    # Reception's own buttons are gone; only what may follow 维修中 is offered.
    expect(page.locator("#to-dispatched")).to_have_count(0)
    expect(page.locator("#to-qc")).to_be_visible()
    assert_fits(page, LAPTOP)
    screenshot("45-repair-order-in-progress")

    # The owner's page follows.
    phone.reload()
    expect(phone.locator("#status")).to_have_text("维修中")
    expect(phone.locator("ol.steps li.done")).to_have_count(3)
    expect(phone.locator("#progress-timeline")).to_contain_text("已派工")
    assert Message.objects.filter(template="ro_dispatched", recipient=owner.mobile).count() == 1
    assert_fits(phone, PHONE)
    phone_screenshot(phone, "46-progress-in-progress")

    # On the board the car is in the 维修中 column.
    page.goto(f"{live_server.url}/workorders/")
    column = page.locator('#board [data-status="in_progress"]')
    expect(column.locator(".ro-card", has_text="京A12345")).to_contain_text(order.number)
    expect(page.locator('#board [data-status="reception"]')).not_to_contain_text("京A12345")


PATHS = {
    "reception": [],
    "dispatched": ["dispatched"],
    "in_progress": ["dispatched", "in_progress"],
    "waiting_parts": ["dispatched", "in_progress", "waiting_parts"],
    "qc": ["dispatched", "in_progress", "qc"],
    "washing": ["dispatched", "in_progress", "qc", "washing"],
    "ready": ["dispatched", "in_progress", "qc", "ready"],
    "settled": ["dispatched", "in_progress", "qc", "ready", "settled"],
}


def test_board_then_phone_approval_settlement_and_delivery(
    live_server, page, login, screenshot, store_a, advisor
):
    plates = {}
    seeds = [
        ("刘洋", "reception", "maintenance", "朗逸"),
        ("陈静", "reception", "insurance", "途观L"),
        ("赵磊", "dispatched", "repair", "帕萨特"),
        ("孙丽", "in_progress", "maintenance", "迈腾"),
        ("周强", "in_progress", "warranty", "ID.4"),
        ("吴敏", "waiting_parts", "repair", "速腾"),
        ("郑浩", "qc", "maintenance", "宝来"),
        ("冯雪", "washing", "insurance", "探岳"),
        ("蒋涛", "ready", "maintenance", "帕萨特"),
        ("韩梅", "settled", "repair", "朗逸"),
    ]
    for i, (name, state, job_type, model) in enumerate(seeds):
        plate = f"京A8{i:04d}"
        order = open_order(store_a, advisor, name=name, plate=plate, job_type=job_type, model=model)
        plates[plate] = (order, state)
    by_state = {state: order for order, state in plates.values()}
    # The car ready for pickup has a full bill: 90 + 262 + 58 + approved 120 (declined 98).
    ready = by_state["ready"]
    for kind, name, hours, quantity, price in [
        ("labour", "更换机油机滤", "0.5", None, "180"),
        ("part", "机油 5W-30", None, "4", "65.50"),
        ("part", "机油滤清器", None, "1", "58"),
    ]:
        ro_services.repair_order_line_add(
            actor=advisor,
            repair_order=ready,
            kind=kind,
            name=name,
            hours=hours,
            quantity=quantity,
            unit_price=price,
        )
    for name, price, decision in [
        ("更换空调滤芯", "120", "approved"),
        ("更换雨刮片", "98", "declined"),
    ]:
        extra = ro_services.add_on_create(actor=advisor, repair_order=ready, name=name, price=price)
        ro_services.add_on_decide(add_on=extra, decision=decision)
    # One waiting for the owner's answer on an add-on, one promised an hour ago (overdue).
    waiting = by_state["waiting_parts"]
    air_filter = ro_services.add_on_create(
        actor=advisor, repair_order=waiting, name="更换空调滤芯", price="120"
    )
    for order, state in plates.values():
        move(order, advisor, *PATHS[state])
    late = plates["京A80003"][0]
    RepairOrder.objects.filter(pk=late.pk).update(
        promised_at=timezone.now() - dt.timedelta(hours=1)
    )
    # Delivered and cancelled orders are not on the board.
    move(open_order(store_a, advisor, name="曹明", plate="京A89998"), advisor, "cancelled")
    done = open_order(store_a, advisor, name="彭亮", plate="京A89999")
    move(done, advisor, *PATHS["settled"], "delivered")

    login(advisor)
    page.goto(f"{live_server.url}/workorders/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("10 张在修工单")
    columns = page.locator("#board .board-col")
    expect(columns).to_have_count(8)
    assert columns.evaluate_all("cols => cols.map(c => c.dataset.status)") == BOARD_STATES
    for plate, (order, state) in plates.items():
        card = page.locator(f'#board [data-status="{state}"] .ro-card', has_text=plate)
        expect(card).to_contain_text(order.number)
    expect(page.locator('#board [data-status="reception"] .ro-card')).to_have_count(2)
    expect(page.locator('#board [data-status="in_progress"] .ro-card')).to_have_count(2)
    expect(page.locator("#board")).not_to_contain_text("京A89998")
    expect(page.locator("#board")).not_to_contain_text("京A89999")
    late_card = page.locator(".ro-card", has_text="京A80003")
    expect(late_card).to_have_class(re.compile(r"\boverdue\b"))
    expect(late_card).to_contain_text("超时")
    waiting_card = page.locator(".ro-card", has_text=waiting.vehicle.plate)
    expect(waiting_card).to_contain_text("1 项增项待确认")
    # Eight columns side by side on the laptop, none squeezed below a readable card width.
    assert_fits(page, LAPTOP)
    widths = columns.evaluate_all("cols => cols.map(c => c.getBoundingClientRect().width)")
    assert min(widths) >= 140, widths
    tops = columns.evaluate_all("cols => cols.map(c => c.getBoundingClientRect().top)")
    assert len(set(tops)) == 1, "the columns wrapped onto a second row"
    screenshot("47-workshop-board")

    # The owner said yes on the phone: the advisor records who and when.
    waiting_card.click()
    expect(page).to_have_url(f"{live_server.url}/workorders/{waiting.pk}/")
    expect(page.locator("#status")).to_have_text("待料")
    item = page.locator(f"#add-on-{air_filter.pk}")
    item.get_by_label("电话确认人").fill("吴敏")
    item.get_by_role("button", name="记录同意").click()
    expect(page.locator(f"#add-on-{air_filter.pk}-decision")).to_have_text("已同意")
    expect(page.locator(f"#add-on-{air_filter.pk}")).to_contain_text("电话确认（顾问记录）（吴敏）")
    expect(page.locator("#total")).to_have_text("¥120.00")
    air_filter.refresh_from_db()
    assert (air_filter.decided_via, air_filter.decided_by_name) == ("phone", "吴敏")

    # Ready for pickup: the itemised bill; a negative discount is refused next to the field.
    page.goto(f"{live_server.url}/workorders/{ready.pk}/")
    expect(page.locator("#status")).to_have_text("待交车")
    bill = page.locator("#bill")
    expect(bill).to_contain_text("¥90.00")
    expect(bill).to_contain_text("¥320.00")
    expect(page.locator("#total")).to_have_text("¥530.00")
    settle = page.locator("#settle-form")
    settle.get_by_label("优惠").fill("-10")
    settle.get_by_role("button", name="结算").click()
    expect(page.locator("#settle-form #row-discount #error-discount")).to_be_visible()
    expect(page.locator("#status")).to_have_text("待交车")
    assert_fits(page, LAPTOP)
    screenshot("48-repair-order-settle-error")

    settle = page.locator("#settle-form")
    settle.get_by_label("优惠").fill("30")
    settle.get_by_label("下次保养建议").fill("5000 公里或 6 个月后保养")
    settle.get_by_role("button", name="结算").click()
    expect(page.locator("#status")).to_have_text("已结算")
    expect(page.locator("#total")).to_have_text("¥500.00")
    expect(page.locator("#bill")).to_contain_text("5000 公里或 6 个月后保养")
    expect(page.locator("#settle-form")).to_have_count(0)
    ready.refresh_from_db()
    assert ready.settled_total == Decimal("500.00")
    assert_fits(page, LAPTOP)
    screenshot("49-repair-order-settled")

    page.locator("#to-delivered").click()
    expect(page.locator("#status")).to_have_text("已交车")
    expect(page.locator(".ro-actions button")).to_have_count(0)
    page.goto(f"{live_server.url}/workorders/")
    expect(page.locator("#board")).not_to_contain_text(ready.vehicle.plate)
    expect(page.get_by_role("heading", level=1)).to_contain_text("9 张在修工单")
