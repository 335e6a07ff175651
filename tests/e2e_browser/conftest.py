"""Shared pieces of the workbench browser tests: Debian Chromium, a logged-in page, API spies."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-component-update"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
Login = Callable[..., Awaitable[Page]]


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless (never a downloaded browser)."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
def login(chromium: Browser) -> Login:
    """Open a fresh context, log in through the dev form, return the page."""

    async def open_as(base: str, role: str, scope: str, viewport: dict[str, int] = DESKTOP) -> Page:
        context = await chromium.new_context(viewport=viewport, base_url=base, locale="zh-CN")
        page = await context.new_page()
        await page.goto("/login")
        await page.get_by_label("角色").select_option(role)
        await page.get_by_label("辖区或部门代码").fill(scope)
        await page.locator("#dev-login button[type=submit]").click()
        await expect(page.locator("#flash")).to_contain_text("已登录")
        return page

    return open_as


class PostSpy:
    """An ASGI wrapper that notes each POST whose path ends with a suffix, with its key."""

    def __init__(self, app: Any, suffix: str) -> None:
        self.app, self.suffix = app, suffix
        self.calls: list[tuple[str, str]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            if scope["path"].endswith(self.suffix):
                headers = dict(scope["headers"])
                key = headers.get(b"idempotency-key", b"").decode()
                self.calls.append((scope["path"], key))
        await self.app(scope, receive, send)

    def to(self, path_part: str) -> list[str]:
        """The keys of the noted calls whose path contains a part."""
        return [key for path, key in self.calls if path_part in path]


@pytest.fixture
def post_spy() -> type[PostSpy]:
    """The spy class (test modules are imported by path: they cannot import conftest)."""
    return PostSpy
