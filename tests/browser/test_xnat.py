"""The XNAT dashboard in Voila + Chromium: log in, expand to a scan, download it, see it on disk."""
import pytest

pytestmark = pytest.mark.browser


def test_xnat_login_expand_download(dashboard, sandbox, tmp_path):
    info = sandbox.info()["xnat"]
    page = dashboard.open("xnat.ipynb")
    page.locator(".ndw-xnat-user input").fill(info["user"])
    page.locator(".ndw-xnat-password input").fill(info["password"])
    page.locator(".ndw-xnat-login-button").click()
    page.locator(".ndw-xnat-user-name").wait_for(timeout=30_000)
    assert page.locator(".ndw-xnat-user-name").inner_text() == info["user"]
    assert page.locator(".ndw-xnat-password input").input_value() == ""

    def expand(level, text):
        row = page.locator(f".ndw-xnat-{level}", has_text=text).first
        row.wait_for(timeout=30_000)
        row.locator(".ndw-xnat-expand").click()
        return row

    expand("project", "DEMO_PRIVATE")
    expand("subject", "sub-002")
    expand("experiment", "sub-002_MR1")
    scan = page.locator(".ndw-xnat-scan", has_text="T1w").first
    scan.wait_for(timeout=30_000)
    assert "(2 sessions)" in page.locator(".ndw-xnat-subject", has_text="sub-002").first.inner_text()
    scan.locator(".ndw-xnat-check input").check()
    page.locator(".ndw-xnat-selection", has_text="1 selected").wait_for(timeout=10_000)
    target = tmp_path / "downloads"
    page.locator(".ndw-xnat-folder input").fill(str(target))
    page.locator(".ndw-xnat-folder input").press("Enter")
    page.locator(".ndw-xnat-download").click()
    page.get_by_text("Download: done").wait_for(timeout=60_000)
    files = sorted(p.name for p in target.rglob("*") if p.is_file())
    assert files == ["sub-002_MR1_1_0001.dcm", "sub-002_MR1_1_0002.dcm"]
    assert (target / "sub-002" / "sub-002_MR1" / "1" / files[0]).read_bytes()[128:132] == b"DICM"


def test_xnat_server_gone_then_back(dashboard, faults):
    page = dashboard.open("xnat.ipynb")
    page.locator(".ndw-xnat-anonymous input").check()
    page.locator(".ndw-xnat-login-button").click()
    page.locator(".ndw-xnat-user-name", has_text="guest").wait_for(timeout=30_000)
    faults["xnat"].stop()
    page.locator(".ndw-xnat-project", has_text="DEMO_PUBLIC").locator(".ndw-xnat-expand").click()
    banner = page.locator(".ndw-xnat-browser .ndw-banner-error")
    banner.wait_for(timeout=30_000)
    assert "Could not reach the server" in banner.inner_text()
    faults["xnat"].start()
    page.locator(".ndw-xnat-project", has_text="DEMO_PUBLIC").locator(".ndw-xnat-expand").click()
    page.locator(".ndw-xnat-subject", has_text="sub-001").wait_for(timeout=30_000)
    assert page.locator(".ndw-xnat-browser .ndw-banner-error").count() == 0
