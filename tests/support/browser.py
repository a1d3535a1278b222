"""Steps the browser tests share (tests/browser): log in on the login page, open the navigation that a
phone's width folds behind the toggler, check a page fits the screen, collect what goes wrong on a page."""

from __future__ import annotations

from tests.conftest import PASSWORD


def login(page, base: str, username: str, password: str = PASSWORD, lands_on: str = "/") -> None:
    """Log in through the form and wait until the browser is on `lands_on` (the home page; /account for a
    first login with a one-time password, which must be changed first)."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{lands_on}")


def open_nav(page) -> None:
    """At a phone's width the main menu is collapsed behind the toggler: open it (nothing to do on a desktop)."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.locator("#mainnav.show").wait_for()


def go_to(page, label: str) -> None:
    """Follow the navigation entry `label`, opening the menu that holds it when it is in one."""
    open_nav(page)
    nav = page.locator("[data-testid=main-nav]")
    link = nav.get_by_role("link", name=label, exact=True)
    if not link.is_visible():
        nav.locator("li.dropdown", has=page.locator(f"a.dropdown-item:text-is('{label}')")).locator(
            "[data-testid=nav-menu]").click()
    link.click()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def watch(page, problems: list[str]) -> None:
    """CSP refusals, script errors and failed requests of the page (the browser's own favicon probe,
    which is no request of the page, only shows as a console line and is left out)."""
    def console(msg) -> None:
        if "Content Security Policy" in msg.text or (msg.type == "error" and "Failed to load resource" not in msg.text):
            problems.append(msg.text)
    page.on("console", console)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
