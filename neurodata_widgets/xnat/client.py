"""XNAT client: log in through xnatpy, list each tree level with one request, build file manifests.

The login is xnatpy's (``xnat.connect(..., no_parse_model=True)``: redirect detection,
JSESSION, version check); listings and downloads then reuse that JSESSION on a
:func:`neurodata_widgets.http.session` (the project's retry/timeout policy, pooled for
parallel downloads). Every listing is one request asking only for the columns shown and
comes back as a :class:`pandas.DataFrame`.

Credentials follow datalad-xnat: a user/password, ``credential="anonymous"``, or a named
credential from DataLad's store (default name: the URL's host part), see
:mod:`neurodata_widgets.auth.credentials`.

Examples
--------
>>> from neurodata_widgets.xnat.client import XnatClient
>>> xnat = sandbox.info()["xnat"]                                 # the sandbox's stand-in XNAT
>>> client = XnatClient(xnat["url"])
>>> client.login("demo", xnat["password"])
'demo'
>>> list(client.subjects("DEMO_PUBLIC")["label"][:2])
['sub-001', 'sub-002']
"""
from __future__ import annotations

import logging
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from .. import errors
from ..auth.credentials import ANONYMOUS, CredentialStore, credential_name
from ..config import running_sandbox, setting

log = logging.getLogger(__name__)

MANIFEST_COLUMNS = ["project", "subject", "session", "experiment", "scan", "assessor", "resource", "name", "size",
                    "md5", "uri", "url"]
# .../experiments/E[/scans/S | /assessors/A[/out]]/resources/<id or label>/files/<catalog path, sub-folders kept>
_FILE_URI = re.compile(r"/experiments/(?P<e>[^/]+)(?:/scans/(?P<scan>[^/]+)|/assessors/(?P<a>[^/]+)(?:/(?:out|in))?)?"
                       r"/resources/(?P<r>[^/]+)/files/(?P<n>.+)$")
# what a user calls XNAT's assessor types
ASSESSOR_KINDS = {"fs:fsData": "FreeSurfer", "xnat:qcAssessmentData": "QC", "xnat:qcManualAssessorData": "manual QC",
                  "proc:genProcData": "processing", "xnat:imageAssessorData": "assessor"}


def default_url(value: str | None = None) -> str | None:
    """The XNAT a dashboard talks to: argument, ``?xnat=``, ``$NDW_XNAT_URL``, the chosen sandbox, else ``None``.

    With nothing configured there is no server: the login form asks for its address.
    """
    from ..config import query_params

    sandbox = running_sandbox()  # first: a chosen sandbox that stopped says so (SandboxGone)
    return setting("xnat_url", value or query_params().get("xnat")) or sandbox.get("xnat", {}).get("url")


def ensure_url(value: str | None = None) -> str:
    """:func:`default_url`, or ``""`` when nothing is configured (never a stand-in started by itself)."""
    return default_url(value) or ""


def _translate(exc):
    """Word xnatpy's exceptions like every other error in the toolkit."""
    import requests

    if isinstance(exc, requests.exceptions.ConnectionError) and "timed out" in str(exc):
        # the retry policy wraps a read timeout into a ConnectionError; it is still a timeout
        return errors.describe(TimeoutError(str(exc)))
    try:
        from xnat import exceptions as xe
    except ImportError:  # pragma: no cover
        return None
    if isinstance(exc, xe.XNATLoginFailedError):
        return errors.describe_status(401)
    if isinstance(exc, xe.XNATExpiredCredentialsError):
        return ("Your XNAT password has expired.", "Update it on the XNAT web site, then log in again.")
    if isinstance(exc, xe.XNATResponseError) and getattr(exc, "response", None) is not None:
        return errors.describe_status(exc.response.status_code)
    if isinstance(exc, xe.XNATConnectionError):
        return ("Could not reach the XNAT server.", "Check the address and your network, or whether the server is up.")
    if isinstance(exc, xe.XNATAuthError):
        return ("The server did not confirm the login; it may not be an XNAT server.", "Check the server address.")
    return None


errors.register(_translate)


@dataclass(frozen=True)
class Node:
    """One item of the XNAT tree, enough to list its children and build its manifest.

    ``level`` is ``project``, ``subject``, ``experiment``, ``scan``, ``assessor``, ``resource`` or ``file``.
    An assessor (derived data of a session: FreeSurfer, QC) stands where a scan would: its ID is
    ``assessor`` (its label in ``info["label"]``), and its resources and files carry that ID too.
    """

    level: str
    project: str
    subject: str = ""  # subject label
    experiment: str = ""  # experiment (session) ID
    session: str = ""  # experiment label
    scan: str = ""
    resource: str = ""
    name: str = ""
    assessor: str = ""  # assessor ID (the node is an assessor, or one of its resources or files)
    info: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        holder = self.scan or (f"assessors:{self.assessor}" if self.assessor else "")
        parts = [self.project, self.subject, self.experiment, holder, self.resource, self.name]
        depth = LEVELS.index("scan" if self.level == "assessor" else self.level) + 1
        return "/".join(p for p in parts[:depth] if p)


LEVELS = ["project", "subject", "experiment", "scan", "resource", "file"]


class XnatClient:
    """A logged-in (or anonymous) connection to one XNAT server.

    Parameters
    ----------
    url : str, optional
        Server URL (default :func:`default_url`).
    store : CredentialStore, optional
        Where named credentials are read and saved.
    timeout : float or tuple
        ``(connect, read)`` seconds for every request.
    """

    def __init__(self, url: str | None = None, store: CredentialStore | None = None, timeout=(5.0, 30.0)):
        self.url = (default_url(url) or "").rstrip("/")
        self.store = store or CredentialStore()
        self.timeout = timeout
        self.user: str | None = None  # None: not logged in; "guest": anonymous
        self.credential_name: str | None = None
        self._xnat = None
        self._http = None
        self._base = self.url
        self._listeners: list = []
        self._login = None  # (user, password) while logged in as a user
        self._renewal = threading.Lock()
        self._renewing = threading.local()

    def on_session(self, callback) -> None:
        """Call ``callback(client)`` after every login and logout (widgets sharing a client follow it)."""
        if callback not in self._listeners:
            self._listeners.append(callback)

    def _notify(self) -> None:
        for callback in list(self._listeners):
            try:
                callback(self)
            except Exception:  # a broken listener must not break the login
                log.exception("session listener failed")

    # -- session ------------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._http is not None

    def login(self, user: str | None = None, password: str | None = None, *, anonymous: bool = False,
              credential: str | None = None, remember: bool = False, url: str | None = None,
              still_wanted=None) -> str:
        """Log in and return the user name XNAT reports (``"guest"`` when anonymous).

        Without ``user``/``password`` the named ``credential`` (default: the URL's host) is looked
        up in DataLad's credential store; ``credential="anonymous"`` or ``anonymous=True`` logs in
        as guest. ``remember=True`` saves a user/password under the credential name. ``still_wanted()``
        is asked once the server answered: ``False`` (the user cancelled meanwhile) ends the new session and
        leaves the client as it was, so a late answer never replaces a newer login.
        """
        import xnat

        if url:
            self.url = self._base = url.rstrip("/")
        if not self.url:
            raise errors.UserError("No XNAT server address given.", "Enter the server URL, e.g. https://xnat.example.org.")
        if not urlsplit(self.url).scheme.startswith("http") or not urlsplit(self.url).netloc:
            raise errors.UserError(f"That is not a valid server address: {self.url}.",
                                   "Use a full URL such as https://xnat.example.org.")
        name = credential or credential_name(self.url)
        anonymous = anonymous or name == ANONYMOUS
        if anonymous:
            user = password = None
        elif not user:
            stored = self.saved_login(name)
            if stored is None:
                if credential:
                    raise errors.UserError(f"No credential named {credential!r} is stored.",
                                           "Log in with user name and password and tick 'remember'.")
                anonymous, user, password = True, None, None
            else:
                user, password = stored["user"], stored["password"]
        elif not password:
            stored = self.saved_login(name)
            if not stored or stored["user"] != user:
                raise errors.UserError("Enter a password (or log in anonymously).",
                                       "Tick 'remember' to keep it in the DataLad credential store.")
            password = stored["password"]
        try:
            session = xnat.connect(self.url, user=user, password=password, no_parse_model=True,
                                   logger=logging.getLogger("neurodata_widgets.xnat.xnatpy"),
                                   default_timeout=self.timeout, pilot_timeout=self.timeout,
                                   # anonymous means no credentials: not even a ~/.netrc entry
                                   netrc_file=os.devnull if anonymous else None)
        except Exception as exc:
            if not _is_unreachable(exc) and not looks_like_xnat(self.url, self.timeout):
                raise errors.UserError(f"{self.url} does not look like an XNAT server.",
                                       "Check the address: use the XNAT's home page, e.g. https://xnat.example.org "
                                       "(without /data or /app/...).") from exc
            raise
        if still_wanted is not None and not still_wanted():
            try:
                session.disconnect()
            except Exception:
                log.debug("ending an unwanted XNAT session failed", exc_info=True)
            raise errors.UserError("The login was cancelled.", "Log in again when the server answers.")
        self.logout()
        if remember and user and not anonymous:
            self.store.save(name, user, password, realm=self.url)
        self._xnat = session
        self._base = getattr(session, "_effective_uri", self.url).rstrip("/")
        from ..http import session as http_session

        self._http = http_session(timeout=self.timeout)
        self._http.cookies.update(session.interface.cookies)
        if not session.interface.cookies.get("JSESSIONID") and user:
            self._http.auth = (user, password)  # XNAT without JSESSION support: basic auth on every request
        # kept in memory only, to renew an expired JSESSION (XNAT forgets idle sessions after ~15 min)
        self._login = (user, password) if user and not anonymous else None
        self._http.hooks["response"].append(self._renew_expired_session)
        self.user = session.logged_in_user or ("guest" if anonymous else user)
        self.credential_name = ANONYMOUS if anonymous else name
        self._notify()
        return self.user

    def logout(self) -> None:
        """End the XNAT session (ignores a server that is already gone)."""
        # the local session ends first: a slow server answering the logout late never ends a newer login
        session, http = self._xnat, self._http
        self._xnat = self._http = None
        self._login = None
        self.user = None
        if http is not None:
            http.close()
            self._notify()
        if session is not None:
            try:
                session.disconnect()
            except Exception:  # the server may be down; the local session has ended regardless
                log.debug("XNAT logout failed", exc_info=True)

    def saved_login(self, name: str | None = None) -> dict | None:
        """The login stored in DataLad's credential store for ``name`` (default: this server's), else ``None``."""
        return self.store.get(name or credential_name(self.url))

    # -- requests -----------------------------------------------------------------------------------
    @property
    def http(self):
        if self._http is None:
            raise errors.UserError("Not logged in to XNAT.", "Log in first (anonymously if the server allows).")
        return self._http

    def file_url(self, uri: str) -> str:
        """The URL of a listed file URI (XNAT writes catalog paths unencoded: encode each segment)."""
        if not uri.startswith("/"):
            return uri
        segments = [quote(unquote(p), safe="@!$&'()*+,;=:~-._") for p in uri.split("/")]
        # a literal "." or ".." in a catalog path must reach the server, not be folded away by the URL
        return self._base + "/".join(p.replace(".", "%2E") if p in (".", "..") else p for p in segments)

    def get_json(self, path: str, **params) -> dict:
        """GET ``path`` as JSON; HTTP errors raise :class:`requests.HTTPError` (worded by ``errors.describe``)."""
        params = {k: v for k, v in params.items() if v not in (None, "")}
        params["format"] = "json"
        response = self.http.get(self._base + path, params=params)
        response.raise_for_status()
        if "json" not in response.headers.get("Content-Type", ""):
            raise errors.UserError("XNAT answered with a web page instead of data; the session may have expired.",
                                   "Log in again.")
        return response.json()

    def _renew_expired_session(self, response, *args, **kwargs):
        """Response hook: when XNAT no longer knows our JSESSION, log in again and repeat the request.

        XNAT does not refuse a forgotten session: it opens a new guest one (a new ``JSESSIONID``
        cookie) and answers as to a guest, so private projects would silently vanish. Without
        guest access it answers 401 instead.
        """
        sent = _cookie(response.request.headers.get("Cookie", ""), "JSESSIONID")
        replaced = response.cookies.get("JSESSIONID")
        expired = sent and ((replaced and replaced != sent) or response.status_code == 401)
        if not expired or self._login is None or getattr(self._renewing, "active", False):
            return response
        self._renewing.active = True
        try:
            with self._renewal:
                if self._http.cookies.get("JSESSIONID") in (None, sent):  # not yet renewed by another thread
                    log.info("XNAT session expired; logging in again as %s", self._login[0])
                    answer = self._http.post(self._base + "/data/JSESSION", auth=self._login)
                    if answer.status_code != 200 or not self._http.cookies.get("JSESSIONID"):
                        raise errors.UserError("Your XNAT session has expired and renewing it failed "
                                               f"(HTTP {answer.status_code}): please log in again.",
                                               "Log in again (your password may have changed).")
            retry = response.request.copy()
            retry.headers.pop("Cookie", None)
            retry.prepare_cookies(self._http.cookies)
            response.close()
            return self._http.send(retry, **kwargs)
        finally:
            self._renewing.active = False

    def result_set(self, path: str, **params):
        import pandas as pd

        rows = self.get_json(path, **params).get("ResultSet", {}).get("Result", [])
        return pd.DataFrame(rows)

    @staticmethod
    def _frame(frame, mapping: dict, numeric=()):
        import pandas as pd

        out = pd.DataFrame({new: frame[old] if old in frame else pd.Series([""] * len(frame), dtype=object)
                            for old, new in mapping.items()})
        for col in numeric:
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
        return out

    # -- tree levels (one request each) -------------------------------------------------------------------
    def projects(self):
        """Projects this user can see: ``id, name, description, accessibility`` (empty: XNAT does not list it)."""
        frame = self.result_set("/data/projects", columns="ID,name,description")
        return self._frame(frame, {"ID": "id", "name": "name", "description": "description",
                                   "accessibility": "accessibility"})

    def subjects(self, project: str):
        """Subjects of a project: ``id, label, project``."""
        frame = self.result_set(f"/data/projects/{project}/subjects", columns="ID,label,project")
        return self._frame(frame, {"ID": "id", "label": "label", "project": "project"})

    def experiments(self, project: str, subject: str | None = None):
        """Experiments (sessions) of a project, or of one subject (its label or ID).

        Columns ``id, label, subject_id, subject_label, date, xsi_type``.
        """
        # the project-scoped routes: every XNAT has them, and they accept a subject's label
        where = f"/data/projects/{project}" + (f"/subjects/{subject}" if subject else "")
        frame = self.result_set(where + "/experiments", columns="ID,label,subject_ID,subject_label,date,xsiType")
        return self._frame(frame, {"ID": "id", "label": "label", "subject_ID": "subject_id",
                                   "subject_label": "subject_label", "date": "date", "xsiType": "xsi_type"})

    def experiment(self, experiment: str) -> dict:
        """The data fields of one experiment."""
        items = self.get_json(f"/data/experiments/{experiment}").get("items", [])
        return items[0].get("data_fields", {}) if items else {}

    def scans(self, experiment: str):
        """Scans of a session: ``id, type, quality, series_description``."""
        frame = self.result_set(f"/data/experiments/{experiment}/scans")
        return self._frame(frame, {"ID": "id", "type": "type", "quality": "quality",
                                   "series_description": "series_description"})

    def assessors(self, experiment: str):
        """Assessors of a session (derived data: FreeSurfer, QC, ...): ``id, label, xsi_type, kind, date``."""
        frame = self.result_set(f"/data/experiments/{experiment}/assessors")
        out = self._frame(frame, {"ID": "id", "label": "label", "xsiType": "xsi_type", "date": "date"})
        out.insert(3, "kind", [ASSESSOR_KINDS.get(t, t) for t in out["xsi_type"]])
        return out

    @staticmethod
    def _holder(experiment: str, scan: str | None = None, assessor: str | None = None) -> str:
        """The path of what holds resources: a scan, an assessor (its "out" resources) or the session."""
        if assessor:
            return f"/data/experiments/{experiment}/assessors/{assessor}/out"
        return f"/data/experiments/{experiment}" + (f"/scans/{scan}" if scan else "")

    def resources(self, experiment: str, scan: str | None = None, assessor: str | None = None):
        """Resources of a scan, of an assessor (``assessor=`` its ID), or of the session itself (``scan=None``).

        Columns ``id, label, format, file_count, file_size``.
        """
        where = self._holder(experiment, scan, assessor)
        frame = self.result_set(where + "/resources")
        return self._frame(frame, {"xnat_abstractresource_id": "id", "label": "label", "format": "format",
                                   "file_count": "file_count", "file_size": "file_size"},
                           numeric=("file_count", "file_size"))

    def session_contents(self, experiment: str):
        """What a session holds: ``(scans, resources, assessors)``, its scans, its own (session-level)
        resources and its assessors.

        The three listings are asked for at once, so a slow server costs one round trip, not three.
        """
        with ThreadPoolExecutor(max_workers=3, thread_name_prefix="ndw-xnat-session") as pool:
            scans = pool.submit(self.scans, experiment)
            resources = pool.submit(self.resources, experiment)
            assessors = pool.submit(self.assessors, experiment)
            return scans.result(), resources.result(), assessors.result()

    def files(self, experiment: str, scan: str | None = "ALL", resource: str | None = None,
              assessor: str | None = None):
        """Files of a session's scans (``scan="ALL"``), of some scans (``"1,3"``), of one resource, of a
        session-level resource (``scan=None``), or of an assessor (``assessor=`` its ID; all its resources).

        Columns ``scan, assessor, resource, name, size, md5, format, content, uri``; ``name`` is the file's path in
        its resource's catalog (sub-folders kept, so it is unique within the resource); ``assessor`` is the ID
        of the assessor holding it (else empty).
        """
        path = self._holder(experiment, scan, assessor)
        path += f"/resources/{resource}" if resource else ""
        frame = self.result_set(path + "/files")
        out = self._frame(frame, {"Name": "name", "Size": "size", "digest": "md5", "collection": "resource",
                                  "file_format": "format", "file_content": "content", "URI": "uri"},
                          numeric=("size",))
        # the scan and the catalog path come from the URI: Name is only the base name
        parsed = [parse_file_uri(u or "") for u in out["uri"]]
        out["name"] = [p.get("name") or n for p, n in zip(parsed, out["name"])]
        out.insert(0, "scan", [p.get("scan") or "" for p in parsed])
        out.insert(1, "assessor", [p.get("assessor") or "" for p in parsed])
        return out

    def session_files(self, experiment: str):
        """Files of a session's own resources (not a scan's): one listing, plus one per non-empty resource."""
        import pandas as pd

        resources = self.resources(experiment)
        frames = [self.files(experiment, None, str(r["id"] or r["label"]))
                  for _, r in resources.iterrows() if (r["file_count"] is pd.NA or r["file_count"])]
        return pd.concat(frames, ignore_index=True) if frames else self.files_frame()

    @staticmethod
    def files_frame():
        import pandas as pd

        return pd.DataFrame(columns=["scan", "assessor", "name", "size", "md5", "resource", "format", "content",
                                     "uri"])

    def assessor_files(self, experiment: str):
        """Files of every assessor of a session (one listing per assessor), ``assessor`` its label."""
        import pandas as pd

        assessors = self.assessors(experiment)
        frames = []
        for _, a in assessors.iterrows():
            frame = self.files(experiment, None, None, a["id"])
            frame["assessor"] = a["label"] or a["id"]
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else self.files_frame()

    # -- search -------------------------------------------------------------------------------------------
    def search_sessions(self, project=None, subject=None, modality=None, date_from=None, date_to=None):
        """Sessions matching every given criterion, across the projects this account may read: one request to
        XNAT's search engine (``POST /data/search``).

        ``project`` and ``subject`` (a label or an ID) may hold ``*`` wildcards; ``modality`` is a DICOM code
        (``MR``, ``PET``, ``CT``...); ``date_from``/``date_to`` (``YYYY-MM-DD`` or dates) bound the session date,
        both ends included. Columns ``id, label, project, subject_id, subject_label, date, modality, xsi_type``.
        """
        from .search import search_document, sessions_frame

        body = search_document(project, subject, modality, date_from, date_to)
        response = self.http.post(self._base + "/data/search", params={"format": "json"}, data=body,
                                  headers={"Content-Type": "text/xml"})
        response.raise_for_status()
        if "json" not in response.headers.get("Content-Type", ""):
            raise errors.UserError("XNAT answered the search with a web page instead of data; the session may "
                                   "have expired.", "Log in again.")
        return sessions_frame(response.json().get("ResultSet", {}).get("Result", []))

    # -- manifests ----------------------------------------------------------------------------------------
    def manifest(self, selection, workers: int = 4) -> "pd.DataFrame":  # noqa: F821
        """Every file under the selected nodes: per session, one listing of its scans' files and one of its resources.

        ``selection`` is a list of :class:`Node`; ``workers`` sessions are listed at a time. Columns: ``project, subject, session,
        experiment, scan, assessor, resource, name, size, md5, uri, url`` (one row per file, no duplicates). A whole
        session includes its session-level resources (``scan`` empty) and its assessors' files (``assessor`` the
        assessor's label); ``name`` is the path in the resource's catalog.
        """
        import pandas as pd

        frames, sessions = [], {}  # experiment ID -> (project, subject, session label, scan ids or None)
        for node in selection:
            if node.level == "project":
                exps = self.experiments(node.project)
                for _, e in exps.iterrows():
                    sessions[e["id"]] = (node.project, e["subject_label"], e["label"], None)
            elif node.level == "subject":
                exps = self.experiments(node.project, node.subject)
                for _, e in exps.iterrows():
                    sessions[e["id"]] = (node.project, node.subject, e["label"], None)
            elif node.level == "experiment":
                sessions[node.experiment] = (node.project, node.subject, node.session, None)
            elif node.level == "scan":
                entry = sessions.setdefault(node.experiment, (node.project, node.subject, node.session, set()))
                if entry[3] is not None:
                    entry[3].add(node.scan)
            elif node.level == "assessor" or (node.level == "resource" and node.assessor):
                frame = self.files(node.experiment, None, node.resource or None, node.assessor)
                label = node.info.get("label") if node.level == "assessor" else node.info.get("assessor_label")
                frame["assessor"] = label or node.assessor
                frames.append(self._label(frame, node.project, node.subject, node.session, node.experiment))
            elif node.level == "resource":
                frame = self.files(node.experiment, node.scan or None, node.resource)
                frames.append(self._label(frame, node.project, node.subject, node.session, node.experiment))
            elif node.level == "file":
                info = dict(node.info)
                frames.append(pd.DataFrame([{"project": node.project, "subject": node.subject,
                                             "session": node.session, "experiment": node.experiment,
                                             "scan": node.scan, "resource": node.resource, "name": node.name,
                                             "assessor": info.get("assessor_label") or node.assessor,
                                             "size": info.get("size"), "md5": info.get("md5", ""),
                                             "uri": info.get("uri", "")}]))
        def session_files(item):
            import pandas as pd

            exp, (project, subject, label, scans) = item
            scan_spec = "ALL" if scans is None else ",".join(sorted(scans, key=_natural))
            frame = self.files(exp, scan_spec)
            if scans is None:  # the whole session: its own resources and its assessors' files too
                frame = pd.concat([frame, self.session_files(exp), self.assessor_files(exp)], ignore_index=True)
            return self._label(frame, project, subject, label, exp)

        # sessions are independent: a few in flight at once hide the server's latency
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="ndw-xnat-manifest") as pool:
            frames += list(pool.map(session_files, sessions.items()))
        if not frames:
            return pd.DataFrame(columns=MANIFEST_COLUMNS)
        out = pd.concat(frames, ignore_index=True)
        out = out.drop_duplicates("uri").reset_index(drop=True)
        out["url"] = [self.file_url(u) for u in out["uri"]]
        out["size"] = pd.to_numeric(out["size"], errors="coerce").astype("Int64")
        out["assessor"] = out["assessor"].fillna("") if "assessor" in out else ""
        return out[MANIFEST_COLUMNS]

    @staticmethod
    def _label(frame, project, subject, session, experiment):
        frame = frame.copy()
        frame.insert(0, "experiment", experiment)
        frame.insert(0, "session", session)
        frame.insert(0, "subject", subject)
        frame.insert(0, "project", project)
        return frame


def _natural(text: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def parse_file_uri(uri: str) -> dict:
    """``{experiment, scan, assessor, resource, name}`` of a file URI (``scan`` and ``assessor`` empty for a
    session-level resource).

    >>> parse_file_uri("/data/experiments/E1/scans/2/resources/17/files/runA/0001.dcm")["name"]
    'runA/0001.dcm'
    """
    m = _FILE_URI.search(uri)
    if not m:
        return {}
    return {"experiment": m["e"], "scan": m["scan"] or "", "assessor": m["a"] or "", "resource": m["r"],
            "name": unquote(m["n"])}


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _is_unreachable(exc) -> bool:
    import requests

    try:
        from xnat.exceptions import XNATConnectionError
    except ImportError:  # pragma: no cover
        XNATConnectionError = ()
    return isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout, XNATConnectionError))


def looks_like_xnat(url: str, timeout=(5.0, 30.0)) -> bool:
    """Whether ``url`` answers like an XNAT: its build info, its login/home page, or its Basic realm.

    Asked only after a login failed, to tell "wrong password" from "this is not an XNAT".
    """
    import requests

    try:
        info = requests.get(url.rstrip("/") + "/xapi/siteConfig/buildInfo", timeout=timeout)
        if info.ok and "json" in info.headers.get("Content-Type", "") and "version" in info.json():
            return True
        if "xnat" in info.headers.get("WWW-Authenticate", "").lower():
            return True
        home = requests.get(url.rstrip("/") + "/", timeout=timeout)
        return "/app/template/" in home.url or "xnat" in home.text[:20000].lower()
    except (requests.RequestException, ValueError):
        return False
