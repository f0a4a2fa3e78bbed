"""Every dashboard that talks to a server, in Voila + Chromium, on slow and hanging stand-ins.

What a researcher on a slow or failing server must get: the page shows without waiting for the servers; every
wait shows a busy state in the widget that waits (seen BEFORE the answer, the answer after); while one request
is pending the kernel still answers the next click (its main thread is free); Cancel on a hang makes the widget
usable at once, and the late answer does not overwrite what was asked for since; an error says what to do and is
cleared by the next success.

Nothing is timed: each step waits for what the page shows. A stand-in holds requests back until its faults are
cleared (the server recovers); an answer that must arrive late is waited for on the stand-in
(``stats["answered"]``), not with a sleep.
"""
import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

HANG = 120  # a stand-in holds a request back this long, or until its faults are cleared (the server recovers)
LATENCY = 2  # seconds added to every answer of a slow stand-in
ROWS = ".ndw-search-results .ndw-dt-table tbody tr:not(.ndw-dt-detail)"


def _wait_until(condition, what: str, timeout: float = 120) -> None:
    """Wait until ``condition()`` holds on a stand-in (polling its counters, not waiting for the page)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.2)


def _all_answered(service) -> None:
    """Wait until ``service`` has sent an answer to every request it received (held-back ones included)."""
    _wait_until(lambda: service.stats["answered"] >= service.stats["total"], f"{service.name} to answer all")


def _toggle_syntax(page, shown: bool) -> None:
    """Click the search's Syntax toggle: its Python observer shows or hides the query language help."""
    page.locator(".ndw-search .widget-toggle-button", has_text="Syntax").click()
    help_ = page.locator(".ndw-search-help")
    (expect(help_).to_be_visible if shown else expect(help_).to_be_hidden)(timeout=30_000)


def test_search_on_a_hanging_then_slow_then_failing_registry(dashboard, faults):
    registry = faults["registry"]
    registry.faults.set(hang=HANG)
    page = dashboard.open("search.ipynb")  # renders although the registry holds back the newest datasets
    table = page.locator(".ndw-search-results")
    busy = table.locator(".ndw-dt-busy")
    expect(busy).to_contain_text("Searching the registry", timeout=30_000)
    expect(page.locator(f"{ROWS} .ndw-search-url")).to_have_count(0)  # no answer yet
    # the kernel's main thread is free: another control's observer answers while the registry is silent
    _toggle_syntax(page, shown=True)
    expect(busy).to_be_visible()
    busy.locator(".ndw-dt-cancel").click()
    expect(busy).to_be_hidden(timeout=10_000)  # usable at once
    expect(page.locator(".ndw-search .ndw-banner-info")).to_contain_text("Stopped waiting for the registry")
    # what the user does next is the newer state: a query with a mistake (parsed here, the registry is not asked)
    box = page.locator(".ndw-search-query input")
    box.fill("colour:red")
    page.locator(".ndw-search-button").click()
    banner = page.locator(".ndw-search .ndw-banner-error")
    expect(banner).to_contain_text("Unknown field: 'colour'", timeout=30_000)
    # the registry recovers: the cancelled listing's answer comes late and must not fill the table
    registry.faults.clear()
    _all_answered(registry)
    _toggle_syntax(page, shown=False)  # one more round trip through the kernel after the late answer
    expect(banner).to_contain_text("Unknown field: 'colour'")
    expect(page.locator(f"{ROWS} .ndw-search-url")).to_have_count(0)
    assert box.input_value() == "colour:red" and busy.is_hidden()
    box.fill("url:ndw-demo-raw")
    page.locator(".ndw-search-button").click()
    expect(page.locator(ROWS)).to_have_count(1, timeout=30_000)
    expect(banner).to_have_count(0)  # the success cleared the error

    # a slow registry: the busy bar shows before the answer, the answer replaces it
    registry.faults.set(latency=LATENCY)
    box.fill("")  # an empty query: the newest datasets, a full page of them
    page.locator(".ndw-search-button").click()
    expect(busy).to_contain_text("Searching the registry", timeout=30_000)
    expect(page.locator(ROWS)).to_have_count(10, timeout=30_000)  # the answer arrived
    expect(busy).to_be_hidden()
    registry.faults.clear()

    # a gateway timing out: the banner says what happened and what to do; the next success clears it
    registry.faults.set(status=504)
    page.locator(".ndw-search-button").click()
    expect(banner).to_contain_text("waited too long", timeout=30_000)
    expect(banner).to_contain_text("try again")
    expect(busy).to_be_hidden()
    registry.faults.clear()
    page.locator(".ndw-search-button").click()
    expect(banner).to_have_count(0, timeout=30_000)
    expect(page.locator(ROWS).first).to_be_visible()


def test_xnat_login_and_tree_on_a_hanging_then_slow_server(dashboard, faults):
    xnat = faults["xnat"]
    page = dashboard.open("xnat.ipynb")
    xnat.faults.set(hang=HANG)
    ended = xnat.stats["DELETE /data/JSESSION"]  # sessions ended so far
    page.locator(".ndw-xnat-anonymous input").check()
    page.locator(".ndw-xnat-login-button").click()
    busy = page.locator(".ndw-xnat-busy")
    expect(busy).to_contain_text("Logging in to", timeout=30_000)
    expect(page.locator(".ndw-xnat-login-button")).to_be_disabled()
    # the kernel's main thread is free: "Remember me" says where a password would go, meanwhile
    page.locator(".ndw-xnat-remember input").check()
    expect(page.locator(".ndw-xnat-remember-where")).to_contain_text("The password will be kept", timeout=30_000)
    expect(busy).to_be_visible()
    page.locator(".ndw-xnat-remember input").uncheck()
    page.locator(".ndw-xnat-cancel-button").click()
    expect(busy).to_be_hidden(timeout=10_000)  # usable at once
    expect(page.locator(".ndw-xnat-login-button")).to_be_enabled()
    expect(page.locator(".ndw-xnat-login .ndw-banner-info")).to_contain_text("Stopped waiting")
    # the server recovers: the cancelled login's answer comes late and must not log the form in
    xnat.faults.clear()
    _wait_until(lambda: xnat.stats["DELETE /data/JSESSION"] > ended, "the unwanted late session to be ended")
    page.locator(".ndw-xnat-remember input").check()  # one more round trip through the kernel
    expect(page.locator(".ndw-xnat-remember-where")).to_be_visible(timeout=30_000)
    page.locator(".ndw-xnat-remember input").uncheck()
    expect(page.locator(".ndw-xnat-who")).to_contain_text("Not logged in")
    expect(page.locator(".ndw-xnat-tree .ndw-dt-table tbody tr", has_text="DEMO_PUBLIC")).to_have_count(0)

    # a slow server: "Logging in…" shows before the answer, who is logged in after
    xnat.faults.set(latency=LATENCY)
    page.locator(".ndw-xnat-login-button").click()
    expect(busy).to_be_visible(timeout=30_000)
    expect(page.locator(".ndw-xnat-user-name")).to_have_text("guest", timeout=60_000)
    expect(busy).to_be_hidden()
    expect(page.locator(".ndw-xnat-login .ndw-banner-info")).to_have_count(0)  # the success replaced it
    # expanding a project: the tree table's busy bar says what it lists, then the subjects are rows
    tree = page.locator(".ndw-xnat-tree")
    project = tree.locator(".ndw-dt-table tbody tr", has_text="DEMO_PUBLIC").first
    project.locator(".ndw-dt-twist").click(timeout=60_000)
    expect(tree.locator(".ndw-dt-busy")).to_contain_text("Listing DEMO_PUBLIC", timeout=30_000)
    expect(tree.locator(".ndw-dt-table tbody tr", has_text="sub-001").first).to_be_visible(timeout=60_000)
    expect(tree.locator(".ndw-dt-busy")).to_be_hidden()
    xnat.faults.clear()

    # logging out of a hanging server: "Logging out…" while it is told, the page answers meanwhile
    xnat.faults.set(hang=HANG)
    page.locator(".ndw-xnat-logout-button").click()
    expect(busy).to_contain_text("Logging out", timeout=30_000)
    page.locator(".ndw-xnat-remember input").check()
    expect(page.locator(".ndw-xnat-remember-where")).to_be_visible(timeout=30_000)
    expect(busy).to_be_visible()
    xnat.faults.clear()  # the server recovers and answers the logout
    expect(page.locator(".ndw-xnat-who")).to_contain_text("Not logged in", timeout=30_000)
    expect(page.locator(".ndw-xnat-login .ndw-banner-info")).to_contain_text("Logged out")


def test_portal_shows_and_answers_while_every_server_hangs(dashboard, faults):
    for service in faults.services.values():
        service.faults.set(hang=HANG)
    page = dashboard.open("portal.ipynb")  # renders although no server answers
    search = page.locator(".ndw-search-results")
    expect(search.locator(".ndw-dt-busy")).to_contain_text("Searching the registry", timeout=30_000)
    # the kernel's main thread is free: a tab built on first opening (by a Python observer) appears meanwhile
    page.get_by_role("tab", name="Globus").click()
    expect(page.locator(".ndw-globus-browser")).to_be_visible(timeout=60_000)
    page.get_by_role("tab", name="XNAT").click()
    expect(page.locator(".ndw-xnat-browser")).to_be_visible(timeout=60_000)
    page.get_by_role("tab", name="Search").click()
    expect(search.locator(".ndw-dt-busy")).to_be_visible()  # still waiting, and saying so
    search.locator(".ndw-dt-cancel").click()
    expect(search.locator(".ndw-dt-busy")).to_be_hidden(timeout=10_000)
    # a failing registry: the error says what to do, and goes with the next success
    for service in faults.services.values():
        service.faults.clear()
    faults["registry"].faults.set(status=503)
    page.locator(".ndw-search-query input").fill("url:ndw-demo-raw")
    page.locator(".ndw-search-button").click()
    banner = page.locator(".ndw-search .ndw-banner-error")
    expect(banner).to_contain_text("unavailable", timeout=30_000)
    expect(banner).to_contain_text("Try again later")
    faults["registry"].faults.clear()
    page.locator(".ndw-search-button").click()
    expect(page.locator(ROWS)).to_have_count(1, timeout=30_000)
    expect(banner).to_have_count(0)
    expect(page.locator(".ndw-status-bar .ndw-status-error")).to_have_count(0)


def test_globus_page_shows_while_globus_hangs_then_lists_slowly(dashboard, faults):
    globus = faults["globus"]
    page = dashboard.open("globus.ipynb")
    _log_in(page)  # a stored login: the next page checks it with Globus
    globus.faults.set(hang=HANG)
    again = type(dashboard)(page.context.new_page(), dashboard.base_url)  # a second visit, in a new tab
    page = again.open("globus.ipynb")  # renders although Globus holds the check back
    expect(page.locator(".ndw-globus-busy")).to_contain_text("Checking your stored Globus login", timeout=30_000)
    globus.faults.set(hang=0, latency=LATENCY)  # Globus recovers, slowly
    expect(page.locator(".ndw-globus-username")).to_have_text("demo@globusid.org", timeout=60_000)
    source = page.locator(".ndw-globus-source")
    folder = source.locator(".ndw-dt-table tbody tr", has_text="ds001").first
    folder.dblclick(timeout=60_000)
    expect(source.locator(".ndw-dt-busy")).to_contain_text("listing /ds001/", timeout=30_000)
    expect(source.locator(".ndw-dt-table tbody tr", has_text="participants.tsv").first).to_be_visible(
        timeout=60_000)
    expect(source.locator(".ndw-dt-busy")).to_be_hidden()
    assert not again.console_errors, again.console_errors


def _log_in(page):
    """Log in to Globus with a pasted code, as a user does (unless an earlier test's login is stored)."""
    page.wait_for_selector(".ndw-globus-login, .ndw-globus-username", timeout=30_000)
    name = page.locator(".ndw-globus-username")
    if name.count() and name.is_visible():
        return
    page.locator(".ndw-globus-login").click()
    link = page.locator("a.ndw-globus-login-link")
    with page.context.expect_page() as popup_info:
        link.click(timeout=30_000)
    consent = popup_info.value
    consent.locator("#allow").click()
    code = consent.locator("#auth-code").inner_text(timeout=30_000)
    consent.close()
    page.locator(".ndw-globus-code input").fill(code)
    page.locator(".ndw-globus-submit-code").click()
    expect(page.locator(".ndw-globus-username")).to_have_text("demo@globusid.org", timeout=60_000)
