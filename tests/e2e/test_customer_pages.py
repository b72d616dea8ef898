"""The staff customer pages in a real browser (headless Chromium against the live server).

Given data built with the factories, when a person uses the pages, then they see what they
should: errors next to fields, new vehicles in the table, only their store's customers.
"""

import re

import pytest
from playwright.sync_api import expect

from dealercare.customers.models import Vehicle
from dealercare.notifications.services import message_send

from ..factories import make_customer, make_vehicle, make_vin
from .conftest import LAPTOP


def bad_check_digit(vin: str) -> str:
    """The same VIN with a wrong 9th character (the ISO 3779 check digit)."""
    wrong = "0" if vin[8] != "0" else "1"
    return vin[:8] + wrong + vin[9:]


def assert_fits_laptop(page):
    """Nothing wider than the 1366 px laptop screen: no horizontal scroll bar."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= LAPTOP["width"], f"page is {width}px wide, wider than the laptop screen"


@pytest.fixture
def customer_a(customer_a, agent_a):
    """王芳 of 北京朝阳店 (tests/conftest.py), with a car: 京A12345."""
    make_vehicle(customer_a, agent_a, plate="京A12345", brand="丰田", model="凯美瑞")
    return customer_a


def test_agent_finds_customer_by_plate_and_adds_vehicle(
    live_server, login, page, screenshot, customer_a, agent_a, store_a
):
    # Another customer of the same store, who must not match the plate search.
    make_customer(store_a, agent_a, name="赵磊", mobile="13900001111")
    new_vin = make_vin()

    login(agent_a)
    expect(page.get_by_role("link", name="赵磊")).to_be_visible()
    screenshot("02-customer-list")

    # Live search by plate (HTMX): the list narrows to the owner of the car.
    page.get_by_role("searchbox").fill("京A12345")
    expect(page.get_by_role("link", name="赵磊")).to_have_count(0)
    expect(page.locator("#customer-results").get_by_role("link", name="王芳")).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?q="))
    assert_fits_laptop(page)
    screenshot("03-customer-search")

    page.locator("#customer-results").get_by_role("link", name="王芳").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("王芳")
    expect(page.locator("#vehicles")).to_contain_text("京A12345")
    assert_fits_laptop(page)
    screenshot("04-customer-detail")

    # A VIN with a wrong check digit: the error is shown next to the VIN field, nothing saved.
    page.locator("#add-vehicle").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("新增车辆")
    page.get_by_label("车牌号").fill("京A7K9M2")
    page.get_by_label("车架号（VIN）").fill(bad_check_digit(new_vin))
    page.get_by_label("品牌").fill("大众")
    page.get_by_label("车型").fill("帕萨特")
    page.get_by_label("当前里程（公里）").fill("12000")
    page.get_by_role("button", name="保存").click()
    vin_error = page.locator("#row-vin #error-vin")
    expect(vin_error).to_contain_text(f"第 9 位应为 {new_vin[8]}")
    expect(page.locator("#row-vin")).to_have_class(re.compile(r"\bfield-error\b"))
    expect(page.locator("#error-plate")).to_have_count(0)
    # What was typed is kept, so the agent only corrects the VIN.
    expect(page.get_by_label("车牌号")).to_have_value("京A7K9M2")
    assert not Vehicle.objects.filter(plate="京A7K9M2").exists()
    assert_fits_laptop(page)
    screenshot("05-vehicle-form-error")

    # Corrected: back on the customer page with the vehicle in the table.
    page.get_by_label("车架号（VIN）").fill(new_vin.lower())
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(f"{live_server.url}/customers/{customer_a.pk}/")
    row = page.locator("#vehicles tbody tr", has_text="京A7K9M2")
    expect(row).to_contain_text("大众 帕萨特")
    expect(row).to_contain_text(new_vin)
    expect(row).to_contain_text("12000 km")
    expect(page.locator("#timeline")).to_contain_text("京A7K9M2")
    assert Vehicle.objects.filter(plate="京A7K9M2", owner=customer_a).count() == 1
    screenshot("06-customer-detail-vehicle-added")


def test_login_page(live_server, page, screenshot, agent_a):
    page.goto(f"{live_server.url}/customers/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/customers/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.get_by_label("用户名").fill(agent_a.username)
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#form-errors")).to_be_visible()
    screenshot("01-login-error")
    page.get_by_label("密码").fill("pass-1234")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server.url}/customers/")


def test_switch_to_english_and_back(live_server, login, page, screenshot, customer_a, agent_a):
    login(agent_a)
    page.goto(f"{live_server.url}/customers/{customer_a.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.get_by_role("button", name="English").click()
    # Back on the same page, now in English.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/customers/{customer_a.pk}/")
    expect(page.locator("#vehicles")).to_contain_text("京A12345")
    assert_fits_laptop(page)
    screenshot("09-customer-detail-en")

    # The choice sticks on the next page, until switched back.
    page.goto(f"{live_server.url}/customers/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(f"{live_server.url}/customers/")


def test_agent_cannot_open_another_stores_customer(
    live_server, login, page, screenshot, agent_a, customer_b
):
    other = customer_b  # 李强 of 上海浦东店

    login(agent_a)
    response = page.goto(f"{live_server.url}/customers/{other.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text("页面不存在")
    expect(page.locator("body")).not_to_contain_text("李强")
    expect(page.locator("body")).not_to_contain_text("上海浦东店")
    screenshot("10-not-found")
    # Nor through its edit or add-vehicle pages.
    for url in (f"/customers/{other.pk}/edit/", f"/customers/{other.pk}/vehicles/new/"):
        assert page.goto(f"{live_server.url}{url}").status == 404


def test_hq_switches_store_and_list_narrows(
    live_server, login, page, screenshot, customer_a, customer_b, store_b, hq_user
):
    login(hq_user)
    results = page.locator("#customer-results")
    expect(results.get_by_role("link", name="王芳")).to_be_visible()
    expect(results.get_by_role("link", name="李强")).to_be_visible()
    store_select = page.locator("#store-switch select")
    expect(store_select).to_have_value("")

    store_select.select_option(label="上海浦东店")
    expect(store_select).to_have_value(str(store_b.pk))
    expect(results.get_by_role("link", name="李强")).to_be_visible()
    expect(results.get_by_role("link", name="王芳")).to_have_count(0)
    assert_fits_laptop(page)
    screenshot("11-hq-store-selected")

    store_select.select_option(label="全部门店")
    expect(results.get_by_role("link", name="王芳")).to_be_visible()
    expect(results.get_by_role("link", name="李强")).to_be_visible()


def test_reveal_full_mobile(live_server, login, page, customer_a, agent_a):
    login(agent_a)
    page.goto(f"{live_server.url}/customers/{customer_a.pk}/")
    mobile = page.locator("#mobile")
    expect(mobile).not_to_contain_text("13812345678")
    expect(mobile).to_have_text("138****5678")

    page.locator("#reveal-mobile").click()
    expect(mobile).to_have_text("13812345678")
    expect(page.locator("#reveal-mobile")).to_be_hidden()


def test_create_customer_shows_bad_mobile_next_to_field(
    live_server, login, page, screenshot, agent_a
):
    login(agent_a)
    page.get_by_role("link", name="新建客户").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("新建客户")
    page.get_by_label("姓名").fill("陈静")
    page.get_by_label("手机号").fill("12345")
    page.get_by_role("button", name="保存").click()

    expect(page.locator("#row-mobile #error-mobile")).to_contain_text("手机号")
    expect(page.get_by_label("姓名")).to_have_value("陈静")
    assert_fits_laptop(page)
    screenshot("07-customer-form-error")

    page.get_by_label("手机号").fill("138 0013 8000")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("陈静")
    expect(page.locator("#mobile")).to_contain_text("138")


def test_message_center_loads(live_server, login, page, screenshot, customer_a, agent_a):
    message_send(
        store=customer_a.store,
        channel="outbox",
        recipient=customer_a.mobile,
        template="test_message",
        customer=customer_a,
        idempotency_key="e2e-test-message",
        context={"store": customer_a.store, "customer_name": customer_a.name},
    )
    login(agent_a)
    page.get_by_role("navigation").get_by_role("link", name="消息中心").click()
    expect(page).to_have_url(f"{live_server.url}/messages/")
    expect(page.get_by_role("heading", level=1)).to_have_text("消息中心")
    expect(page.locator("#messages tbody tr", has_text="王芳")).to_contain_text("测试消息")
    assert_fits_laptop(page)
    screenshot("08-message-center")
