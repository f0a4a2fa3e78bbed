"""Previews in the dashboards (Voila + Chromium): a scan's snapshot in the XNAT tree, a NIfTI's three planes in the
explorer and its interactive viewer. Reference images: `make update-references` (after looking at test-artifacts)."""
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _expand(page, text):
    row = page.locator(".ndw-xnat-tree .ndw-dt-table tbody tr", has_text=text).first
    row.wait_for(timeout=30_000)
    row.locator(".ndw-dt-twist").click()
    expect(row.locator(".ndw-dt-twist")).to_have_attribute("aria-expanded", "true", timeout=30_000)


def test_xnat_scan_preview_reference_image(dashboard, sandbox, reference_image, xnat_login_forgotten):
    page = dashboard.open("xnat.ipynb")
    page.locator(".ndw-xnat-anonymous input").check()
    page.locator(".ndw-xnat-login-button").click()
    page.locator(".ndw-xnat-user-name", has_text="guest").wait_for(timeout=30_000)
    _expand(page, "DEMO_PUBLIC")
    _expand(page, "sub-001")
    _expand(page, "sub-001_MR1")
    scan = page.locator(".ndw-xnat-tree .ndw-dt-table tbody tr", has_text="MPRAGE").first
    scan.locator("td", has_text="T1w").first.click()  # the active row shows its details and its preview
    image = page.locator(".ndw-xnat-tree .ndw-dt-detail .ndw-xnat-preview img")
    image.wait_for(timeout=60_000)
    assert image.get_attribute("alt").startswith("Snapshot of scan 1 of sub-001_MR1")
    assert image.get_attribute("src").startswith("data:image/gif;base64,")
    page.wait_for_function("(img) => img.complete && img.naturalWidth >= 128", arg=image.element_handle())
    # settled: no loading bar above the rows (it would go once the picture is taken, moving them)
    expect(page.locator(".ndw-xnat-tree .ndw-dt")).to_have_attribute("aria-busy", "false", timeout=30_000)
    reference_image(page, "xnat-scan-preview", centre=image)


def test_explorer_nifti_preview_and_viewer_reference_image(dashboard, demo, tick_row, reference_image):
    page = dashboard.open("explorer.ipynb", query="dataset=" + quote(demo["superdataset"]))
    explorer = page.locator(".ndw-explorer")
    for folder in ("raw", "sub-01", "anat"):
        tick_row(explorer, folder)
        explorer.locator(".ndw-explorer-open").click()
        expect(explorer.locator(".ndw-crumbs").first).to_contain_text(folder, timeout=30_000)
    tick_row(explorer, "sub-01_T1w.nii.gz")
    image = explorer.locator(".ndw-explorer-preview img")
    image.wait_for(timeout=60_000)
    assert image.get_attribute("alt") == ("Sagittal, coronal and axial middle slices of sub-01_T1w.nii.gz "
                                          "(40 x 48 x 40 voxels)")
    page.wait_for_function("(img) => img.complete && img.naturalHeight === 160", arg=image.element_handle())
    reference_image(page, "explorer-nifti-preview", centre=image)

    viewer = explorer.locator(".ndw-explorer-viewer")
    expect(viewer).to_be_enabled(timeout=30_000)
    viewer.click()
    canvas = explorer.locator(".ndw-explorer-viewer-area canvas")
    canvas.wait_for(timeout=60_000)  # NiiVue's canvas: its JavaScript came with the wheel, not from a CDN
    box = canvas.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    explorer.locator(".ndw-explorer-viewer-close").click()
    expect(canvas).to_have_count(0, timeout=30_000)
