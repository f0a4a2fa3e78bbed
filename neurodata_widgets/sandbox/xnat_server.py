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
  ``format=zip`` archives of a scan, a resource or a session.

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
from urllib.parse import quote, unquote

from .runner import Response, Service, json_response, text_response
from .xnat_data import XExperiment, XFile, XnatArchive, XProject, XResource, XScan, XSubject
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
        Subjects per project, sessions per subject, scans per session, files per scan.
    file_size : int
        Approximate size in bytes of each generated file.
    guest : bool
        Whether anonymous (guest) access is enabled.
    digests : bool
        Whether file listings carry md5 digests.
    session_resources : bool
        Whether every session has a resource of its own (``QC``), besides its scans' resources.
    session_timeout : float
        Seconds of inactivity after which a JSESSION is forgotten (XNAT's default: 15 minutes).
    """

    name = "xnat"
    _E = r"^/data/experiments/(?P<e>[^/]+)"
    _R = r"(?:/scans/(?P<scan>[^/]+))?"
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
        ("GET", _E + _R + r"/resources/?$", "_resources"),
        ("GET", _E + _R + r"/resources/(?P<r>[^/]+)/?$", "_resource"),
        ("GET", _E + _R + r"(?:/resources/(?P<r>[^/]+))?/files/?$", "_files"),
        ("GET", _E + _R + r"/resources/(?P<r>[^/]+)/files/(?P<name>.+)$", "_file"),
    ]

    def __init__(self, seed: int = 0, projects=None, subjects: int = 3, sessions: int = 2, scans: int = 3,
                 files: int = 2, file_size: int = 2048, guest: bool = True, digests: bool = True,
                 session_timeout: float = 900.0, session_resources: bool = False, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.guest = guest
        self.session_timeout = session_timeout
        self.users = {"demo": {"password": secrets.token_urlsafe(12), "projects": "*"},
                      "visitor": {"password": secrets.token_urlsafe(12), "projects": set()}}
        self.sessions: dict = {}  # JSESSIONID -> [user name or None (guest), last use]
        if projects is None:
            projects = [("DEMO_PUBLIC", "public"), ("DEMO_PROTECTED", "protected"), ("DEMO_PRIVATE", "private")]
        self.build_archive(seed, projects, subjects, sessions, scans, files, file_size, digests, session_resources)

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
        """Errors as XNAT 1.8 sends them: under ``/data`` Restlet's status page (the reason in ``<h3>``,
        which xnatpy and pyxnat read), elsewhere Tomcat 9's."""
        phrase = HTTPStatus(status).phrase
        message = html.escape(message or phrase)  # it may echo the request
        headers = dict(headers or {})
        if status == 401:
            headers.setdefault("WWW-Authenticate", 'Basic realm="XNAT"')
        if req.path.startswith("/data/"):
            body = (f"<html>\n<head>\n   <title>Status page</title>\n</head>\n<body>\n<h3>{message}</h3>"
                    f"<p>{phrase}</p>\n</body>\n</html>\n")
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
        groups = req.match.groupdict()
        pid = groups.get("p") or req.query.get("project")
        sid = groups.get("s") or req.query.get("subject_ID") or req.query.get("subject_label")
        projects = self._readable(req, pid)
        if groups.get("s") and groups.get("p") and projects and not self._find_subject(req, sid, pid):
            return self.error_response(404, req)
        rows = []
        for project in projects:
            for subject in project.subjects:
                if sid and unquote(sid) not in (subject.id, subject.label):
                    continue
                rows += [self._exp_row(e) for e in subject.experiments]
        columns = ["ID", "project", "date", "xsiType", "label", "insert_date"]
        if pid or sid:  # XNAT names the subject of every row once the listing is narrowed to a project/subject
            columns += ["subject_ID", "subject_label"]
        return self._table(req, rows, columns, "Experiments")

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
        scans = self._scans_of(exp, req.match.groupdict().get("scan"))
        if scans is None:
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
                 "category": "scans" if scan else "resources", "cat_id": scan.id if scan else exp.id,
                 "cat_desc": scan.series_description if scan else "", "format": r.format, "content": r.content,
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
        base = f"/data/experiments/{exp.id}" + (f"/scans/{scan.id}" if scan else "")
        return f"{base}/resources/{r.id}/files/{xfile.name}"

    def _files(self, req):
        exp, found, error = self._holders(req)
        if error:
            return error
        fmt = wanted_format(req.query)
        if fmt == "zip":
            return self._zip(found, f"{exp.label}_scans" if req.match.group("scan") else exp.label)
        rows = [{"Name": f.basename, "Size": str(f.size), "URI": self._file_uri(e, scan, r, f),
                 "collection": r.label, "file_tags": "", "file_format": r.format, "file_content": r.content,
                 "cat_ID": str(r.id), "digest": self.md5(f) if self.digests else ""}
                for e, scan, r in found for f in r.files]
        return self._table(req, rows, ["Name", "Size", "URI", "collection", "file_tags", "file_format",
                                       "file_content", "cat_ID", "digest"], "Files", fixed=True, with_columns=True)

    def _zip(self, found, stem):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            for exp, scan, r in found:
                # XNAT puts archive members under <session>/scans/<scan>-<type>/resources/<label>/files/<path>
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
        ctype = "application/dicom" if xfile.basename.lower().endswith(".dcm") else "application/octet-stream"
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

_RESOURCE_COLUMNS = ["xnat_abstractresource_id", "label", "element_name", "category", "cat_id", "cat_desc",
                     "format", "content", "tags", "file_count", "file_size"]


def _scan_pk(exp, scan) -> str:
    return str(int(exp.id.rsplit("E", 1)[-1]) * 100 + int(scan.id)) if scan.id.isdigit() else f"{exp.id}-{scan.id}"
