"""The sandbox XNAT's images through the real stack: pydicom reads them, dcm2niix converts them, and a scan's
preview costs one file."""
import io
import shutil
import subprocess

import nibabel as nib
import pydicom
import pytest
from PIL import Image

from neurodata_widgets.sandbox.xnat_server import XnatServer
from neurodata_widgets.xnat.client import Node, XnatClient
from neurodata_widgets.xnat.download import download
from neurodata_widgets.xnat.preview import scan_preview


@pytest.fixture(scope="module")
def imaging():
    """A small site with realistic series (48 x 48 x 12) and XNAT's snapshots."""
    server = XnatServer(projects=[("IMG", "public")], subjects=1, sessions=2, scans=3, files=12, file_size=4608,
                        snapshots=True).start()
    yield server
    server.stop()


@pytest.fixture
def guest(imaging):
    c = XnatClient(imaging.url)
    c.login(anonymous=True)
    yield c
    c.logout()


def test_pydicom_reads_every_served_instance_and_the_series_is_consistent(imaging, guest):
    exp = next(iter(imaging.experiments.values()))
    files = guest.files(exp.id)
    dicom = files[files["resource"] == "DICOM"]
    assert len(dicom) == 3 * 12
    series = {}
    for row in dicom.itertuples():
        response = guest.http.get(guest.file_url(row.uri))
        assert int(response.headers["Content-Length"]) == row.size == len(response.content)
        ds = pydicom.dcmread(io.BytesIO(response.content))  # raises on anything but a DICOM file
        assert ds.Modality == "MR" and ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.4"
        assert ds.pixel_array.shape == (48, 48) and ds.pixel_array.max() > 0
        assert ds.SeriesDescription.strip() == exp.scans[row.scan].series_description
        series.setdefault(row.scan, []).append(ds)
    assert len({ds.StudyInstanceUID for group in series.values() for ds in group}) == 1  # one session, one study
    for scan, group in series.items():
        assert len({ds.SeriesInstanceUID for ds in group}) == 1
        assert len({ds.SOPInstanceUID for ds in group}) == 12
        assert sorted(int(ds.InstanceNumber) for ds in group) == list(range(1, 13))
        z = sorted(float(ds.ImagePositionPatient[2]) for ds in group)
        assert len(set(z)) == 12 and z == sorted(z)
    uids = {ds.SeriesInstanceUID for group in series.values() for ds in group}
    assert len(uids) == 3  # every scan its own series


def test_dcm2niix_converts_a_downloaded_scan_to_a_volume(imaging, guest, tmp_path):
    exp = next(iter(imaging.experiments.values()))
    node = Node("scan", exp.project, exp.subject.label, exp.id, exp.label, "1")
    manifest = guest.manifest([node])
    download(guest, manifest, tmp_path / "dl")
    dicom_dir = next(p.parent for p in (tmp_path / "dl").rglob("*.dcm"))
    out = tmp_path / "nii"
    out.mkdir()
    proc = subprocess.run([shutil.which("dcm2niix") or "dcm2niix", "-z", "y", "-f", "%d", "-o", str(out),
                           str(dicom_dir)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (nifti,) = out.glob("*.nii.gz")
    image = nib.load(nifti)
    assert image.shape == (48, 48, 12)
    assert image.header.get_zooms() == pytest.approx((4.0, 4.0, 160 / 12), rel=1e-3)
    data = image.get_fdata()
    assert data.max() > 0 and data[24, 24, 6] != data[0, 0, 6]  # a head in the middle, air in the corner
    assert nifti.name.startswith("MPRAGE")  # the series description named the file


def test_snapshots_resource_as_xnat_names_it(imaging, guest):
    exp = next(iter(imaging.experiments.values()))
    resources = guest.resources(exp.id, "2")
    assert set(resources["label"]) == {"DICOM", "SNAPSHOTS"}
    assert resources.set_index("label").loc["SNAPSHOTS", "format"] == "GIF"
    files = guest.files(exp.id, "2", "SNAPSHOTS")
    assert dict(zip(files["name"], files["content"])) == {f"{exp.id}_2_qc.gif": "ORIGINAL",
                                                          f"{exp.id}_2_qc_t.gif": "THUMBNAIL"}
    sizes = {}
    for row in files.itertuples():
        response = guest.http.get(guest.file_url(row.uri))
        assert response.headers["Content-Type"] == "image/gif" and len(response.content) == row.size
        with Image.open(io.BytesIO(response.content)) as image:
            sizes[row.content] = image.size
    assert sizes["THUMBNAIL"][0] * 2 == sizes["ORIGINAL"][0]


def test_scan_preview_fetches_the_snapshot_only(imaging, guest):
    exp = next(iter(imaging.experiments.values()))
    imaging.requests.clear()
    preview = scan_preview(guest, exp.id, "1", exp.label)
    fetched = [path for method, path, _ in imaging.requests if "/files/" in path]
    assert preview.source == "snapshot" and preview.mime == "image/gif"
    assert fetched == [f"/data/experiments/{exp.id}/scans/1/resources/{exp.scans['1'].resources['SNAPSHOTS'].id}"
                       f"/files/{exp.id}_1_qc.gif"]
    assert 'alt="Snapshot of scan 1 of ' in preview.html and preview.html.count("data:image/gif;base64,") == 1


def test_scan_preview_without_snapshot_renders_one_instance(tmp_path):
    server = XnatServer(projects=[("RAW", "public")], subjects=1, sessions=1, scans=1, files=9).start()
    try:
        c = XnatClient(server.url)
        c.login(anonymous=True)
        exp = next(iter(server.experiments.values()))
        server.requests.clear()
        preview = scan_preview(c, exp.id, "1")
        fetched = [path for _, path, _ in server.requests if "/files/" in path]
        assert preview.source == "dicom" and preview.png[:4] == b"\x89PNG"
        assert len(fetched) == 1 and fetched[0].endswith("_0005.dcm")  # the middle one of nine, nothing else
        assert preview.nbytes == exp.scans["1"].resources["DICOM"].files[4].size
        with Image.open(io.BytesIO(preview.png)) as image:
            assert image.size[0] >= 128 and image.getextrema()[1] > 200
        assert "Middle slice of scan 1" in preview.alt
    finally:
        server.stop()


def test_browser_scan_detail_shows_the_preview_fetched_once(imaging, guest):
    from neurodata_widgets.xnat.widgets import XnatBrowser

    exp = next(iter(imaging.experiments.values()))
    browser = XnatBrowser(guest)
    scan = browser.expand_path("IMG", exp.subject.label, exp.label, "2")
    browser.wait_loading()
    imaging.requests.clear()
    assert browser.preview(scan).source == "snapshot"
    browser.show_details(scan)
    html = browser._detail(scan.key, None)
    assert '<div class="ndw-xnat-preview"' in html and 'alt="Snapshot of scan 2 of ' in html
    browser.preview(scan)  # cached: no second fetch
    assert len([p for _, p, _ in imaging.requests if p.endswith("_qc.gif")]) == 1
