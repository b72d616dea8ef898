"""Appointments in a real browser: the car owner books on a phone, the advisor works the day plan.

Days are real days relative to now (the live server is not time-travelled): bookings go on the
next working day, which the public page always offers (it lists working days 14 days ahead).
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dealercare.appointments import services as appointment_services
from dealercare.appointments.models import Appointment, Bay
from dealercare.notifications.models import Message
from dealercare.org.calendar import store_calendar

from ..factories import make_customer, make_staff, make_vehicle
from .conftest import LAPTOP, SCREENSHOT_DIR

PHONE = {"width": 390, "height": 844}
BAYS = ["1号工位", "2号工位", "3号工位", "4号工位"]


def next_day(store, *, working: bool) -> dt.date:
    """The first day after today that is (or is not) a working day of the store."""
    calendar = store_calendar(store)
    day = timezone.localdate() + dt.timedelta(days=1)
    while calendar.is_working_day(day) != working:
        day += dt.timedelta(days=1)
    return day


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), timezone.get_current_timezone())


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def assert_touch_targets(page, selector: str, minimum: int = 44):
    """Every control a thumb has to hit is at least `minimum` CSS pixels tall."""
    heights = page.locator(selector).evaluate_all(
        "els => els.map(e => [e.id || e.name || e.textContent.trim(), e.offsetHeight])"
    )
    assert heights
    small = [(what, height) for what, height in heights if height < minimum]
    assert small == [], f"too small to tap: {small}"


def assert_fits(page, size):
    width = page_width(page)
    assert width <= size["width"], f"page is {width}px wide, wider than {size['width']}px"


@pytest.fixture
def store(store_a):
    for name in BAYS:
        Bay.objects.create(store=store_a, name=name)
    return store_a


@pytest.fixture
def advisor(store):
    return make_staff("service_advisor", store)


@pytest.fixture
def day(store):
    return next_day(store, working=True)


@pytest.fixture
def booked(store, advisor, day):
    """Some of the day already booked by phone: 09:30 has two cars, 10:30 is full."""
    made = []
    for hhmm, names in [("09:30", ["刘洋", "陈静"]), ("10:30", ["赵磊", "孙丽", "周强", "吴敏"])]:
        for name in names:
            customer = make_customer(store, advisor, name=name)
            vehicle = make_vehicle(customer, advisor)
            made.append(
                appointment_services.appointment_book(
                    actor=advisor,
                    store=store,
                    customer=customer,
                    vehicle=vehicle,
                    start=at(day, hhmm),
                    service_type="maintenance",
                    channel="phone",
                )
            )
    return made


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


def phone_screenshot(page, name: str, *, full_page: bool = True) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=full_page)


def test_owner_books_on_phone_and_advisor_confirms(
    live_server, phone, page, login, screenshot, store, advisor, day, booked
):
    mobile, plate = "13712345678", "京A6M8K2"
    phone.goto(f"{live_server.url}/c/book/{store.code}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("预约保养维修")
    phone.locator(f'.days a[href$="day={day.isoformat()}"]').click()
    expect(phone.locator(".days a.active")).to_have_attribute("href", re.compile(day.isoformat()))
    slots = phone.locator("#row-start")
    expect(slots.locator("label.slot", has_text="10:30")).to_contain_text("约满")
    expect(slots.locator("label.slot", has_text="10:30").get_by_role("radio")).to_be_disabled()
    expect(slots.locator("label.slot", has_text="09:30")).to_contain_text("余 2")
    assert_fits(phone, PHONE)
    assert_touch_targets(
        phone,
        "label.slot, .days a, #booking-form button, #booking-form select, "
        "#booking-form input:not([type=hidden]):not([type=radio]), #booking-form textarea",
    )
    phone_screenshot(phone, "20-public-book-slots")

    slots.locator("label.slot", has_text="14:30").click()
    phone.get_by_label("姓名").fill("黄磊")
    phone.get_by_label("手机号").fill(mobile)
    phone.get_by_label("车牌号").fill(plate)
    phone.get_by_label("备注").fill("左前轮有异响")
    phone.get_by_role("button", name="获取验证码").click()
    expect(phone.locator("#code-sent")).to_be_visible()
    # What was typed and picked is kept across the round trip.
    expect(phone.get_by_label("车牌号")).to_have_value(plate)
    expect(slots.locator("label.slot", has_text="14:30").get_by_role("radio")).to_be_checked()
    assert_fits(phone, PHONE)
    phone_screenshot(phone, "21-public-book-code-sent")

    sms = Message.objects.get(recipient=mobile, template="verification_code")
    code = re.search(r"验证码 (\d{6})", sms.body).group(1)
    # A mistyped code is refused next to the code field; nothing is booked.
    phone.get_by_label("短信验证码").fill(f"{(int(code) + 1) % 10**6:06d}")
    phone.get_by_role("button", name="提交预约").click()
    expect(phone.locator("#row-code #error-code")).to_contain_text("验证码错误")
    assert not Appointment.objects.filter(customer__mobile=mobile).exists()
    assert_fits(phone, PHONE)
    # What the phone shows: the page scrolled to the refused code, not to the top.
    expect(phone.get_by_label("短信验证码")).to_be_focused()
    expect(phone.locator("#error-code")).to_be_in_viewport()
    phone_screenshot(phone, "22-public-book-wrong-code", full_page=False)

    phone.get_by_label("短信验证码").fill(code)
    phone.get_by_role("button", name="提交预约").click()
    expect(phone).to_have_url(re.compile(r"/c/appointments/[^/]+/$"))
    card = phone.locator("#appointment")
    expect(card.locator("#status")).to_have_text("待确认")
    expect(card).to_contain_text(f"{day:%Y-%m-%d} 14:30")
    expect(card).to_contain_text(plate)
    assert_fits(phone, PHONE)
    phone_screenshot(phone, "23-public-appointment")
    appointment = Appointment.objects.get(customer__mobile=mobile)
    assert (appointment.channel, appointment.status) == ("online", "requested")

    # The advisor, on a laptop, sees the booking in the day plan and confirms it.
    login(advisor)
    page.goto(f"{live_server.url}/appointments/?date={day.isoformat()}")
    booking = page.locator("#day-plan .booking", has_text="黄磊")
    expect(booking).to_contain_text(plate)
    expect(booking).to_contain_text("待确认")
    expect(page.locator("#slot-1430")).to_contain_text("黄磊")
    assert_fits(page, LAPTOP)
    screenshot("24-day-plan")

    booking.get_by_role("button", name="确认").click()
    expect(page.locator(".messages")).to_contain_text("黄磊 的预约已更新：已确认")
    booking = page.locator("#day-plan .booking", has_text="黄磊")
    expect(booking).to_contain_text("已确认")
    expect(booking.get_by_role("button", name="确认")).to_have_count(0)
    # Arrived or cancelled can be set now; no-show only once the slot has begun.
    expect(booking.get_by_role("button", name="到店")).to_be_visible()
    expect(booking.get_by_role("button", name="未到")).to_have_count(0)
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"
    screenshot("25-day-plan-confirmed")


def test_advisor_books_by_plate_and_sees_errors_next_to_the_slot(
    live_server, page, login, screenshot, store, advisor, day, booked
):
    owner = make_customer(store, advisor, name="王芳", mobile="13812345678")
    make_vehicle(owner, advisor, plate="京A12345", brand="丰田", model="凯美瑞")
    closed = next_day(store, working=False)

    login(advisor)
    page.goto(f"{live_server.url}/appointments/?date={day.isoformat()}")
    # A free cell of the 15:30 row opens the form with that slot filled in.
    page.locator("#slot-1530").get_by_role("link", name="预约").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新建预约")
    expect(page.get_by_label("预约时段")).to_have_value(f"{day.isoformat()}T15:30")

    # A full slot: the error is next to the slot field, what was typed is kept.
    page.get_by_label("车牌号或手机号").fill("京a12345")
    page.get_by_label("预约时段").fill(f"{day.isoformat()}T10:30")
    page.get_by_role("button", name="预约", exact=True).click()
    expect(page.locator("#row-start #error-start")).to_contain_text("该时段已约满")
    expect(page.locator("#row-start")).to_have_class(re.compile(r"\bfield-error\b"))
    expect(page.get_by_label("车牌号或手机号")).to_have_value("京a12345")
    assert_fits(page, LAPTOP)

    # A closed day: same place, its own reason.
    page.get_by_label("预约时段").fill(f"{closed.isoformat()}T09:30")
    page.get_by_role("button", name="预约", exact=True).click()
    expect(page.locator("#row-start #error-start")).to_contain_text("门店休息")
    assert_fits(page, LAPTOP)
    screenshot("26-appointment-form-error")

    page.get_by_label("预约时段").fill(f"{day.isoformat()}T15:30")
    page.get_by_role("button", name="预约", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/appointments/?date={day.isoformat()}")
    expect(page.locator(".messages")).to_contain_text("已为 王芳 预约")
    row = page.locator("#slot-1530")
    expect(row.locator(".booking", has_text="王芳")).to_contain_text("京A12345")
    expect(row.locator(".booking", has_text="王芳")).to_contain_text("已确认")
    assert Appointment.objects.get(customer=owner).channel == "phone"
    assert_fits(page, LAPTOP)
    screenshot("27-day-plan-staff-booking")

    # Six bays still fit the laptop screen.
    for name in ["5号工位", "6号工位"]:
        Bay.objects.create(store=store, name=name)
    page.reload()
    expect(page.locator("#day-plan thead th")).to_have_count(1 + 6 + 1)
    assert_fits(page, LAPTOP)
    screenshot("28-day-plan-six-bays")
