"""A loopback XNAT 1.8 stand-in, built from XNAT's REST behaviour so real clients run unchanged.

Our client, datalad-xnat, xnatpy (also in its model mode) and pyxnat run against it:

* login: ``GET /`` (redirect detection, guest check), ``PUT /data/services/auth``,
  ``GET|POST|DELETE /data/JSESSION``, ``GET /data/auth``, HTTP basic auth on any request;
  a JSESSION expires after ``session_timeout`` (or :meth:`XnatServer.expire`) and a request
  still carrying it gets a new *guest* session cookie, as Tomcat/XNAT do;
* version: ``/xapi/siteConfig/buildInfo`` (``/data/version`` is gone since 1.7: 404);
* schemas for xnatpy's model: ``/xapi/schemas`` and ``/xapi/schemas/{name}``
  (:mod:`.xnat_schemas`);
* ``ResultSet`` listings in ``format=json|xml|csv|html`` (:mod:`.xnat_tables`), honouring
  ``columns=``; XNAT's column rules (experiment listings narrowed to a project or subject name
  each row's ``subject_ID``/``subject_label``; resource listings have a fixed set without URI;
  file listings carry a ``Columns`` block); listings of a project the caller may not read are
  empty 200s, single objects answer 403/404;
* objects: ``/data/projects/P``, ``/data/subjects/S``, ``/data/projects/P/subjects/S``,
  ``/data/experiments/E`` (also under ``/data/projects/P[/subjects/S]/experiments/E`` by ID or
  label, and ``/data/archive/...``), ``/data/experiments/E/scans/S``;
* resources with numeric ids (addressed by id or label) on scans and on the session itself;
  files listed as ``.../resources/<id>/files/<catalog path>`` (sub-folders kept, ``Name`` the base
  name, ``cat_ID`` the resource id), downloads with ``Content-Length`` and ``Range``, and
  ``format=zip`` archives of a scan, a resource or a session;
* assessors (``assessors=True``: FreeSurfer ``fs:fsData``, QC ``xnat:qcAssessmentData``):
  ``/data/experiments/E/assessors[/A]`` (also project-scoped), their "out" resources and files at
  ``.../assessors/A/out/resources/...``, and ``/data/experiments/A`` itself;
* search (:mod:`.xnat_search`): ``POST /data/search`` with XNAT's search document, and on
  ``/data/experiments`` the ``xsiType`` filter (with subtypes), field filters with ``*`` wildcards,
  xpath ``columns=`` (named lower-case; a scan column gives one row per scan), ``limit``/``offset``;
* errors under ``/data`` as Restlet 1.1's status page (HTML with an unclosed ``<br>``, not XML).

Projects are ``public`` (guest may read), ``protected`` (listed to everyone, data only
for members) or ``private`` (invisible to non-members). The data is generated from a seed
(:mod:`.xnat_data`).

Examples
--------
>>> from neurodata_widgets.sandbox.xnat_server import XnatServer
>>> server = XnatServer(seed=1).start()
>>> info = server.info()
>>> sorted(info)
['password', 'url', 'user']
>>> server.stop()
"""
from __future__ import annotations

import base64
import html
import io
import re
import secrets
import time
import zipfile
from http import HTTPStatus
from pathlib import PurePosixPath
from urllib.parse import quote, unquote

from .runner import Response, Service, json_response, text_response
from . import xnat_search
from .xnat_data import XAssessor, XExperiment, XFile, XnatArchive, XProject, XResource, XScan, XSubject
from .xnat_schemas import SCHEMAS, schema_text
from .xnat_tables import FORMATS, render_item, render_table, wanted_format

VERSION = "1.8.10"
_SCOPED = re.compile(r"^/data/projects/(?P<p>[^/]+)(?:/subjects/[^/]+)?(?P<rest>/experiments/[^/]+(?:/.*)?)$")
_GUEST_SPAN = '<span id="user_info">Logged in as: <span style="color:red;">Guest</span></span>'


class XnatServer(XnatArchive, Service):
    """The XNAT sandbox service.

    Parameters
    ----------
    seed : int
        Seed of the data generator (same seed, same data).
    projects : list of tuple, optional
        ``(id, accessibility)`` pairs; default a public, a protected and a private demo project.
    subjects, sessions, scans, files : int
        Subjects per project, sessions per subject, scans per session, files per scan (a scan's DICOM
        series has one instance per slice: ``files`` slices).
    file_size : int
        Approximate size in bytes of each instance's pixel data (it sets the image matrix: 2048 gives 32 x 32).
    guest : bool
        Whether anonymous (guest) access is enabled.
    digests : bool
        Whether file listings carry md5 digests.
    session_resources : bool
        Whether every session has a resource of its own (``QC``), besides its scans' resources.
    assessors : bool
        Whether sessions have derived data: a FreeSurfer (``fs:fsData``) and a QC
        (``xnat:qcAssessmentData``) assessor, each with a resource of files.
    snapshots : bool
        Whether every scan has XNAT's ``SNAPSHOTS`` resource (a GIF of its middle slice and a thumbnail).
    session_timeout : float
        Seconds of inactivity after which a JSESSION is forgotten (XNAT's default: 15 minutes).
    """

    name = "xnat"
    _E = r"^/data/experiments/(?P<e>[^/]+)"
    # a scan's resources, or an assessor's (its "out" resources; "in" resources are its inputs)
    _R = r"(?:/scans/(?P<scan>[^/]+)|/assessors/(?P<a>[^/]+)(?:/(?:out|in))?)?"
    routes = [
        ("GET", r"^/$", "_root"),
        ("GET", r"^/app/template/(Index|Login)\.vm$", "_page"),
        ("PUT", r"^/data/services/auth/?$", "_services_auth"),
        ("POST", r"^/data/services/auth/?$", "_services_auth"),
        ("GET", r"^/data/JSESSION/?$", "_jsession_get"),
        ("POST", r"^/data/JSESSION/?$", "_jsession_get"),
        ("DELETE", r"^/data/JSESSION/?$", "_jsession_delete"),
        ("GET", r"^/data/auth/?$", "_auth"),
        # no /data/version: XNAT 1.7+ answers 404 there; clients fall back to the build info
        ("GET", r"^/xapi/siteConfig/buildInfo/?$", "_build_info"),
        ("GET", r"^/xapi/schemas/?$", "_schemas"),
        ("GET", r"^/xapi/schemas/(?P<name>.+)$", "_schema"),
        ("GET", r"^/data/search/elements/?$", "_search_elements"),
        ("GET", r"^/data/search/elements/(?P<type>[^/]+)/?$", "_search_fields"),
        ("POST", r"^/data/search/?$", "_search"),
        ("GET", r"^/data/projects/?$", "_projects"),
        ("GET", r"^/data/projects/(?P<p>[^/]+)/?$", "_project_item"),
        ("GET", r"^/data/(?:projects/(?P<p>[^/]+)/)?subjects/?$", "_subjects"),
        ("GET", r"^/data/(?:projects/(?P<p>[^/]+)/)?subjects/(?P<s>[^/]+)/?$", "_subject"),
        ("GET", r"^/data/(?:projects/(?P<p>[^/]+)/)?(?:subjects/(?P<s>[^/]+)/)?experiments/?$", "_experiments"),
        ("GET", r"^/data/projects/(?P<p>[^/]+)(?:/subjects/(?P<s>[^/]+))?/resources/?$", "_no_resources"),
        ("GET", r"^/data/subjects/(?P<s>[^/]+)/resources/?$", "_no_resources"),
        ("GET", _E + r"/?$", "_experiment"),
        ("GET", _E + r"/scans/?$", "_scans"),
        ("GET", _E + r"/scans/(?P<scan>[^/]+)/?$", "_scan"),
        ("GET", _E + r"/assessors/?$", "_assessors"),
        ("GET", _E + r"/assessors/(?P<a>[^/]+)/?$", "_assessor"),
        ("GET", _E + _R + r"/resources/?$", "_resources"),
        ("GET", _E + _R + r"/resources/(?P<r>[^/]+)/?$", "_resource"),
        ("GET", _E + _R + r"(?:/resources/(?P<r>[^/]+))?/files/?$", "_files"),
        ("GET", _E + _R + r"/resources/(?P<r>[^/]+)/files/(?P<name>.+)$", "_file"),
    ]

    def __init__(self, seed: int = 0, projects=None, subjects: int = 3, sessions: int = 2, scans: int = 3,
                 files: int = 2, file_size: int = 2048, guest: bool = True, digests: bool = True,
                 session_timeout: float = 900.0, session_resources: bool = False, assessors: bool = False,
                 snapshots: bool = False, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.guest = guest
        self.session_timeout = session_timeout
        self.users = {"demo": {"password": secrets.token_urlsafe(12), "projects": "*"},
                      "visitor": {"password": secrets.token_urlsafe(12), "projects": set()}}
        self.sessions: dict = {}  # JSESSIONID -> [user name or None (guest), last use]
        if projects is None:
            projects = [("DEMO_PUBLIC", "public"), ("DEMO_PROTECTED", "protected"), ("DEMO_PRIVATE", "private")]
        self.build_archive(seed, projects, subjects, sessions, scans, files, file_size, digests, session_resources,
                           assessors=assessors, snapshots=snapshots)

    # -- service plumbing -------------------------------------------------------------------------
    def route(self, req):
        # /data/archive/... is an alias of /data/...; project-scoped experiment paths
        # (/data/projects/P[/subjects/S]/experiments/E/...) are the same resources as
        # /data/experiments/E/..., where E may also be a label (unique within P)
        if req.path.startswith("/data/archive/"):
            req.path = "/data/" + req.path[len("/data/archive/"):]
        req.scope = None
        m = _SCOPED.match(req.path)
        if m:
            req.path, req.scope = "/data" + m.group("rest"), unquote(m.group("p"))
        req.user, error, cookie = self._who(req)
        response = error or super().route(req)
        if cookie:
            response.headers.setdefault("Set-Cookie", cookie)
        return response

    def info(self) -> dict:
        return {"url": self.url, "user": "demo", "password": self.users["demo"]["password"]}

    def add_account(self, name: str) -> dict:
        """A user account of its own (a fresh password, the demo user's projects): one per hub user.

        Returns this service's :meth:`info` as that account sees it. An existing account keeps its password.
        """
        entry = self.users.setdefault(name, {"password": secrets.token_urlsafe(12), "projects": "*"})
        return {"url": self.url, "user": name, "password": entry["password"]}

    def environ(self) -> dict:
        # never the password: notebooks print their environment at times
        return {"NDW_XNAT_URL": self.url, "NDW_XNAT_USER": "demo"}

    def expire(self, user: str | None = None) -> None:
        """Forget every JSESSION (of ``user`` alone when given), as a server restart or the session timeout does."""
        if user is None:
            self.sessions.clear()
            return
        for sid in [sid for sid, (who, _) in list(self.sessions.items()) if who == user]:
            self.sessions.pop(sid, None)

    def error_response(self, status, req, message=None, headers=None) -> Response:
        """Errors as XNAT 1.8 sends them: under ``/data`` Restlet 1.1's status page (the reason in ``<h3>``,
        which xnatpy and pyxnat read; an unclosed ``<br>`` makes it HTML, not XML, so pyxnat takes the
        whole page as the message), elsewhere Tomcat 9's."""
        phrase = HTTPStatus(status).phrase
        message = html.escape(message or _RESTLET_REASONS.get(status, phrase))  # it may echo the request
        headers = dict(headers or {})
        if status == 401:
            headers.setdefault("WWW-Authenticate", 'Basic realm="XNAT"')
        if req.path.startswith("/data/"):
            section = _RFC_SECTIONS.get(status, "10")
            body = (f"<html>\n<head>\n   <title>Status page</title>\n</head>\n<body>\n<h3>{message}</h3>"
                    f'<p>You can get technical details <a href="http://www.w3.org/Protocols/rfc2616/'
                    f'rfc2616-sec10.html#sec{section}">here</a>.<br>\n'
                    f'Please continue your visit at our <a href="/">home page</a>.\n</p>\n</body>\n</html>\n')
        else:
            title = f"HTTP Status {status} \u2013 {phrase}"
            body = (f'<!doctype html><html lang="en"><head><title>{title}</title></head><body><h1>{title}</h1>'
                    f'<hr class="line" /><p><b>Type</b> Status Report</p><p><b>Message</b> {message}</p>'
                    f'<hr class="line" /><h3>Apache Tomcat/9.0</h3></body></html>')
        return text_response(body, status, headers=headers)

    # -- authentication ---------------------------------------------------------------------------
    def _new_session(self, user: str | None) -> tuple:
        """A new JSESSION: ``(id, Set-Cookie values)`` (XNAT 1.8 adds SESSION_EXPIRATION_TIME)."""
        sid = secrets.token_hex(16).upper()
        self.sessions[sid] = [user, time.monotonic()]
        expiry = f'"{int(time.time() * 1000)},{int(self.session_timeout * 1000)}"'
        return sid, [f"JSESSIONID={sid}; Path=/; HttpOnly", f"SESSION_EXPIRATION_TIME={expiry}; Path=/"]

    @staticmethod
    def _cookie_sid(req) -> str | None:
        for part in req.headers.get("Cookie", "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == "JSESSIONID":
                return value
        return None

    def _who(self, req):
        """``(user or None for guest, error Response or None, Set-Cookie values or None)``.

        A JSESSIONID the server no longer knows is not an error: as Tomcat does, XNAT opens a
        new (guest) session and sets its cookie, so the caller silently becomes a guest.
        """
        auth = req.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                user = password = ""
            entry = self.users.get(user)
            if not entry or not secrets.compare_digest(entry["password"], password):
                return None, self.error_response(401, req, "Login attempt failed. Please try again."), None
            return user, None, None
        sid = self._cookie_sid(req)
        known = self.sessions.get(sid) if sid else None
        if known and time.monotonic() - known[1] > self.session_timeout:
            self.sessions.pop(sid, None)
            known = None
        if known:
            known[1] = time.monotonic()
            return known[0], None, None
        if not req.path.startswith(("/data/", "/xapi/")) or req.path.startswith("/data/services/auth"):
            return None, None, (self._new_session(None)[1] if sid and self.guest else None)
        if not self.guest:
            return None, self.error_response(401, req), None
        if sid:  # an expired session: a new guest one takes its place
            return None, None, self._new_session(None)[1]
        return None, None, None

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
        """An error response for one object the caller may not read (listings filter instead)."""
        if project is None or not self._can_see(req.user, project):
            return self.error_response(404, req)
        if not self._can_read(req.user, project):
            return self.error_response(403, req, "Specified user account has insufficient privileges for "
                                                 "experiments in the " + project.id + " project.")
        return None

    # -- pages and session endpoints --------------------------------------------------------------
    def _root(self, req):
        target = "/app/template/Index.vm" if (req.user or self.guest) else "/app/template/Login.vm"
        return Response(302, b"", "text/html", {"Location": self.url + target})

    def _page(self, req):
        if req.user:
            info = (f'<span id="user_info">Logged in as: &nbsp;<a id="username-link" '
                    f'href="/app/template/XDATScreen_UpdateUser.vm">{req.user}</a></span>')
        elif self.guest and req.match.group(1) == "Index":
            info = _GUEST_SPAN
        else:
            info = '<form name="form1" method="post" action="/xnat/login"></form>'
        return text_response(f"<!DOCTYPE html><html><head><title>XNAT</title></head><body><h1>XNAT sandbox</h1>"
                             f"{info}</body></html>")

    def _services_auth(self, req):
        form = req.params
        user, password = form.get("username", ""), form.get("password", "")
        entry = self.users.get(user)
        if not entry or not secrets.compare_digest(entry["password"], password):
            return self.error_response(401, req, "Login attempt failed. Please try again.")
        sid, cookies = self._new_session(user)
        return text_response(sid, content_type="text/plain", headers={"Set-Cookie": cookies})

    def _jsession_get(self, req):
        sid = self._cookie_sid(req)
        if sid in self.sessions and self.sessions[sid][0] == req.user:  # reuse the caller's session
            return text_response(sid, content_type="text/plain")
        sid, cookies = self._new_session(req.user)
        return text_response(sid, content_type="text/plain", headers={"Set-Cookie": cookies})

    def _jsession_delete(self, req):
        self.sessions.pop(self._cookie_sid(req), None)
        return text_response("", content_type="text/plain")

    def _auth(self, req):
        if req.user is None:
            return self.error_response(401, req)
        return text_response(f"User '{req.user}' is logged in", content_type="text/plain")

    def _build_info(self, req):
        return json_response({"version": VERSION, "buildNumber": "8", "commit": "sandbox", "branch": "release",
                              "buildDate": "Mon Jan 01 00:00:00 UTC 2024"})

    def _schemas(self, req):
        return json_response(sorted(SCHEMAS))

    def _schema(self, req):
        text = schema_text(req.match.group("name"))
        if text is None:
            return self.error_response(404, req)
        return text_response(text, content_type="application/xml;charset=UTF-8")

    def _search_elements(self, req):
        counts = {"xnat:projectData": len(self.projects),
                  "xnat:subjectData": sum(len(p.subjects) for p in self.projects.values()),
                  "xnat:mrSessionData": len(self.experiments),
                  "xnat:mrScanData": sum(len(e.scans) for e in self.experiments.values())}
        rows = [{"ELEMENT_NAME": name, "SINGULAR": singular, "PLURAL": singular + "s", "CATEGORY": "",
                 "SECURED": "true", "COUNT": str(counts[name])} for name, (singular, _) in DISPLAY_FIELDS.items()]
        return self._table(req, rows, ["ELEMENT_NAME", "SINGULAR", "PLURAL", "CATEGORY", "SECURED", "COUNT"],
                           "Elements", fixed=True)

    def _search_fields(self, req):
        element = unquote(req.match.group("type"))
        if element not in DISPLAY_FIELDS:
            return self.error_response(404, req)
        rows = [{"FIELD_ID": f, "HEADER": f.title(), "SUMMARY": f, "TYPE": "string", "REQUIRES_VALUE": "false",
                 "DESC": f, "ELEMENT_NAME": element, "SRC": "0"} for f in DISPLAY_FIELDS[element][1]]
        return self._table(req, rows, ["FIELD_ID", "HEADER", "SUMMARY", "TYPE", "REQUIRES_VALUE", "DESC",
                                       "ELEMENT_NAME", "SRC"], "Fields", fixed=True)

    # -- listings ---------------------------------------------------------------------------------
    def _table(self, req, rows: list, default_columns: list, title: str, fixed: bool = False,
               with_columns: bool = False) -> Response:
        """A ``ResultSet`` honouring ``columns=`` (unless ``fixed``) and ``format=``; URI always comes along."""
        fmt = wanted_format(req.query)
        if fmt not in FORMATS:
            return self.error_response(415, req, f"Unsupported format {fmt}")
        wanted = req.query.get("columns")
        if wanted and not fixed:
            columns = [c for c in wanted.split(",") if c and c != "DEFAULT"] or list(default_columns)
            if "DEFAULT" in wanted.split(","):
                columns = list(default_columns) + [c for c in columns if c not in default_columns]
        else:
            columns = list(default_columns)
        if not fixed and "URI" not in columns:
            columns.append("URI")
        return render_table(rows, columns, fmt, title, with_columns)

    def _project(self, pid) -> XProject | None:
        return self.projects.get(unquote(pid or ""))

    def _projects(self, req):
        rows = [{"ID": p.id, "secondary_ID": p.id, "name": p.name, "description": p.description,
                 "pi_firstname": "", "pi_lastname": "", "URI": f"/data/projects/{p.id}"}
                for p in self.projects.values() if self._can_see(req.user, p)]
        return self._table(req, rows, ["ID", "secondary_ID", "name", "description", "pi_firstname",
                                       "pi_lastname"], "Projects")

    def _readable(self, req, pid=None) -> list:
        """Projects whose data the caller may read (one, when ``pid`` is given)."""
        if pid:
            project = self._project(pid)
            return [project] if project and self._can_read(req.user, project) else []
        return [p for p in self.projects.values() if self._can_read(req.user, p)]

    def _project_item(self, req):
        project = self._project(req.match.group("p"))
        if project is None or not self._can_see(req.user, project):
            return self.error_response(404, req)
        fields = {"ID": project.id, "secondary_ID": project.id, "name": project.name,
                  "description": project.description}
        return render_item("xnat:projectData", fields, wanted_format(req.query))

    @staticmethod
    def _subject_row(s: XSubject) -> dict:
        return {"ID": s.id, "label": s.label, "project": s.project, "insert_date": "2024-01-01 00:00:00.0",
                "insert_user": "demo", "URI": f"/data/subjects/{s.id}"}

    def _subjects(self, req):
        # a project the caller may not read lists as empty (XNAT filters by permission)
        subjects = [s for p in self._readable(req, req.match.group("p")) for s in p.subjects]
        return self._table(req, [self._subject_row(s) for s in subjects],
                           ["ID", "project", "label", "insert_date", "insert_user"], "Subjects")

    def _find_subject(self, req, key, pid=None):
        key = unquote(key)
        for project in ([self._project(pid)] if pid else self.projects.values()):
            for s in (project.subjects if project else []):
                if key == s.id or (pid and key == s.label):
                    return s
        return None

    def _subject(self, req):
        subject = self._find_subject(req, req.match.group("s"), req.match.group("p"))
        error = self._guard(req, self.projects.get(subject.project) if subject else None)
        if error:
            return error
        fields = {k: v for k, v in self._subject_row(subject).items() if k in ("ID", "label", "project")}
        return render_item("xnat:subjectData", fields, wanted_format(req.query))

    @staticmethod
    def _exp_row(e: XExperiment) -> dict:
        return {"ID": e.id, "label": e.label, "project": e.project, "date": e.date, "xsiType": "xnat:mrSessionData",
                "subject_ID": e.subject.id, "subject_label": e.subject.label, "insert_date": "2024-01-01 00:00:00.0",
                "URI": f"/data/experiments/{e.id}"}

    def _experiments(self, req):
        """XNAT's experiment listing: ``xsiType=`` (a type and its subtypes; default every subject assessor, i.e.
        sessions, not derived data), filters on fields or xpaths with ``*`` wildcards, xpath ``columns=``
        (named lower-cased; a scan column gives one row per scan), then ``offset``/``limit``."""
        groups = req.match.groupdict()
        pid = groups.get("p")
        sid = groups.get("s")
        if groups.get("s") and groups.get("p") and self._readable(req, pid) \
                and not self._find_subject(req, sid, pid):
            return self.error_response(404, req)
        xsi = req.query.get("xsiType") or "xnat:subjectAssessorData"
        members = xnat_search.MEMBERS.get(xsi.lower())
        if members is None:
            return self.error_response(400, req, f"Invalid xsiType: {xsi}")
        wanted = [c for c in (req.query.get("columns") or "").split(",") if c]
        paths = [c for c in wanted if "/" in c]
        try:
            resolved = {c: xnat_search.split_field(*c.split("/", 1)) for c in paths}
            root = "assessor" if members <= {"fs:fsData", "xnat:qcAssessmentData"} else "session"
            scans = any(fam == "scan" for fam, _, _ in resolved.values())
            rows = [r for r in self._search_rows(req, root, pid, scans) if r[root]["xsitype"] in members]
            if sid:  # the path's subject: its ID or, within a project, its label
                rows = [r for r in rows if unquote(sid) in (r["subject"]["id"], r["subject"]["label"])]
            rows = [r for r in rows if self._listing_filter(req, r, root)]
        except xnat_search.SearchError as exc:
            return self.error_response(400, req, str(exc))
        table = []
        for r in rows:
            obj = r[root]["_obj"]
            entry = self._exp_row(obj) if root == "session" else dict(
                self._assessor_row(obj), subject_ID=r["subject"]["id"], subject_label=r["subject"]["label"])
            for column, (fam, name, _) in resolved.items():
                entry[column.lower()] = xnat_search.resolve(r, fam, name)
            table.append(entry)
        start = int(req.query.get("offset") or 0) if str(req.query.get("offset") or "0").isdigit() else 0
        limit = req.query.get("limit")
        table = table[start:start + int(limit)] if str(limit or "").isdigit() else table[start:]
        if paths:  # XNAT writes xpath columns lower-cased
            req.query["columns"] = ",".join(c.lower() if "/" in c else c for c in wanted)
        columns = ["ID", "project", "date", "xsiType", "label", "insert_date"]
        if pid or sid or req.query.get("project") or req.query.get("subject_ID"):
            # XNAT names the subject of every row once the listing is narrowed to a project/subject
            columns += ["subject_ID", "subject_label"]
        return self._table(req, table, columns, "Experiments")

    # query parameters of a listing that are not filters
    _NOT_FILTERS = {"format", "columns", "xsiType", "limit", "offset", "sortBy", "sortOrder", "project_id"}

    def _listing_filter(self, req, row, root) -> bool:
        """Whether ``row`` passes every filter parameter (``project=DEMO*``, ``label=``, ``xnat:subjectData/label=``)."""
        for key, value in req.query.items():
            if key in self._NOT_FILTERS or not value:
                continue
            if "/" in key:
                fam, name, _ = xnat_search.split_field(*key.split("/", 1))
            else:
                fam, name = root, key.lower()
                if name == "subject_label":
                    fam, name = "subject", "label"
            have = xnat_search.resolve(row, fam, name)
            if have is None and "/" not in key:
                continue  # XNAT ignores parameters that name no field of the listing
            if not any(xnat_search.wildcard(v, have or "") for v in value.split(",")):
                return False
        return True

    def _search_rows(self, req, root: str, pid=None, scans: bool = False) -> list:
        """Rows of ``root`` objects the caller may read, each ``{family: fields}`` (fields lower-cased)."""
        rows = []
        for project in self._readable(req, pid):
            prow = {"id": project.id, "name": project.name, "description": project.description,
                    "secondary_id": project.id, "_obj": project}
            if root == "project":
                rows.append({"project": prow})
                continue
            for subject in project.subjects:
                srow = {"id": subject.id, "label": subject.label, "project": project.id,
                        "insert_date": "2024-01-01 00:00:00.0", "_obj": subject}
                if root == "subject":
                    rows.append({"project": prow, "subject": srow})
                    continue
                for exp in subject.experiments:
                    erow = {**{k.lower(): v for k, v in self._exp_row(exp).items()}, "modality": "MR",
                            "scanner": "SIEMENS Prisma", "_obj": exp}
                    base = {"project": prow, "subject": srow, "session": erow}
                    if root == "assessor":
                        rows += [dict(base, assessor={**{k.lower(): v for k, v in self._assessor_row(a).items()},
                                                      "imagesession_id": exp.id, "session_label": exp.label,
                                                      "_obj": a})
                                 for a in exp.assessors.values()]
                    elif root == "scan" or scans:
                        rows += [dict(base, scan={**{k.lower(): v for k, v in self._scan_fields(exp, s).items()},
                                                  "xsitype": "xnat:mrScanData", "_obj": s})
                                 for s in exp.scans.values()]
                    else:
                        rows.append(base)
        return rows

    def _search(self, req):
        """``POST /data/search``: a search XML document answered with a ResultSet (``format=`` json, csv, xml)."""
        fmt = wanted_format(req.query)
        if fmt not in FORMATS:
            return self.error_response(415, req, f"Unsupported format {fmt}")
        try:
            bundle = xnat_search.parse_bundle(req.body or b"")
            columns, rows = xnat_search.run(bundle, lambda root, element, scans: self._search_rows(
                req, root, None, scans))
        except xnat_search.SearchError as exc:
            return self.error_response(400, req, str(exc))
        return render_table(rows, columns, fmt, "Search", with_columns=True)

    def _no_resources(self, req):
        # project- and subject-level resources exist in XNAT; the sandbox has none
        return self._table(req, [], _RESOURCE_COLUMNS, "Resources", fixed=True)

    # -- one session and what it holds ------------------------------------------------------------
    def _experiment_for(self, req):
        """``(experiment, error)`` of the request's ``e`` (an ID, or a label within the scope's project)."""
        key, scope = unquote(req.match.group("e")), req.scope
        exp = self.experiments.get(key)
        if exp is None:
            exp = next((e for e in self.experiments.values() if e.label == key and scope in (None, e.project)), None)
        if exp is not None and scope not in (None, exp.project):
            exp = None
        return exp, self._guard(req, self.projects.get(exp.project) if exp else None)

    def _experiment(self, req):
        assessor = self.assessor(unquote(req.match.group("e")), req.scope)
        if assessor is not None:  # an assessor is an experiment too: /data/experiments/<its ID>
            error = self._guard(req, self.projects.get(assessor.project))
            fields = {k: v for k, v in self._assessor_row(assessor).items() if k not in ("URI", "xsiType")}
            return error or render_item(assessor.xsi_type, fields, wanted_format(req.query))
        exp, error = self._experiment_for(req)
        if error:
            return error
        fmt = wanted_format(req.query)
        if fmt == "zip":
            return self._zip([(exp, None, r) for r in exp.resources.values()]
                             + self._scan_resources(exp, list(exp.scans.values())), exp.label)
        fields = {k: v for k, v in self._exp_row(exp).items() if k not in ("URI", "xsiType", "subject_label")}
        scans = [{"field": "scans/scan", "items": [
            {"children": [], "meta": {"xsi:type": "xnat:mrScanData", "isHistory": False},
             "data_fields": self._scan_fields(exp, s)} for s in exp.scans.values()]}] if exp.scans else []
        return render_item("xnat:mrSessionData", fields, fmt, scans)

    @staticmethod
    def _scan_fields(exp, s: XScan) -> dict:
        return {"ID": s.id, "type": s.type, "quality": s.quality, "series_description": s.series_description,
                "image_session_ID": exp.id, "project": exp.project, "xnat_imagescandata_id": _scan_pk(exp, s)}

    @staticmethod
    def _assessor_row(a) -> dict:
        return {"ID": a.id, "session_ID": a.session.id, "project": a.project, "date": a.date, "xsiType": a.xsi_type,
                "label": a.label, "insert_date": "2024-01-01 00:00:00.0",
                "URI": f"/data/experiments/{a.session.id}/assessors/{a.id}"}

    def _assessors(self, req):
        exp, error = self._experiment_for(req)
        if error:
            return error
        xsi = req.query.get("xsiType")
        members = xnat_search.MEMBERS.get(xsi.lower(), {xsi}) if xsi else None
        rows = [self._assessor_row(a) for a in exp.assessors.values() if members is None or a.xsi_type in members]
        return self._table(req, rows, _ASSESSOR_COLUMNS, "Assessors")

    def _assessor_of(self, exp, key):
        key = unquote(key)
        return next((a for a in exp.assessors.values() if key in (a.id, a.label)), None)

    def _assessor(self, req):
        exp, error = self._experiment_for(req)
        if error:
            return error
        a = self._assessor_of(exp, req.match.group("a"))
        if a is None:
            return self.error_response(404, req)
        if wanted_format(req.query) == "zip":
            return self._zip([(exp, a, r) for r in a.resources.values()], a.label)
        fields = {k: v for k, v in self._assessor_row(a).items() if k not in ("URI", "xsiType", "session_ID")}
        fields["imageSession_ID"] = exp.id
        return render_item(a.xsi_type, fields, wanted_format(req.query))

    def _scans_of(self, exp, scan_id):
        if scan_id is None:
            return None  # session level
        if scan_id == "ALL":
            return list(exp.scans.values())
        return [exp.scans[i] for i in unquote(scan_id).split(",") if i in exp.scans]

    def _scans(self, req):
        exp, error = self._experiment_for(req)
        if error:
            return error
        rows = [{**self._scan_fields(exp, s), "xsiType": "xnat:mrScanData", "note": "",
                 "URI": f"/data/experiments/{exp.id}/scans/{s.id}"} for s in exp.scans.values()]
        return self._table(req, rows, ["xnat_imagescandata_id", "ID", "type", "quality", "series_description",
                                       "xsiType", "note"], "Scans")

    def _scan(self, req):
        exp, error = self._experiment_for(req)
        if error:
            return error
        scans = self._scans_of(exp, req.match.group("scan"))
        if len(scans or []) != 1:
            return self.error_response(404, req)
        return render_item("xnat:mrScanData", self._scan_fields(exp, scans[0]), wanted_format(req.query))

    def _scan_resources(self, exp, scans) -> list:
        return [(exp, scan, r) for scan in scans for r in scan.resources.values()]

    def _holders(self, req):
        """``(experiment, [(exp, scan or None, XResource)], error)`` for the request's scan/resource part."""
        exp, error = self._experiment_for(req)
        if error:
            return None, [], error
        assessor_key = req.match.groupdict().get("a")
        scans = self._scans_of(exp, req.match.groupdict().get("scan"))
        if assessor_key:
            assessor = self._assessor_of(exp, assessor_key)
            if assessor is None:
                return exp, [], self.error_response(404, req)
            found = [(exp, assessor, r) for r in assessor.resources.values()]
        elif scans is None:
            found = [(exp, None, r) for r in exp.resources.values()]
        elif not scans:
            return exp, [], self.error_response(404, req)
        else:
            found = self._scan_resources(exp, scans)
        wanted = req.match.groupdict().get("r")
        if wanted and unquote(wanted) != "ALL":
            # a resource is addressed by its label or by its numeric id
            found = [t for t in found if unquote(wanted) in (t[2].label, str(t[2].id))]
            if not found:
                return exp, [], self.error_response(404, req)
        return exp, found, None

    def _resources(self, req):
        exp, found, error = self._holders(req)
        if error:
            return error
        rows = [{"xnat_abstractresource_id": str(r.id), "label": r.label, "element_name": "xnat:resourceCatalog",
                 "category": _category(scan), "cat_id": scan.id if scan else exp.id,
                 "cat_desc": getattr(scan, "series_description", "") if scan else "", "format": r.format,
                 "content": r.content,
                 "tags": "", "file_count": str(len(r.files)), "file_size": str(sum(f.size for f in r.files))}
                for _, scan, r in found]
        # XNAT's resource listing has a fixed column set and no URI (xnatpy builds one from the id)
        return self._table(req, rows, _RESOURCE_COLUMNS, "Resources", fixed=True)

    def _resource(self, req):
        exp, found, error = self._holders(req)
        if error:
            return error
        _, scan, r = found[0]
        fields = {"xnat_abstractresource_id": r.id, "label": r.label, "format": r.format, "content": r.content,
                  "file_count": len(r.files), "file_size": sum(f.size for f in r.files)}
        return render_item("xnat:resourceCatalog", fields, wanted_format(req.query))

    @staticmethod
    def _file_uri(exp, scan, r: XResource, xfile: XFile) -> str:
        # not URL-encoded: XNAT writes the catalog path as it is (sub-folders included)
        return f"/data/experiments/{exp.id}{_holder_path(scan)}/resources/{r.id}/files/{xfile.name}"

    def _files(self, req):
        exp, found, error = self._holders(req)
        if error:
            return error
        fmt = wanted_format(req.query)
        if fmt == "zip":
            return self._zip(found, f"{exp.label}_scans" if req.match.group("scan") else
                             found[0][1].label if req.match.group("a") and found else exp.label)
        rows = [{"Name": f.basename, "Size": str(f.size), "URI": self._file_uri(e, scan, r, f),
                 "collection": r.label, "file_tags": "", "file_format": r.format,
                 "file_content": f.file_content or r.content,
                 "cat_ID": str(r.id), "digest": self.md5(f) if self.digests else ""}
                for e, scan, r in found for f in r.files]
        return self._table(req, rows, ["Name", "Size", "URI", "collection", "file_tags", "file_format",
                                       "file_content", "cat_ID", "digest"], "Files", fixed=True, with_columns=True)

    def _zip(self, found, stem):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            for exp, scan, r in found:
                # XNAT puts archive members under <session>/scans/<scan>-<type>/resources/<label>/files/<path>
                if isinstance(scan, XAssessor):
                    where = f"assessors/{scan.label}/out/"
                else:
                    where = f"scans/{scan.id}-{scan.type}/" if scan else ""
                for f in r.files:
                    safe = "/".join(p for p in f.name.split("/") if p not in ("", ".", ".."))
                    zf.writestr(f"{exp.label}/{where}resources/{r.label}/files/{safe}", self.content(f))
        return Response(200, buf.getvalue(), "application/zip",
                        {"Content-Disposition": f'attachment; filename="{stem}.zip"'})

    def _file(self, req):
        exp, found, error = self._holders(req)
        if error:
            return error
        path = unquote(req.match.group("name"))
        xfile = next((f for _, _, r in found for f in r.files if f.name == path), None)
        if xfile is None:
            return self.error_response(404, req)
        data = self.content(xfile)
        headers = {"Accept-Ranges": "bytes",
                   "Content-Disposition": f'attachment; filename="{quote(xfile.basename)}"'}
        ctype = _CONTENT_TYPES.get(PurePosixPath(xfile.basename.lower()).suffix, "application/octet-stream")
        rng = req.headers.get("Range", "")
        if rng.startswith("bytes=") and rng[6:].split("-")[0].isdigit():
            start = int(rng[6:].split("-")[0])
            if start < len(data):
                headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
                return Response(206, data[start:], ctype, headers)
        return Response(200, data, ctype, headers)


# the search data types (``/data/search/elements``) and a few display fields of each
DISPLAY_FIELDS = {
    "xnat:projectData": ("Project", ["ID", "NAME", "DESCRIPTION", "PI"]),
    "xnat:subjectData": ("Subject", ["SUBJECT_ID", "SUBJECT_LABEL", "PROJECT", "INSERT_DATE"]),
    "xnat:mrSessionData": ("MR Session", ["SESSION_ID", "LABEL", "SUBJECT_ID", "PROJECT", "DATE", "SCANNER"]),
    "xnat:mrScanData": ("MR Scan", ["ID", "TYPE", "QUALITY", "SERIES_DESCRIPTION"]),
}

_CONTENT_TYPES = {".dcm": "application/dicom", ".gif": "image/gif", ".png": "image/png", ".txt": "text/plain"}
# Restlet 1.1's default descriptions: the <h3> of its status page when XNAT gives no reason of its own
_RESTLET_REASONS = {
    400: "The request could not be understood by the server due to malformed syntax",
    401: "The request requires user authentication",
    403: "The server understood the request, but is refusing to fulfill it",
    404: "The server has not found anything matching the request URI",
    405: "The method specified in the request is not allowed for the resource identified by the request URI",
    415: "The server is refusing to service the request because the entity of the request is in a format not "
         "supported by the requested resource for the requested method",
    500: "The server encountered an unexpected condition which prevented it from fulfilling the request",
}
_RFC_SECTIONS = {400: "10.4.1", 401: "10.4.2", 403: "10.4.4", 404: "10.4.5", 405: "10.4.6", 415: "10.4.16",
                 500: "10.5.1"}
_ASSESSOR_COLUMNS = ["ID", "session_ID", "project", "date", "xsiType", "label", "insert_date"]

_RESOURCE_COLUMNS = ["xnat_abstractresource_id", "label", "element_name", "category", "cat_id", "cat_desc",
                     "format", "content", "tags", "file_count", "file_size"]


def _category(holder) -> str:
    return "assessors" if isinstance(holder, XAssessor) else "scans" if holder else "resources"


def _holder_path(holder) -> str:
    """The part of a resource's path naming what holds it: a scan, an assessor ("out" resources) or the session."""
    if isinstance(holder, XAssessor):
        return f"/assessors/{holder.id}/out"
    return f"/scans/{holder.id}" if holder else ""


def _scan_pk(exp, scan) -> str:
    return str(int(exp.id.rsplit("E", 1)[-1]) * 100 + int(scan.id)) if scan.id.isdigit() else f"{exp.id}-{scan.id}"
