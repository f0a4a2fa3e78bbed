"""A loopback XNAT 1.8 stand-in: login, JSON listings, file downloads, zip archives.

It answers the requests xnatpy (``xnat.connect(..., no_parse_model=True)``) and a
plain ``requests`` client make of a real XNAT: ``GET /`` (redirect detection and
the guest check), ``PUT /data/services/auth``, ``GET|POST|DELETE /data/JSESSION``,
``GET /data/auth``, ``/data/version`` and ``/xapi/siteConfig/buildInfo``, HTTP basic
auth on any request, the ``ResultSet`` listings of projects, subjects, experiments,
scans, resources and files (honouring ``columns=``), file downloads with
``Content-Length`` and ``Range``, and ``format=zip`` archives of a scan or session.

Projects are ``public`` (guest may read), ``protected`` (listed to everyone, data only
for members) or ``private`` (invisible to non-members). Data comes from a seeded
generator; file contents are tiny DICOM-like blobs made on the fly, so a project of
20 000 files costs no disk.

Examples
--------
>>> from neurodata_widgets.sandbox.xnat_server import XnatServer
>>> server = XnatServer(seed=1).start()          # doctest: +SKIP
>>> info = server.info()                          # doctest: +SKIP
>>> sorted(info)                                  # doctest: +SKIP
['password', 'url', 'user']
"""
from __future__ import annotations

import base64
import hashlib
import io
import random
import re
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import quote, unquote

from .runner import Response, Service, json_response, text_response

VERSION = "1.8.10"
SCAN_TYPES = [("T1w", "MPRAGE sag 1mm"), ("T2w", "T2 SPACE sag"), ("bold", "fMRI rest AP"),
              ("dwi", "DTI 64dir"), ("fieldmap", "gre_field_mapping"), ("localizer", "AAHScout")]
QUALITIES = ["usable", "usable", "usable", "questionable", "unusable"]
_SCOPED = re.compile(r"^/data/(?:archive/)?projects/(?P<p>[^/]+)/subjects/[^/]+(?P<rest>/experiments/[^/]+(?:/.*)?)$")
_GUEST_SPAN = '<span id="user_info">Logged in as: <span style="color:red;">Guest</span></span>'


@dataclass
class XFile:
    name: str
    size: int
    seed: int
    digest: str | None = None  # overrides the true md5 (to simulate a corrupt catalog)
    data: bytes | None = None  # explicit content (hostile-name tests)


@dataclass
class XScan:
    id: str
    type: str
    quality: str
    series_description: str
    resources: dict = field(default_factory=dict)  # label -> list[XFile]


@dataclass
class XExperiment:
    id: str
    label: str
    project: str
    subject: "XSubject"
    date: str
    scans: dict = field(default_factory=dict)  # id -> XScan


@dataclass
class XSubject:
    id: str
    label: str
    project: str
    experiments: list = field(default_factory=list)


@dataclass
class XProject:
    id: str
    name: str
    accessibility: str  # public | protected | private
    description: str = ""
    subjects: list = field(default_factory=list)


class XnatServer(Service):
    """The XNAT sandbox service.

    Parameters
    ----------
    seed : int
        Seed of the data generator (same seed, same data).
    projects : list of tuple, optional
        ``(id, accessibility)`` pairs; default a public, a protected and a private demo project.
    subjects, sessions, scans, files : int
        Subjects per project, sessions per subject, scans per session, files per scan.
    file_size : int
        Approximate size in bytes of each generated file.
    guest : bool
        Whether anonymous (guest) access is enabled.
    digests : bool
        Whether file listings carry md5 digests.
    """

    name = "xnat"
    routes = [
        ("GET", r"^/$", "_root"),
        ("GET", r"^/app/template/(Index|Login)\.vm$", "_page"),
        ("PUT", r"^/data/services/auth/?$", "_services_auth"),
        ("POST", r"^/data/services/auth/?$", "_services_auth"),
        ("GET", r"^/data/JSESSION/?$", "_jsession_get"),
        ("POST", r"^/data/JSESSION/?$", "_jsession_get"),
        ("DELETE", r"^/data/JSESSION/?$", "_jsession_delete"),
        ("GET", r"^/data/auth/?$", "_auth"),
        ("GET", r"^/data/version/?$", "_version"),
        ("GET", r"^/xapi/siteConfig/buildInfo/?$", "_build_info"),
        ("GET", r"^/data/(?:archive/)?projects/?$", "_projects"),
        ("GET", r"^/data/(?:archive/)?projects/(?P<p>[^/]+)/subjects/?$", "_subjects"),
        ("GET", r"^/data/(?:archive/)?projects/(?P<p>[^/]+)/subjects/(?P<s>[^/]+)/experiments/?$", "_experiments"),
        ("GET", r"^/data/(?:archive/)?projects/(?P<p>[^/]+)/experiments/?$", "_experiments"),
        ("GET", r"^/data/(?:archive/)?experiments/?$", "_experiments"),
        ("GET", r"^/data/(?:archive/)?experiments/(?P<e>[^/]+)/?$", "_experiment"),
        ("GET", r"^/data/(?:archive/)?experiments/(?P<e>[^/]+)/scans/?$", "_scans"),
        ("GET", r"^/data/(?:archive/)?experiments/(?P<e>[^/]+)/scans/(?P<scan>[^/]+)/resources/?$", "_resources"),
        ("GET", r"^/data/(?:archive/)?experiments/(?P<e>[^/]+)/scans/(?P<scan>[^/]+)"
                r"(?:/resources/(?P<r>[^/]+))?/files/?$", "_files"),
        ("GET", r"^/data/(?:archive/)?experiments/(?P<e>[^/]+)/scans/(?P<scan>[^/]+)/resources/(?P<r>[^/]+)"
                r"/files/(?P<name>[^/]+)$", "_file"),
    ]

    def __init__(self, seed: int = 0, projects=None, subjects: int = 3, sessions: int = 2, scans: int = 3,
                 files: int = 2, file_size: int = 2048, guest: bool = True, digests: bool = True, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.guest = guest
        self.digests = digests  # older XNAT data often has no digest in its catalogs
        self.file_size = file_size
        self.users = {"demo": {"password": secrets.token_urlsafe(12), "projects": "*"},
                      "visitor": {"password": secrets.token_urlsafe(12), "projects": set()}}
        self.sessions: dict = {}  # JSESSIONID -> user name
        self.projects: dict = {}
        self.experiments: dict = {}
        self._digests: dict = {}
        self._counter = {"S": 0, "E": 0}
        if projects is None:
            projects = [("DEMO_PUBLIC", "public"), ("DEMO_PROTECTED", "protected"), ("DEMO_PRIVATE", "private")]
        rng = random.Random(seed)
        for pid, access in projects:
            self.add_project(pid, access, subjects, sessions, scans, files, rng)

    # -- data -------------------------------------------------------------------------------------
    def add_project(self, pid, accessibility="public", subjects=3, sessions=2, scans=3, files=2, rng=None):
        """Generate a project of ``subjects`` x ``sessions`` x ``scans`` x ``files``."""
        rng = rng or random.Random(hash(pid) & 0xFFFF)
        project = XProject(pid, pid.replace("_", " ").title(), accessibility, f"Sandbox {accessibility} project")
        self.projects[pid] = project
        for i in range(subjects):
            self._counter["S"] += 1
            subject = XSubject(f"XNAT_S{self._counter['S']:05d}", f"sub-{i + 1:03d}", pid)
            project.subjects.append(subject)
            for j in range(sessions):
                self._counter["E"] += 1
                exp = XExperiment(f"XNAT_E{self._counter['E']:05d}", f"{subject.label}_MR{j + 1}", pid, subject,
                                  f"2024-{1 + (i + j) % 12:02d}-{1 + (i * 7 + j) % 28:02d}")
                subject.experiments.append(exp)
                self.experiments[exp.id] = exp
                for k in range(scans):
                    stype, desc = SCAN_TYPES[k % len(SCAN_TYPES)]
                    scan = XScan(str(k + 1), stype, rng.choice(QUALITIES), desc)
                    scan.resources["DICOM"] = [
                        XFile(f"{exp.label}_{scan.id}_{n + 1:04d}.dcm",
                              max(256, int(self.file_size * rng.uniform(0.8, 1.2))), rng.getrandbits(32))
                        for n in range(files)]
                    exp.scans[scan.id] = scan
        return project

    def add_file(self, experiment: str, scan: str, name: str, data: bytes, resource: str = "DICOM",
                 digest: str | None = None) -> XFile:
        """Add a file with explicit content (and optionally a wrong ``digest``) to a scan."""
        xfile = XFile(name, len(data), 0, digest, data)
        self.experiments[experiment].scans[scan].resources.setdefault(resource, []).append(xfile)
        return xfile

    def content(self, xfile: XFile) -> bytes:
        """The bytes of a file: a 128-byte preamble, ``DICM``, a few tags, then seeded filler."""
        if xfile.data is not None:
            return xfile.data
        head = b"\0" * 128 + b"DICM" + f"(0010,0010) {xfile.name}\n".encode()
        block = hashlib.sha256(xfile.seed.to_bytes(8, "little")).digest() * 2
        body = (block * (xfile.size // len(block) + 1))[: max(0, xfile.size - len(head))]
        return (head + body)[: xfile.size]

    def md5(self, xfile: XFile) -> str:
        key = id(xfile)
        if key not in self._digests:
            self._digests[key] = hashlib.md5(self.content(xfile)).hexdigest()
        return xfile.digest or self._digests[key]

    # -- service plumbing -------------------------------------------------------------------------
    def route(self, req):
        # project-scoped experiment paths (/data/projects/P/subjects/S/experiments/E/...) are the same
        # resources as /data/experiments/E/...; E may then be a label, unique within P
        m = _SCOPED.match(req.path)
        if m:
            req.path, req.scope = "/data" + m.group("rest"), unquote(m.group("p"))
        return super().route(req)

    def info(self) -> dict:
        return {"url": self.url, "user": "demo", "password": self.users["demo"]["password"]}

    def environ(self) -> dict:
        # never the password: notebooks print their environment at times
        return {"NDW_XNAT_URL": self.url, "NDW_XNAT_USER": "demo"}

    def expire(self) -> None:
        self.sessions.clear()

    def error_response(self, status, req, message=None, headers=None) -> Response:
        """Errors as Tomcat/XNAT send them: a small HTML page with the reason in ``<h3>``."""
        phrase = HTTPStatus(status).phrase
        headers = dict(headers or {})
        if status == 401:
            headers.setdefault("WWW-Authenticate", 'Basic realm="XNAT"')
        body = (f"<html><head><title>Status page</title></head><body><h3>{message or phrase}</h3>"
                f"<p>{phrase}</p></body></html>")
        return text_response(body, status, headers=headers)

    # -- authentication ---------------------------------------------------------------------------
    def _new_session(self, user: str | None) -> dict:
        sid = secrets.token_hex(16).upper()
        self.sessions[sid] = user
        expiry = f'"{int(time.time() * 1000)},900000"'
        return {"Set-Cookie": [f"JSESSIONID={sid}; Path=/; HttpOnly", f"SESSION_EXPIRATION_TIME={expiry}; Path=/"],
                "_sid": sid}

    def _who(self, req):
        """``(user or None for guest, error Response or None, new-session headers)``."""
        auth = req.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                user = password = ""
            entry = self.users.get(user)
            if not entry or not secrets.compare_digest(entry["password"], password):
                return None, self.error_response(401, req, "Login attempt failed. Please try again."), {}
            return user, None, {}
        cookie = req.headers.get("Cookie", "")
        for part in cookie.split(";"):
            key, _, value = part.strip().partition("=")
            if key == "JSESSIONID" and value in self.sessions:
                return self.sessions[value], None, {}
        if not self.guest:
            return None, self.error_response(401, req), {}
        return None, None, {}

    def _can_see(self, user, project: XProject) -> bool:
        if project.accessibility != "private":
            return True
        return self._member(user, project)

    def _member(self, user, project: XProject) -> bool:
        if user is None:
            return False
        allowed = self.users[user]["projects"]
        return allowed == "*" or project.id in allowed

    def _can_read(self, user, project: XProject) -> bool:
        return project.accessibility == "public" or self._member(user, project)

    def _guard(self, req, project: XProject | None):
        """The user, or an error response for data the caller may not read."""
        user, error, headers = self._who(req)
        if error:
            return None, error
        if project is None or not self._can_see(user, project):
            return None, self.error_response(404, req)
        if not self._can_read(user, project):
            return None, self.error_response(403, req, "Access denied: you are not a member of this project.")
        return user, None

    # -- pages and session endpoints --------------------------------------------------------------
    def _root(self, req):
        user, _, headers = self._who(req)
        target = "/app/template/Index.vm" if (user or self.guest) else "/app/template/Login.vm"
        return Response(302, b"", "text/html", {"Location": self.url + target, **self._cookie(headers)})

    def _page(self, req):
        user, _, headers = self._who(req)
        if user:
            info = (f'<span id="user_info">Logged in as: &nbsp;<a id="username-link" '
                    f'href="/app/template/XDATScreen_UpdateUser.vm">{user}</a></span>')
        elif self.guest and req.match.group(1) == "Index":
            info = _GUEST_SPAN
        else:
            info = '<form name="form1" method="post" action="/xnat/login"></form>'
        return text_response(f"<!DOCTYPE html><html><body><h1>XNAT sandbox</h1>{info}</body></html>",
                             headers=self._cookie(headers))

    @staticmethod
    def _cookie(headers: dict) -> dict:
        return {k: v for k, v in headers.items() if not k.startswith("_")}

    def _services_auth(self, req):
        form = req.params
        user, password = form.get("username", ""), form.get("password", "")
        entry = self.users.get(user)
        if not entry or not secrets.compare_digest(entry["password"], password):
            return self.error_response(401, req, "Login attempt failed. Please try again.")
        headers = self._new_session(user)
        return text_response(headers["_sid"], content_type="text/plain", headers=self._cookie(headers))

    def _jsession_get(self, req):
        user, error, headers = self._who(req)
        if error:
            return error
        if not headers:  # reuse the caller's session if it has one
            for part in req.headers.get("Cookie", "").split(";"):
                key, _, value = part.strip().partition("=")
                if key == "JSESSIONID" and value in self.sessions:
                    return text_response(value, content_type="text/plain")
            headers = self._new_session(user)
        return text_response(headers["_sid"], content_type="text/plain", headers=self._cookie(headers))

    def _jsession_delete(self, req):
        for part in req.headers.get("Cookie", "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == "JSESSIONID":
                self.sessions.pop(value, None)
        return text_response("", content_type="text/plain")

    def _auth(self, req):
        user, error, _ = self._who(req)
        if error:
            return error
        if user is None:
            return self.error_response(401, req)
        return text_response(f"User '{user}' is logged in", content_type="text/plain")

    def _version(self, req):
        return text_response(VERSION, content_type="text/plain")

    def _build_info(self, req):
        return json_response({"version": VERSION, "buildNumber": "8", "commit": "sandbox", "branch": "release"})

    # -- listings ---------------------------------------------------------------------------------
    def _result_set(self, req, rows: list, default_columns: list) -> Response:
        wanted = req.query.get("columns")
        columns = wanted.split(",") if wanted else default_columns
        if "URI" not in columns and not wanted:
            columns = columns + ["URI"]
        out = [{c: str(row.get(c, "")) for c in columns} for row in rows]
        return json_response({"ResultSet": {"Result": out, "totalRecords": str(len(out)), "title": "Result"}})

    def _project(self, pid) -> XProject | None:
        return self.projects.get(unquote(pid))

    def _projects(self, req):
        user, error, _ = self._who(req)
        if error:
            return error
        rows = [{"ID": p.id, "secondary_ID": p.id, "name": p.name, "description": p.description,
                 "pi_firstname": "", "pi_lastname": "", "accessibility": p.accessibility,
                 "URI": f"/data/projects/{p.id}"}
                for p in self.projects.values() if self._can_see(user, p)]
        return self._result_set(req, rows, ["ID", "secondary_ID", "name", "description", "pi_firstname",
                                            "pi_lastname"])

    def _subjects(self, req):
        project = self._project(req.match.group("p"))
        user, error = self._guard(req, project)
        if error:
            return error
        rows = [{"ID": s.id, "label": s.label, "project": s.project, "insert_date": "2024-01-01 00:00:00.0",
                 "insert_user": "demo", "URI": f"/data/subjects/{s.id}"} for s in project.subjects]
        return self._result_set(req, rows, ["ID", "project", "label", "insert_date", "insert_user"])

    @staticmethod
    def _exp_row(e: XExperiment) -> dict:
        return {"ID": e.id, "label": e.label, "project": e.project, "date": e.date, "xsiType": "xnat:mrSessionData",
                "subject_ID": e.subject.id, "subject_label": e.subject.label, "insert_date": "2024-01-01 00:00:00.0",
                "URI": f"/data/experiments/{e.id}"}

    def _experiments(self, req):
        groups = req.match.groupdict()
        pid = groups.get("p") or req.query.get("project")
        sid = groups.get("s") or req.query.get("subject_ID") or req.query.get("subject_label")
        if pid:
            projects = [self._project(pid)]
            user, error = self._guard(req, projects[0])
            if error:
                return error
        else:
            user, error, _ = self._who(req)
            if error:
                return error
            projects = [p for p in self.projects.values() if self._can_read(user, p)]
        rows = []
        for project in projects:
            for subject in project.subjects:
                if sid and unquote(sid) not in (subject.id, subject.label):
                    continue
                rows += [self._exp_row(e) for e in subject.experiments]
        if groups.get("s") and not rows and not any(unquote(sid) in (s.id, s.label) for s in projects[0].subjects):
            return self.error_response(404, req)
        return self._result_set(req, rows, ["ID", "project", "date", "xsiType", "label", "insert_date"])

    def _experiment_for(self, req):
        key, scope = unquote(req.match.group("e")), getattr(req, "scope", None)
        exp = self.experiments.get(key)
        if exp is None:  # also accept a label, as XNAT does within a project
            exp = next((e for e in self.experiments.values() if e.label == key and scope in (None, e.project)), None)
        user, error = self._guard(req, self.projects.get(exp.project) if exp else None)
        return exp, error

    def _experiment(self, req):
        exp, error = self._experiment_for(req)
        if error:
            return error
        if req.query.get("format") == "zip":
            return self._zip(exp, list(exp.scans.values()), exp.label)
        fields = {k: v for k, v in self._exp_row(exp).items() if k not in ("URI", "xsiType")}
        fields["subject_ID"] = exp.subject.id
        return json_response({"items": [{"meta": {"xsi:type": "xnat:mrSessionData", "isHistory": False},
                                         "data_fields": fields, "children": []}]})

    def _scan_for(self, exp, scan_id):
        if scan_id == "ALL":
            return list(exp.scans.values())
        ids = unquote(scan_id).split(",")
        return [exp.scans[i] for i in ids if i in exp.scans]

    def _scans(self, req):
        exp, error = self._experiment_for(req)
        if error:
            return error
        rows = [{"xnat_imagescandata_id": f"{exp.id}-{s.id}", "ID": s.id, "type": s.type, "quality": s.quality,
                 "series_description": s.series_description, "xsiType": "xnat:mrScanData", "note": "",
                 "file_count": str(sum(len(f) for f in s.resources.values())),
                 "URI": f"/data/experiments/{exp.id}/scans/{s.id}"} for s in exp.scans.values()]
        return self._result_set(req, rows, ["xnat_imagescandata_id", "ID", "type", "quality", "series_description",
                                            "xsiType", "note"])

    def _resources(self, req):
        exp, error = self._experiment_for(req)
        if error:
            return error
        scans = self._scan_for(exp, req.match.group("scan"))
        if not scans:
            return self.error_response(404, req)
        rows = []
        for scan in scans:
            for label, files in scan.resources.items():
                rows.append({"xnat_abstractresource_id": f"{exp.id}-{scan.id}-{label}", "label": label,
                             "element_name": "xnat:resourceCatalog", "category": "scans", "cat_ID": scan.id,
                             "cat_desc": scan.series_description, "format": label, "content": "RAW",
                             "file_count": str(len(files)), "file_size": str(sum(f.size for f in files)),
                             "URI": f"/data/experiments/{exp.id}/scans/{scan.id}/resources/{label}"})
        return self._result_set(req, rows, ["xnat_abstractresource_id", "cat_id", "cat_desc", "label",
                                            "element_name", "category", "format", "content", "file_count",
                                            "file_size"])

    def _file_entries(self, exp, scans, resource=None):
        for scan in scans:
            for label, files in scan.resources.items():
                if resource and unquote(resource) != label:
                    continue
                for f in files:
                    yield scan, label, f

    def _files(self, req):
        exp, error = self._experiment_for(req)
        if error:
            return error
        scans = self._scan_for(exp, req.match.group("scan"))
        resource = req.match.group("r")
        if not scans or (resource and not any(unquote(resource) in s.resources for s in scans)):
            return self.error_response(404, req)
        entries = list(self._file_entries(exp, scans, resource))
        if req.query.get("format") == "zip":
            return self._zip(exp, scans, f"{exp.label}_scans", resource)
        rows = [{"Name": f.name, "Size": str(f.size), "collection": label, "cat_ID": scan.id,
                 "file_tags": "", "file_format": "DICOM", "file_content": "RAW",
                 "digest": self.md5(f) if self.digests else "",
                 "URI": f"/data/experiments/{exp.id}/scans/{scan.id}/resources/{label}/files/{quote(f.name, safe='')}"}
                for scan, label, f in entries]
        return self._result_set(req, rows, ["Name", "Size", "URI", "collection", "file_tags", "file_format",
                                            "file_content", "cat_ID", "digest"])

    def _zip(self, exp, scans, stem, resource=None):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            for scan, label, f in self._file_entries(exp, scans, resource):
                # XNAT puts archive members under <session>/scans/<scan>-<type>/resources/<label>/files/
                safe = f.name.replace("/", "_").lstrip(".")
                zf.writestr(f"{exp.label}/scans/{scan.id}-{scan.type}/resources/{label}/files/{safe}",
                            self.content(f))
        return Response(200, buf.getvalue(), "application/zip",
                        {"Content-Disposition": f'attachment; filename="{stem}.zip"'})

    def _file(self, req):
        exp, error = self._experiment_for(req)
        if error:
            return error
        scans = self._scan_for(exp, req.match.group("scan"))
        name = unquote(req.match.group("name"))
        resource = unquote(req.match.group("r"))
        found = next((f for scan in scans for f in scan.resources.get(resource, []) if f.name == name), None)
        if found is None:
            return self.error_response(404, req)
        data = self.content(found)
        headers = {"Accept-Ranges": "bytes", "Content-Disposition": f'attachment; filename="{quote(name)}"'}
        rng = req.headers.get("Range", "")
        if rng.startswith("bytes=") and rng[6:].split("-")[0].isdigit():
            start = int(rng[6:].split("-")[0])
            if start < len(data):
                headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
                return Response(206, data[start:], "application/dicom", headers)
        return Response(200, data, "application/dicom", headers)
