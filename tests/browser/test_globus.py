"""The Globus dashboard in Voila + Chromium: log in by pasted code, browse, transfer, see it complete."""
import pytest

pytestmark = pytest.mark.browser


def test_login_browse_transfer(dashboard, sandbox):
    page = dashboard.open("globus.ipynb")
    page.locator(".ndw-globus-login").click()
    link = page.locator("a.ndw-globus-login-link")
    link.wait_for(timeout=30_000)
    with page.context.expect_page() as popup_info:
        link.click()
    consent = popup_info.value
    consent.wait_for_load_state()
    assert "consent" in consent.title().lower()
    consent.locator("#allow").click()
    code = consent.locator("#auth-code").inner_text(timeout=30_000)
    consent.close()
    page.locator(".ndw-globus-code input").fill(code)
    page.locator(".ndw-globus-submit-code").click()
    assert page.locator(".ndw-globus-username").inner_text(timeout=30_000) == "demo@globusid.org"
    assert page.locator(".ndw-globus-code input").input_value() == ""

    source = page.locator(".ndw-globus-source .ndw-globus-listing select")
    source.locator("option", has_text="ds001").wait_for(timeout=30_000)
    source.select_option(label="ds001/")
    page.locator(".ndw-globus-source button", has_text="Open").click()
    source.locator("option", has_text="participants.tsv").wait_for(timeout=30_000)
    source.select_option(label="sub-02/")
    page.locator(".ndw-globus-label input").fill("browser test")
    page.locator(".ndw-globus-transfer").click()
    status = page.locator(".ndw-globus-task-status").first
    status.filter(has_text="SUCCEEDED").wait_for(timeout=60_000)
    assert page.locator(".ndw-globus-task a.ndw-globus-task-link").first.get_attribute("href").startswith(
        "http://127.0.0.1:")
    destination = page.locator(".ndw-globus-destination .ndw-globus-listing select")
    destination.locator("option", has_text="sub-02").wait_for(timeout=30_000)
    copied = sandbox["globus"].collection_dir(sandbox.info()["globus"]["destination_collection"])
    assert (copied / "sub-02" / "anat" / "sub-02_T1w.nii.gz").stat().st_size > 1_000_000


def test_login_by_automatic_callback_then_logout(dashboard):
    page = dashboard.open("globus.ipynb")
    logout = page.locator(".ndw-globus-logout")
    if logout.is_visible():  # the session's earlier login is stored: start from logged out
        logout.click()
        page.get_by_text("Not logged in").wait_for(timeout=30_000)
    page.get_by_role("button", name="Automatic").click()
    page.locator(".ndw-globus-login").click()
    link = page.locator("a.ndw-globus-login-link")
    link.wait_for(timeout=30_000)
    assert not page.locator(".ndw-globus-code input").is_visible()
    with page.context.expect_page() as popup_info:
        link.click()
    consent = popup_info.value
    consent.locator("#allow").click()
    consent.get_by_text("Logged in to Globus").wait_for(timeout=30_000)  # the kernel's loopback receiver
    consent.close()
    assert page.locator(".ndw-globus-username").inner_text(timeout=30_000) == "demo@globusid.org"
    page.locator(".ndw-globus-logout").click()
    page.get_by_text("Not logged in").wait_for(timeout=30_000)
