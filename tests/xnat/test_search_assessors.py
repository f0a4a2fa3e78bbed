"""XNAT search and assessors through our client, the browser widget, downloads and DataLad tracking."""
import json
from pathlib import Path

import pytest

from neurodata_widgets import errors
from neurodata_widgets.xnat.client import Node, XnatClient

SHAPES = json.loads((Path(__file__).parent / "fixtures" / "search_shapes.json").read_text())


@pytest.fixture(scope="module")
def derived():
    """A server whose sessions have FreeSurfer and QC assessors."""
    from neurodata_widgets.sandbox.xnat_server import XnatServer

    server = XnatServer(seed=11, subjects=3, sessions=2, scans=2, files=1, assessors=True).start()
    yield server
    server.stop()


@pytest.fixture
def dclient(derived):
    c = XnatClient(derived.url, timeout=(2.0, 5.0))
    c.login("demo", derived.info()["password"])
    yield c
    c.logout()


def _with_both(server, project="DEMO_PUBLIC"):
    return next(e for e in server.experiments.values() if e.project == project and len(e.assessors) == 2)


def test_search_sessions_across_projects(dclient, derived):
    every = dclient.search_sessions()
    assert sorted(every["id"]) == sorted(derived.experiments)
    assert list(every.columns) == ["id", "label", "project", "subject_id", "subject_label", "date", "modality",
                                   "xsi_type"]
    mine = dclient.search_sessions(project="DEMO_PRO*", subject="sub-002")
    assert sorted(mine["id"]) == sorted(e.id for e in derived.experiments.values()
                                        if e.project == "DEMO_PROTECTED" and e.subject.label == "sub-002")
    # both ends of the date range included
    day = sorted(e.date for e in derived.experiments.values())[3]
    dated = dclient.search_sessions(date_from=day, date_to=day)
    assert len(dated) and set(dated["date"]) == {day}
    assert dclient.search_sessions(modality="PET").empty
    assert len(dclient.search_sessions(modality="mr")) == len(derived.experiments)
    # a guest finds only what a guest may read
    guest = XnatClient(derived.url)
    guest.login(anonymous=True)
    assert set(guest.search_sessions()["project"]) == {"DEMO_PUBLIC"}
    # the request is XNAT's search document
    method, path, query = derived.requests[-1]
    assert (method, path, query.get("format")) == ("POST", "/data/search", "json")


def test_bad_dates_read_well(dclient):
    with pytest.raises(errors.UserError, match="is not a date"):
        dclient.search_sessions(date_from="March")
    with pytest.raises(errors.UserError, match="wrong way round"):
        dclient.search_sessions(date_from="2024-05-01", date_to="2024-01-01")


def test_real_search_shapes_are_read():
    from neurodata_widgets.xnat.search import sessions_frame

    frame = sessions_frame(SHAPES["search_rows"])
    by_id = frame.set_index("id")
    assert by_id.loc["CENTRAL_E01234", "subject_label"] == "OAS1_0001"
    assert by_id.loc["CENTRAL_E01235", "subject_label"] == "OAS1_0002"  # the unprefixed name
    assert by_id.loc["NITRC_IR_E09876", "modality"] == "PET"  # upper-case keys
    assert by_id.loc["XNAT_E00077", "label"] == "<img src=x onerror=alert(1)>"  # expt_id names the session
    assert by_id.loc["CENTRAL_E01235", "date"] == ""


class _Recorded(XnatClient):
    """Our client answering from recorded rows (the widget's code path, no server)."""

    def __init__(self):
        super().__init__("https://xnat.example.org")
        self._http = object()  # "connected"
        self.user = "someone"

    @property
    def connected(self):
        return True

    def search_sessions(self, **criteria):
        from neurodata_widgets.xnat.search import sessions_frame

        return sessions_frame(SHAPES["search_rows"])

    def result_set(self, path, **params):
        import pandas as pd

        assert path.endswith("/assessors")
        return pd.DataFrame(SHAPES["assessor_rows"])

    def scans(self, experiment):
        return self._frame(__import__("pandas").DataFrame(), {"ID": "id", "type": "type", "quality": "quality",
                                                             "series_description": "series_description"})

    def resources(self, experiment, scan=None, assessor=None):
        return self._frame(__import__("pandas").DataFrame(), {"xnat_abstractresource_id": "id", "label": "label",
                                                             "format": "format", "file_count": "file_count",
                                                             "file_size": "file_size"})


def test_real_shapes_in_the_browser():
    from neurodata_widgets.xnat.widgets import XnatBrowser

    browser = XnatBrowser(_Recorded())
    browser.search(project="OASIS3")
    rows = browser.table.data
    assert {"OASIS3", "ibc", "P&Q"} <= set(rows["name"])
    assert "<img src=x onerror=alert(1)>" in set(rows["name"])
    assert "4 sessions found" in browser.banner.value or "4 sessions found" in browser.activity
    session = next(n for n in browser.nodes.values() if n.experiment == "CENTRAL_E01234")
    browser.toggle(session)
    kinds = {n.info.get("label"): n for n in browser.children_of[session.key] if n.level == "assessor"}
    assert set(kinds) == {r["label"] for r in SHAPES["assessor_rows"]}
    text = browser.table.data.set_index("name")["details"]
    assert text["OAS1_0001_MR1_freesurfer_2014"] == "FreeSurfer · 2006-03-08"
    assert text["OAS1_0001_MR1_QC"] == "manual QC"
    assert "3 assessors" in text["OAS1_0001_MR1"]


def test_assessors_in_the_client_and_manifest(dclient, derived):
    exp = _with_both(derived)
    listed = dclient.assessors(exp.id)
    assert sorted(listed["id"]) == sorted(exp.assessors)
    assert set(listed["kind"]) == {"FreeSurfer", "QC"}
    manifest = dclient.manifest([Node("experiment", exp.project, exp.subject.label, exp.id, exp.label)])
    derived_rows = manifest[manifest["assessor"] != ""]
    assert sorted(derived_rows["name"]) == sorted(f.name for a in exp.assessors.values()
                                                  for r in a.resources.values() for f in r.files)
    assert set(derived_rows["assessor"]) == {a.label for a in exp.assessors.values()}
    fs = next(a for a in exp.assessors.values() if a.xsi_type == "fs:fsData")
    one = dclient.manifest([Node("assessor", exp.project, exp.subject.label, exp.id, exp.label, assessor=fs.id,
                                 info={"label": fs.label})])
    assert set(one["assessor"]) == {fs.label} and len(one) == 3
    assert all("/assessors/" in u for u in one["uri"])


def test_assessors_in_the_browser_download_and_track(dclient, derived, tmp_path):
    from neurodata_widgets.xnat.download import download
    from neurodata_widgets.xnat.track import track
    from neurodata_widgets.xnat.widgets import XnatBrowser

    exp = _with_both(derived)
    browser = XnatBrowser(dclient)
    found = browser.search(project="DEMO_PUBLIC", subject=exp.subject.label)
    assert sorted(found["id"]) == sorted(e.id for e in exp.subject.experiments)
    assert set(browser.table.data["kind"]) == {"project", "subject", "session"}
    session = browser.nodes[f"DEMO_PUBLIC/{exp.subject.label}/{exp.id}"]
    browser.toggle(session)
    fs = next(n for n in browser.children_of[session.key] if n.level == "assessor" and n.info["kind"] == "FreeSurfer")
    browser.toggle(fs)
    resource = browser.children_of[fs.key][0]
    assert browser.table.data.loc[resource.key, "kind"] == "assessor resource"
    browser.select(fs)
    manifest = browser.to_dataframe()
    assert len(manifest) == 3 and set(manifest["assessor"]) == {fs.info["label"]}
    report = download(dclient, manifest, tmp_path / "dl")
    assert set(report["status"]) == {"downloaded"}
    stats = tmp_path / "dl" / exp.subject.label / exp.label / fs.info["label"] / "stats" / "aseg.stats"
    assert stats.read_bytes().startswith(b"# Title Segmentation Statistics")
    tracked = track(dclient, manifest, tmp_path / "ds")
    assert set(tracked["status"]) == {"ok"}
    assert f"{exp.subject.label}/{exp.label}/{fs.info['label']}/stats/aseg.stats" in set(tracked["path"])
    # "All projects" leaves the search
    browser.search_clear.click()
    assert set(browser.table.data["kind"]) == {"project"} and len(browser.roots) == len(derived.projects)


def test_listing_paging_types_and_wildcards(dclient, derived):
    page = dclient.result_set("/data/experiments", limit="3", offset="2")
    every = dclient.result_set("/data/experiments")
    assert list(page["ID"]) == list(every["ID"])[2:5]
    fs = dclient.result_set("/data/experiments", xsiType="fs:fsData")
    assert set(fs["xsiType"]) == {"fs:fsData"}
    assert len(every) == len(derived.experiments)  # sessions only: derived data is not a subject assessor
    some = dclient.result_set("/data/experiments", project="DEMO_PU*", label="*_MR2")
    assert sorted(some["ID"]) == sorted(e.id for e in derived.experiments.values()
                                        if e.project == "DEMO_PUBLIC" and e.label.endswith("_MR2"))


def test_the_search_button_works_in_the_background(dclient, derived):
    from neurodata_widgets.xnat.widgets import XnatBrowser

    browser = XnatBrowser(dclient)
    browser.search_project.value = "DEMO_PUBLIC"
    browser.search_modality.value = "MR"
    browser.search_button.click()
    browser.wait_background(30)
    public = [e for e in derived.experiments.values() if e.project == "DEMO_PUBLIC"]
    sessions = browser.table.data[browser.table.data["kind"] == "session"]
    assert sorted(sessions["name"]) == sorted(e.label for e in public)
    assert f"{len(public)} sessions found" in browser.activity
    browser.search_from.value = "someday"
    browser.search_button.click()
    browser.wait_background(30)
    assert "is not a date" in browser.error and len(browser.roots) == 1  # the tree stays as it was


def _post_search(server, xml, fmt="json"):
    import requests

    info = server.info()
    return requests.post(server.url + "/data/search", params={"format": fmt}, data=xml,
                         auth=(info["user"], info["password"]), timeout=10)


def test_standin_search_shapes(derived):
    xdat = 'xmlns:xdat="http://nrg.wustl.edu/security"'
    scans = (f'<xdat:bundle {xdat}><xdat:root_element_name>xnat:mrScanData</xdat:root_element_name>'
             '<xdat:search_field><xdat:element_name>xnat:mrScanData</xdat:element_name><xdat:field_ID>TYPE'
             '</xdat:field_ID><xdat:sequence>0</xdat:sequence></xdat:search_field>'
             '<xdat:search_field><xdat:element_name>xnat:mrSessionData</xdat:element_name><xdat:field_ID>LABEL'
             '</xdat:field_ID><xdat:sequence>1</xdat:sequence></xdat:search_field>'
             '<xdat:search_where method="AND"><xdat:criteria><xdat:schema_field>xnat:mrScanData/TYPE</xdat:schema_field>'
             '<xdat:comparison_type>=</xdat:comparison_type><xdat:value>t1w</xdat:value></xdat:criteria>'
             '</xdat:search_where></xdat:bundle>')
    answer = _post_search(derived, scans).json()["ResultSet"]
    # one row per scan; a foreign field's column carries its element; names lower-case
    assert [c["key"] for c in answer["Columns"]] == ["type", "xnat_mrsessiondata_label"]
    t1 = [(e.label, s.type) for e in derived.experiments.values() for s in e.scans.values() if s.type == "T1w"]
    assert sorted((r["xnat_mrsessiondata_label"], r["type"]) for r in answer["Result"]) == sorted(t1)
    assert answer["totalRecords"] == str(len(t1))
    csv_text = _post_search(derived, scans, "csv").text
    assert csv_text.splitlines()[0] == '"type","xnat_mrsessiondata_label"'
    # assessors are searchable by their own types
    fs = (f'<xdat:bundle {xdat}><xdat:root_element_name>fs:fsData</xdat:root_element_name>'
          '<xdat:search_where method="AND"/></xdat:bundle>')
    rows = _post_search(derived, fs).json()["ResultSet"]["Result"]
    assert sorted(r["expt_id"] for r in rows) == sorted(a.id for e in derived.experiments.values()
                                                        for a in e.assessors.values() if a.xsi_type == "fs:fsData")
    # a broken document: XNAT's status page (HTML, not well-formed XML), 400
    bad = _post_search(derived, "<xdat:bundle")
    assert bad.status_code == 400 and bad.text.startswith("<html>") and "<h3>" in bad.text and "<br>" in bad.text
