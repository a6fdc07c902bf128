"""A real browser (Debian's chromium driven by Playwright) on a phone-sized screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gongzhi.core.testing.scope_matrix import build_world

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = Path("/tmp/home.png")  # noqa: S108 - a fixed place to look at the result
SCREENSHOT_ZH = Path("/tmp/home-zh.png")  # noqa: S108
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not os.environ.get("CI"),
        reason=f"{CHROMIUM} is not installed (apt-get install chromium); CI must have it",
    ),
]


@pytest.fixture
def page(live_server, transactional_db, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; Django's ORM refuses to run inside one.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def test_grid_worker_logs_in_sees_chinese_home_and_switches_to_english(live_server, page):
    # given the scope-matrix world: a grid worker of 第一网格 in 幸福社区
    build_world()
    # when they log in through the form
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("h1").inner_text() == "登录"
    page.get_by_label("手机号或用户名").fill("grid_worker")
    page.get_by_label("密码").fill("pass-1234-word")
    page.get_by_role("button", name="登录").click()
    # then the home page is in Chinese, with their grid
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="我的网格：第一网格").is_visible()
    assert "退出登录" in page.locator("header").inner_text()
    # and the stylesheet is applied (the header is red, not the browser default)
    header_bg = page.eval_on_selector("header", "e => getComputedStyle(e).backgroundColor")
    assert header_bg == "rgb(164, 22, 26)"
    page.screenshot(path=str(SCREENSHOT_ZH), full_page=True)

    # when they switch to English
    page.get_by_role("button", name="Switch to English").click()
    page.wait_for_load_state()
    # then the same page reads in English
    assert page.get_by_role("heading", name="My grid: 第一网格").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"

    # and it fits a phone: no sideways scrolling, tap targets at least 44 px high
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for target in page.locator("header button, nav a, main a.button").all():
        box = target.bounding_box()
        assert box is not None and box["height"] >= 44, target.inner_text()
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 0
