"""The sandbox XNAT answers xnatpy and plain requests as XNAT 1.8 does."""
import requests
import xnat


def test_xnatpy_connects_with_user_and_password(server):
    info = server.info()
    session = xnat.connect(info["url"], user=info["user"], password=info["password"], no_parse_model=True)
    try:
        assert session.logged_in_user == "demo"
        assert session.xnat_version.startswith("1.8")
        assert session.get_json("/xapi/siteConfig/buildInfo")["version"].startswith("1.8")
        projects = session.get_json("/data/projects")["ResultSet"]["Result"]
        assert {p["ID"] for p in projects} == {"DEMO_PUBLIC", "DEMO_PROTECTED", "DEMO_PRIVATE"}
        assert server.stats["PUT /data/services/auth"] >= 1
    finally:
        session.disconnect()
    assert server.stats["DELETE /data/JSESSION"] >= 1


def test_xnatpy_guest_and_wrong_password(server):
    guest = xnat.connect(server.url, no_parse_model=True)
    try:
        assert guest.logged_in_user == "guest"
        ids = [p["ID"] for p in guest.get_json("/data/projects")["ResultSet"]["Result"]]
        assert "DEMO_PRIVATE" not in ids and "DEMO_PUBLIC" in ids
    finally:
        guest.disconnect()
    try:
        xnat.connect(server.url, user="demo", password="wrong", no_parse_model=True)
    except xnat.exceptions.XNATLoginFailedError as exc:
        assert "Login attempt failed" in str(exc)
    else:
        raise AssertionError("wrong password accepted")


def _get(server, path, auth=None, **params):
    return requests.get(server.url + path, params={"format": "json", **params}, auth=auth, timeout=5)


def test_every_listing_answers_a_result_set(server):
    auth = ("demo", server.info()["password"])
    subjects = _get(server, "/data/projects/DEMO_PRIVATE/subjects", auth).json()["ResultSet"]
    assert subjects["totalRecords"] == "3" and subjects["Result"][0]["label"] == "sub-001"
    exps = _get(server, "/data/projects/DEMO_PRIVATE/subjects/sub-001/experiments", auth).json()["ResultSet"]["Result"]
    assert len(exps) == 2
    eid = exps[0]["ID"]
    same = _get(server, "/data/experiments", auth, project="DEMO_PRIVATE", subject_ID=subjects["Result"][0]["ID"])
    assert [r["ID"] for r in same.json()["ResultSet"]["Result"]] == [e["ID"] for e in exps]
    item = _get(server, f"/data/experiments/{eid}", auth).json()["items"][0]
    assert item["data_fields"]["label"] == exps[0]["label"]
    scans = _get(server, f"/data/experiments/{eid}/scans", auth).json()["ResultSet"]["Result"]
    assert {"ID", "type", "quality", "series_description"} <= set(scans[0])
    res = _get(server, f"/data/experiments/{eid}/scans/1/resources", auth).json()["ResultSet"]["Result"]
    assert res[0]["label"] == "DICOM" and res[0]["file_count"] == "2"
    files = _get(server, f"/data/experiments/{eid}/scans/1/resources/DICOM/files", auth).json()["ResultSet"]["Result"]
    every = _get(server, f"/data/experiments/{eid}/scans/ALL/files", auth).json()["ResultSet"]["Result"]
    assert len(files) == 2 and len(every) == 6
    assert {"Name", "Size", "URI", "digest", "collection", "file_format", "file_content"} <= set(every[0])
    body = requests.get(server.url + files[0]["URI"], auth=auth, timeout=5)
    assert body.headers["Content-Length"] == files[0]["Size"] and body.content[128:132] == b"DICM"
    part = requests.get(server.url + files[0]["URI"], auth=auth, headers={"Range": "bytes=100-"}, timeout=5)
    assert part.status_code == 206 and part.content == body.content[100:]


def test_columns_are_honoured(server):
    rows = _get(server, "/data/projects", columns="ID,name").json()["ResultSet"]["Result"]
    assert set(rows[0]) == {"ID", "name", "URI"}  # XNAT always adds the URI
    assert "accessibility" not in _get(server, "/data/projects").json()["ResultSet"]["Result"][0]


def test_formats_are_honoured(server):
    import csv
    import io
    import xml.etree.ElementTree as ET

    rows = _get(server, "/data/projects", format="csv").text
    parsed = list(csv.DictReader(io.StringIO(rows)))
    assert [r["ID"] for r in parsed] == ["DEMO_PUBLIC", "DEMO_PROTECTED"]
    xml = ET.fromstring(_get(server, "/data/projects", format="xml").content)
    assert xml.get("totalRecords") == "2" and len(xml.findall(".//{http://nrg.wustl.edu/xe}row")) == 2
    page = _get(server, "/data/projects", format="html")
    assert page.headers["Content-Type"].startswith("text/html") and "<td>DEMO_PUBLIC</td>" in page.text


def test_experiment_listings_name_the_subject_when_narrowed(server):
    auth = ("demo", server.info()["password"])
    everything = _get(server, "/data/experiments", auth).json()["ResultSet"]["Result"]
    assert "subject_ID" not in everything[0]
    subject = server.projects["DEMO_PRIVATE"].subjects[1]
    narrowed = _get(server, "/data/experiments", auth, project="DEMO_PRIVATE", subject_ID=subject.id)
    rows = narrowed.json()["ResultSet"]["Result"]
    assert {r["subject_ID"] for r in rows} == {subject.id} and {r["subject_label"] for r in rows} == {subject.label}


def test_objects_and_version_routes(server):
    auth = ("demo", server.info()["password"])
    subject = server.projects["DEMO_PRIVATE"].subjects[0]
    assert _get(server, "/data/projects/DEMO_PRIVATE", auth).json()["items"][0]["data_fields"]["ID"] == "DEMO_PRIVATE"
    for path in (f"/data/subjects/{subject.id}", f"/data/projects/DEMO_PRIVATE/subjects/{subject.label}"):
        assert _get(server, path, auth).json()["items"][0]["data_fields"]["label"] == subject.label
    exp = subject.experiments[0]
    scan = _get(server, f"/data/experiments/{exp.id}/scans/2", auth).json()["items"][0]
    assert scan["meta"]["xsi:type"] == "xnat:mrScanData" and scan["data_fields"]["type"] == exp.scans["2"].type
    assert requests.get(server.url + "/data/version", timeout=5).status_code == 404
    assert requests.get(server.url + "/xapi/schemas", timeout=5).json() == ["catalog", "xnat"]
    schema = requests.get(server.url + "/xapi/schemas/xnat", timeout=5)
    assert schema.ok and 'name="mrSessionData"' in schema.text


def test_files_have_numeric_resources_and_catalog_paths(server):
    auth = ("demo", server.info()["password"])
    exp = next(e for e in server.experiments.values() if e.project == "DEMO_PRIVATE")
    server.add_file(exp.id, "2", "runA/0001.dcm", b"a" * 200)
    server.add_file(exp.id, None, "report.pdf", b"%PDF" + b"r" * 100, resource="QC")
    dicom = exp.scans["2"].resources["DICOM"]
    listing = _get(server, f"/data/experiments/{exp.id}/scans/2/resources/DICOM/files", auth).json()["ResultSet"]
    assert [c["key"] for c in listing["Columns"]][:3] == ["Name", "Size", "URI"]
    row = next(r for r in listing["Result"] if r["URI"].endswith("runA/0001.dcm"))
    assert row["Name"] == "0001.dcm" and row["cat_ID"] == str(dicom.id)
    assert row["URI"] == f"/data/experiments/{exp.id}/scans/2/resources/{dicom.id}/files/runA/0001.dcm"
    assert requests.get(server.url + row["URI"], auth=auth, timeout=5).content == b"a" * 200
    resources = _get(server, f"/data/experiments/{exp.id}/scans/2/resources", auth).json()["ResultSet"]["Result"]
    assert resources[0]["xnat_abstractresource_id"] == str(dicom.id) and "URI" not in resources[0]
    own = _get(server, f"/data/experiments/{exp.id}/resources", auth).json()["ResultSet"]["Result"]
    assert [r["label"] for r in own] == ["QC"]
    qc = _get(server, f"/data/experiments/{exp.id}/resources/QC/files", auth).json()["ResultSet"]["Result"]
    assert qc[0]["URI"] == f"/data/experiments/{exp.id}/resources/{own[0]['xnat_abstractresource_id']}/files/report.pdf"


def test_a_forgotten_session_becomes_a_guest_session(server):
    with requests.Session() as http:
        http.post(server.url + "/data/JSESSION", auth=("demo", server.info()["password"]), timeout=5)
        old = http.cookies["JSESSIONID"]
        assert "DEMO_PRIVATE" in [p["ID"] for p in _session_get(http, server, "/data/projects")]
        server.expire()
        answer = http.get(server.url + "/data/projects", params={"format": "json"}, timeout=5)
        assert answer.status_code == 200 and answer.cookies["JSESSIONID"] != old
        assert "DEMO_PRIVATE" not in [p["ID"] for p in answer.json()["ResultSet"]["Result"]]


def _session_get(http, server, path):
    return http.get(server.url + path, params={"format": "json"}, timeout=5).json()["ResultSet"]["Result"]


def test_zip_of_a_scan_and_a_session(server):
    import io
    import zipfile

    auth = ("demo", server.info()["password"])
    eid = _get(server, "/data/experiments", auth, project="DEMO_PUBLIC").json()["ResultSet"]["Result"][0]["ID"]
    scan = requests.get(f"{server.url}/data/experiments/{eid}/scans/1/files", params={"format": "zip"}, auth=auth)
    assert len(zipfile.ZipFile(io.BytesIO(scan.content)).namelist()) == 2
    session = requests.get(f"{server.url}/data/experiments/{eid}", params={"format": "zip"}, auth=auth)
    assert len(zipfile.ZipFile(io.BytesIO(session.content)).namelist()) == 6


def test_permissions(server):
    # listings are filtered by permission: an unreadable project's listings are empty, not errors
    for project in ("DEMO_PRIVATE", "DEMO_PROTECTED"):
        empty = _get(server, f"/data/projects/{project}/subjects")
        assert empty.status_code == 200 and empty.json()["ResultSet"]["Result"] == []
    # private: invisible to guest and to non-members
    visitor = ("visitor", server.users["visitor"]["password"])
    assert "DEMO_PRIVATE" not in [p["ID"] for p in _get(server, "/data/projects", visitor).json()["ResultSet"]["Result"]]
    assert _get(server, "/data/projects/DEMO_PRIVATE", visitor).status_code == 404
    # protected: listed, but its data is forbidden
    exp = next(e for e in server.experiments.values() if e.project == "DEMO_PROTECTED")
    assert _get(server, f"/data/experiments/{exp.id}", visitor).status_code == 403
    uri = f"/data/experiments/{exp.id}/scans/1/resources/DICOM/files/{exp.scans['1'].resources['DICOM'].files[0].name}"
    assert requests.get(server.url + uri, auth=visitor).status_code == 403
    assert requests.get(server.url + uri, auth=("demo", server.info()["password"])).status_code == 200
    # public: guest may read
    assert _get(server, "/data/projects/DEMO_PUBLIC/subjects").status_code == 200
    # wrong basic auth: 401 with a challenge
    bad = _get(server, "/data/projects", ("demo", "nope"))
    assert bad.status_code == 401 and "Basic" in bad.headers["WWW-Authenticate"]


def test_sandbox_info_and_environ_hold_no_password_in_env(server):
    info = server.info()
    assert set(info) >= {"url", "user", "password"}
    assert info["password"] not in "".join(server.environ().values())
    assert server.environ()["NDW_XNAT_URL"] == server.url


def test_project_scoped_experiment_paths(server):
    auth = ("demo", server.info()["password"])
    scoped = _get(server, "/data/projects/DEMO_PRIVATE/subjects/sub-001/experiments/sub-001_MR1/scans", auth)
    exp = next(e for e in server.experiments.values() if e.project == "DEMO_PRIVATE" and e.label == "sub-001_MR1")
    direct = _get(server, f"/data/experiments/{exp.id}/scans", auth)
    assert scoped.status_code == 200 and scoped.json() == direct.json()
