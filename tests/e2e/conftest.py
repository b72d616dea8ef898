"""Browser tests: pytest-playwright driving Debian's Chromium against Django's live server.

Never run `playwright install`: the browser is /usr/bin/chromium (Debian package `chromium`),
Chinese text needs `fonts-noto-cjk`. Screenshots go to test-results/screenshots/ (gitignored).
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the factories then call the ORM
# from that thread, which Django refuses unless told it is safe (it is: no real async code).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

E2E_DIR = Path(__file__).resolve().parent
REPO_DIR = E2E_DIR.parents[1]
SCREENSHOT_DIR = REPO_DIR / "test-results" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Staff pages must fit a 1366×768 laptop screen.
LAPTOP = {"width": 1366, "height": 768}
PASSWORD = "pass-1234"  # what tests/factories.make_staff gives every user


def pytest_configure(config):
    # pytest-playwright 0.10's own `base_url` fixture trips a pytest 9 deprecation; not ours.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods"
        ":pytest.PytestRemovedIn10Warning",
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.path)).is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A Chinese dealership's laptop: zh-CN browser, China time, 1366×768.
    return {
        **browser_context_args,
        "viewport": LAPTOP,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }


@pytest.fixture
def page(page):
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def login(page, live_server):
    """Log in through the login form, as a person would; lands on the customer list."""

    def _login(user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/customers/")
        return page

    return _login


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot as test-results/screenshots/<name>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def _screenshot(name: str) -> Path:
        path = SCREENSHOT_DIR / f"{name}.png"
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)  # another pytest run may clear it
        page.screenshot(path=str(path), full_page=True)
        return path

    return _screenshot
