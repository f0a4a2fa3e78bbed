"""``git-annex-remote-globus``: a maintained drop-in for CONP's special remote of that name.

CONP datasets were made with ``git annex initremote globus type=external externaltype=globus
encryption=none endpoint=<collection name> fileprefix=<prefix>`` and register each file under a
``globus://<name lower case>/<prefix>/<path>`` URL (see :mod:`.conp`). This program speaks the
same protocol to git-annex with the same settings, so after ``pip install neurodata-widgets``::

    git-annex-remote-globus setup          # log in to Globus once (the toolkit's login)
    git annex enableremote globus          # in a clone of the dataset
    datalad get path/to/file

* The login is the toolkit's Globus login (:class:`~.client.GlobusClient`, one token file,
  mode 0600): logging in from a notebook widget serves the command line too, and back.
* The collection is found by its name with Transfer's endpoint search (or by id).
* CHECKPRESENT lists the file's folder with Transfer's ls and compares the size.
* TRANSFER-RETRIEVE downloads from the collection's HTTPS server: anonymously when the
  collection is public, otherwise with a token of the collection's HTTPS scope, sent only
  to that collection's server. Progress goes to git-annex as it arrives.
* Read-only, like the original: storing or removing content is refused with a message.
* One process serves a whole git-annex run: the collection is looked up once, the login is
  checked once, and every download goes through one pooled HTTP session.
* When Globus or the collection cannot be reached, the first file fails with one sentence
  (what is down, what to do) and every later file of the run fails with it at once, without
  asking again. A restarted remote of the same run learns it from a marker in
  ``.git/annex/`` (trusted for a minute, and only while a quick connection attempt still fails).
* A download cut off resumes from the partial file's size with an HTTP range (in the same
  try, and in the next ``get``); a partial that cannot be right is removed.

The toolkit's own :func:`~neurodata_widgets.globus.annex.register` writes the same remote (with
the collection's id as ``endpoint``), so this one program serves both. Datasets registered by
earlier versions of the toolkit have an ``externaltype=ndw-globus`` remote whose ``match``
setting names the collection: ``git-annex-remote-ndw-globus`` is this program too
(:class:`LegacyGlobusRemote`), so they keep working.

Examples
--------
>>> from neurodata_widgets.globus.remote import GlobusRemote
>>> sorted(GlobusRemote(annex=None).configs)
['endpoint', 'fileprefix']
"""
from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from annexremote import Master, RemoteError, SpecialRemote

from .. import errors
from ..datasets.content import key_size as _key_size
from .conp import SCHEME, collection_path, find_collection, legacy_endpoint
from .configured import not_configured as _not_configured, toolkit_client

log = logging.getLogger(__name__)
SETUP_HINT = "Log in with: git-annex-remote-globus setup"
CHUNK = 64 << 10
OUTAGE_MEMORY = 60.0  # seconds a restarted remote trusts a marker of an outage (while a probe still fails)
RESUME_TRIES = 3  # cuts a download survives in one try, as long as each one brought bytes
MARKER = "globus-outage.json"


class _Cut(Exception):
    """The connection broke while the file was arriving (``got`` bytes in this response)."""

    def __init__(self, got: int):
        super().__init__(got)
        self.got = got


class GlobusRemote(SpecialRemote):
    """The special remote: one process per git-annex command, many keys each."""

    def __init__(self, annex):
        super().__init__(annex)
        self.configs = {"endpoint": "Globus collection: its display name (as CONP writes it) or its id",
                        "fileprefix": "path on the collection before the dataset's files (part of each URL)"}
        self.endpoint = ""
        self.fileprefix = ""
        self._client = None
        self._collection: dict | None = None
        self._needs_token: set = set()
        self._headers: dict = {}  # collection id -> its Authorization header, for this run
        self._session = None
        self._checked = False  # the login was checked in this run
        self._down = ""  # set once something this run needs is down: every later request fails with it
        self._told: dict = {}  # key -> what its last try was told (a retry is told it briefly)
        self._marker_path = None

    # -- setup -------------------------------------------------------------------------------
    def initremote(self):
        self._read_config()
        if not self.endpoint:
            raise RemoteError("Set the Globus collection: endpoint=<collection name or id> "
                              "(and fileprefix=<path before the dataset's files>).")
        if self.client_or_none() is not None and self.client_or_none().logged_in:
            self.collection()  # a maintainer learns of a wrong name now, not at the first get

    def prepare(self):
        # no network here: git annex whereis/info start the remote too and must stay fast
        self._read_config()
        if not self.endpoint:
            raise RemoteError("This globus remote has no endpoint setting: "
                              "git annex enableremote globus endpoint=<collection name or id>")
        self.info = {"endpoint": self.endpoint, "fileprefix": self.fileprefix or "(none)"}
        self._no_retry_pauses()

    def _no_retry_pauses(self) -> None:
        """A clone enabled without ``setup``: from the next run on, git-annex does not pause before retrying
        each file of an outage (see :func:`.conp.no_retry_pauses`; this run keeps what git-annex read)."""
        from .conp import no_retry_pauses

        try:
            no_retry_pauses(".")
        except Exception:  # noqa: BLE001 - a read-only repository: nothing to tune
            log.info("could not tune git-annex's retry pauses", exc_info=True)

    def _read_config(self):
        self.endpoint = self.annex.getconfig("endpoint").strip()
        self.fileprefix = self.annex.getconfig("fileprefix").strip()
        if not self.endpoint and "match" in self.configs:  # a remote an earlier register() set up
            self.endpoint = legacy_endpoint(self.annex.getconfig("match"))

    def getcost(self):
        return 200  # expensiveRemoteCost: a wide-area download

    def getavailability(self):
        return "global"

    # -- where things are --------------------------------------------------------------------
    def client_or_none(self):
        from ..config import SandboxGone

        if self._client is None:
            try:
                self._client = toolkit_client(required=False)
            except SandboxGone as gone:  # said for a terminal: git-annex runs this, not a notebook
                raise RemoteError(f"The neurodata-widgets sandbox that NDW_SANDBOX names is not running "
                                  f"({gone.path}): start it with `neurodata-widgets sandbox`, or unset "
                                  "NDW_SANDBOX to use the real Globus.") from gone
        return self._client or None

    def client(self):
        client = self.client_or_none()
        if client is None:
            raise RemoteError(_not_configured())
        if not self._checked:  # once per run: the token file is not read again for every file
            if not client.logged_in:
                raise RemoteError(f"You are not logged in to Globus. {SETUP_HINT}")
            from .retries import RetryReporter

            client.retries = RetryReporter(max_retries=1)  # a busy Globus is asked twice, not six times per file
            self._checked = True
        return client

    def collection(self) -> dict:
        if self._collection is None:
            self._fail_if_down()
            self._collection = self._call(find_collection, self.client(), self.endpoint)
        return self._collection

    def _call(self, fn, *args, **kwargs):
        """Run a Globus call; every failure becomes a RemoteError worded for the user."""
        from ..config import log_file
        from .client import ConsentRequired, LoginRequired

        try:
            return fn(*args, **kwargs)
        except RemoteError:
            raise
        except ConsentRequired as exc:
            raise RemoteError(f"Globus collection {self.endpoint!r} needs your consent before it can be read. "
                              f"Run: git-annex-remote-globus setup --collection {self._named()} "
                              "and open the link it prints.") from exc
        except LoginRequired as exc:
            raise RemoteError(f"{exc.message} {SETUP_HINT}") from exc
        except Exception as exc:  # noqa: BLE001 - git-annex shows only this one line
            down = self._globus_down(exc)
            if down:
                raise self._outage(down, exc) from exc
            message, hint = errors.describe(exc)
            if hint == errors.see_the_log():  # no details follow in a terminal: say where they can be found
                log.info("%s", message, exc_info=exc)
                hint = (f"Details are in {log_file()}." if log_file() else
                        "Run it again with NDW_LOG_FILE=<a file> set to keep the details there.")
            raise RemoteError(f"{message} {hint}".strip()) from exc

    def _named(self) -> str:
        """How to name this remote's collection on a command line (its id once known)."""
        import shlex

        return shlex.quote(self._collection["id"] if self._collection else self.endpoint)

    def _paths(self, key) -> list[tuple[str, str]]:
        """``(url, path on the collection)`` for each of the key's URLs on this remote's collection."""
        urls = self.annex.geturls(key, SCHEME)
        found = [(u, p) for u in urls if (p := collection_path(u, self.endpoint)) is not None]
        if not found and urls:  # endpoint=<id> set after a rename: URLs still carry the name (or the reverse)
            doc = self.collection()
            for name in (doc.get("display_name") or "", doc.get("id") or ""):
                found += [(u, p) for u in urls if name and (p := collection_path(u, name)) is not None]
        return found

    # -- the protocol's requests -------------------------------------------------------------
    def claimurl(self, url):
        return collection_path(url, self.endpoint) is not None

    def checkurl(self, url):
        path = collection_path(url, self.endpoint)
        size = self._size(path) if path else None
        if size is None:
            raise RemoteError(f"{url} is not a file on Globus collection {self.endpoint!r}.")
        return [{"size": size}]

    def checkpresent(self, key):
        self._fail_if_down()
        wanted = _key_size(key)
        for _url, path in self._paths(key):
            size = self._size(path)
            if size is not None and (wanted is None or size == wanted):
                return True
        return False

    def transfer_retrieve(self, key, local_file):
        try:
            self._fail_if_down()
            self._retrieve(key, local_file)
        except RemoteError as exc:
            if self._told.get(key) == str(exc):  # git-annex retrying the file: the sentence was said for it already
                raise RemoteError("(git-annex tried again: the same answer)") from None
            self._told[key] = str(exc)
            raise

    def _retrieve(self, key, local_file):
        paths = self._paths(key)
        if not paths:
            raise RemoteError(f"No globus:// URL of collection {self.endpoint!r} is registered for this file.")
        problems = []
        for url, path in paths:
            try:
                self._download(path, local_file, _key_size(key))
                return
            except RemoteError as exc:
                if self._down:
                    raise
                problems.append(f"{url}: {exc}" if len(paths) > 1 else str(exc))
        raise RemoteError("; ".join(problems))

    def transfer_store(self, key, local_file):
        raise RemoteError("The globus remote is read-only: put files on the collection with a Globus transfer, "
                          "then register them (see the handbook's how-to on registering CONP files).")

    def remove(self, key):
        raise RemoteError("The globus remote is read-only: files on a Globus collection are removed "
                          "by its managers, not by git-annex.")

    # -- Globus calls ------------------------------------------------------------------------
    def _size(self, path: str) -> int | None:
        """Size of the file at ``path`` (Transfer ls of its folder), ``None`` if there is no such file."""
        import globus_sdk

        folder, _, name = path.rstrip("/").rpartition("/")
        collection = self.collection()
        # Transfer's filter language separates filters with "/" and alternatives with ","
        narrow = {"limit": 1, "filter": f"name:={name}/type:file"} if "," not in name else {"limit": 100000}
        try:
            listing = self._call(self.client().ls, collection["id"], folder + "/", **narrow)
        except RemoteError as exc:
            if isinstance(exc.__cause__, globus_sdk.TransferAPIError) and exc.__cause__.http_status == 404:
                return None  # the folder itself is gone
            raise
        entry = next((e for e in listing.entries if e.get("name") == name), None)
        return int(entry["size"]) if entry else None

    def _download(self, path: str, local_file: str, expected: int | None) -> None:
        """Fetch ``path`` into ``local_file``, resuming from what is already there (git-annex keeps a
        partial file between tries); a partial that cannot be right is removed, never kept."""
        from urllib.parse import quote

        collection = self.collection()
        server = collection.get("https_server")
        if not server:
            raise RemoteError(f"Globus collection {self.endpoint!r} offers no HTTPS access to download from.")
        url = server.rstrip("/") + quote(path)
        cuts = 0
        while True:
            have = _usable_partial(local_file, expected)
            try:
                done = self._fetch(url, path, local_file, have, expected)
                break
            except _Cut as cut:
                cuts += 1
                if cut.got == 0 or cuts > RESUME_TRIES:
                    now = _size_of(local_file)
                    of = f" of {expected}" if expected is not None else ""
                    raise RemoteError(f"The connection to Globus collection {self.endpoint!r} broke while {path} was "
                                      f"arriving ({now}{of} bytes are here): run the same get again and it "
                                      "continues from there.") from None
        if expected is not None and done != expected:
            _remove(local_file)
            raise RemoteError(f"Downloaded {done} bytes of {path}, the dataset expects {expected}: "
                              "the file on the collection has changed (the partial download was removed); "
                              "ask the dataset's maintainers to register the new version.")

    def _fetch(self, url: str, path: str, local_file: str, have: int, expected: int | None) -> int:
        """One request for the rest of the file (from byte ``have``); returns the file's size when it ended."""
        import urllib3

        response = self._open(url, {"Range": f"bytes={have}-"} if have else {})
        with response:
            if response.status_code == 416:  # the partial is not a prefix of the file there: start afresh
                _remove(local_file)
                raise _Cut(1)
            if response.status_code == 404:
                raise RemoteError(f"The file {path} is missing on Globus collection {self.endpoint!r}.")
            if response.status_code in (401, 403):
                raise RemoteError(f"Globus collection {self.endpoint!r} refused the download "
                                  f"(HTTP {response.status_code}): your login has no access to it. "
                                  f"Run: git-annex-remote-globus setup --collection {self._named()}")
            if response.status_code >= 500:
                raise self._outage(f"Globus collection {self.endpoint!r} answers HTTP {response.status_code} "
                                   f"at {_host(url)}", None)
            if response.status_code >= 400:
                message, hint = errors.describe_status(response.status_code, url)
                raise RemoteError(f"{message} {hint}")
            resumed = response.status_code == 206 and _range_start(response) == have
            done = have if resumed else 0
            told = 0
            step = max(CHUNK, (expected or 0) // 100)  # git-annex wants news about every 1%, not more often
            with open(local_file, "ab" if resumed else "wb") as out:
                try:  # read1: what arrived before a cut is kept (a full-size read would drop it with the error)
                    while chunk := response.raw.read1(CHUNK):
                        out.write(chunk)
                        done += len(chunk)
                        if done - told >= step:
                            self.annex.progress(done)
                            told = done
                except (urllib3.exceptions.HTTPError, OSError) as exc:
                    log.info("download of %s cut after %d bytes", url, done, exc_info=exc)
                    raise _Cut(done - (have if resumed else 0)) from None
                if expected is not None and done > expected:
                    out.close()
                    _remove(local_file)
                    raise RemoteError(f"Globus collection {self.endpoint!r} sent more than the {expected} bytes "
                                      f"the dataset expects for {path}: the file there has changed "
                                      "(the partial download was removed).")
            self.annex.progress(done)
        return done

    def _open(self, url: str, headers: dict):
        """GET ``url`` on the collection's server with the token only when it asks for one."""
        import requests

        from ..http import session

        if self._session is None:
            self._session = session(retries=1)  # one pooled connection for the whole run
        cid = self.collection()["id"]
        try:
            sent = {**headers, **self._bearer(cid)} if cid in self._needs_token else dict(headers)
            response = self._session.get(url, headers=sent, stream=True)
            if response.status_code in (401, 403) and "Authorization" not in sent:
                _release(response)
                self._needs_token.add(cid)  # this collection is not public: the rest of this run sends the token
                response = self._session.get(url, headers={**headers, **self._bearer(cid)}, stream=True)
            if response.status_code in (401, 403):  # the stored token may have been ended early: renew it once
                _release(response)
                response = self._session.get(url, headers={**headers, **self._bearer(cid, fresh=True)}, stream=True)
        except requests.exceptions.RequestException as exc:
            raise self._outage(f"Globus collection {self.endpoint!r} {_why(exc)} at {_host(url)}", exc) from exc
        return response

    # -- outages -----------------------------------------------------------------------------
    def _globus_down(self, exc) -> str:
        """What is down, when ``exc`` says Globus itself cannot be reached or is failing (else ``""``)."""
        import globus_sdk
        import requests

        where = _host(self.client_or_none().service.get("transfer_url") or "") if self.client_or_none() else ""
        where = where or "transfer.api.globus.org"
        if isinstance(exc, globus_sdk.NetworkError | requests.exceptions.RequestException | ConnectionError
                      | TimeoutError | socket.gaierror):
            return f"Globus {_why(exc)} at {where}"
        if isinstance(exc, globus_sdk.GlobusAPIError) and exc.http_status >= 500:
            return f"Globus answers HTTP {exc.http_status} at {where}"
        return ""

    def _outage(self, what: str, exc) -> RemoteError:
        """Remember for the rest of this run (and for a restarted remote, briefly) that ``what`` is down."""
        from ..config import log_file

        if exc is not None:
            log.info("%s", what, exc_info=exc)
        logged = log_file()
        self._down = (f"{what}, so no file can be fetched from it now: check your network (or status.globus.org) "
                      "and run the same command again later"
                      + (f"; details are in {logged}." if logged else "."))
        host = what.rpartition(" at ")[2]
        self._write_marker(host)
        return RemoteError(self._down)

    def _fail_if_down(self) -> None:
        if not self._down:
            self._read_marker()
        if self._down:
            raise RemoteError(self._down)

    def _marker(self) -> Path | None:
        if self._marker_path is None:  # asked once: every file of the run would otherwise ask git-annex again
            try:
                self._marker_path = Path(self.annex.getgitdir()) / "annex" / MARKER
            except Exception:  # noqa: BLE001 - no git dir (a unit test's fake annex): no memory across restarts
                self._marker_path = False
        return self._marker_path or None

    def _write_marker(self, host: str) -> None:
        marker = self._marker()
        if marker is None:
            return
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            tmp = marker.with_suffix(f".{os.getpid()}")
            tmp.write_text(json.dumps({"time": time.time(), "host": host, "message": self._down}))
            os.replace(tmp, marker)
        except OSError:
            log.info("could not remember the outage in %s", marker, exc_info=True)

    def _read_marker(self) -> None:
        """A remote restarted in the same run: trust a fresh marker while its server still refuses a connection."""
        marker = self._marker()
        if marker is None or not marker.exists():
            return
        try:
            seen = json.loads(marker.read_text())
            fresh = time.time() - float(seen["time"]) < OUTAGE_MEMORY
        except (OSError, ValueError, KeyError, TypeError):
            fresh, seen = False, {}
        if fresh and not _answers(seen.get("host", "")):
            self._down = seen["message"]
        else:
            _remove(str(marker))

    def _bearer(self, collection_id: str, fresh: bool = False) -> dict:
        """The header with a token of the collection's own HTTPS scope (sent to that collection's server
        only); ``fresh`` asks Globus Auth for a new one instead of the stored one."""
        from .client import ConsentRequired, LoginRequired

        if not fresh and collection_id in self._headers:  # the token file is read once per run, not per file
            return self._headers[collection_id]
        try:
            token = self.client().collection_token(collection_id)  # the first time: ConsentRequired
            if fresh:
                token = self.client().access_token(collection_id, fresh=True)
            self._headers[collection_id] = {"Authorization": f"Bearer {token}"}
            return self._headers[collection_id]
        except (ConsentRequired, LoginRequired) as exc:
            raise RemoteError(f"Globus collection {self.endpoint!r} needs a login for downloads and yours does not "
                              f"cover it yet. Run: git-annex-remote-globus setup --collection {collection_id} "
                              "(it prints the link to allow it).") from exc
        except Exception as exc:  # noqa: BLE001 - renewing the token needs Globus Auth: it may be down
            down = self._globus_down(exc)
            if down:
                raise self._outage(down, exc) from exc
            raise


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _why(exc) -> str:
    """``"refused the connection"``, ``"did not answer in time"``...: a refused connection or a timeout in words."""
    from .retries import unreachable

    found = unreachable(exc)
    if found:
        return found
    text = repr(exc).lower()
    if "timeout" in text or "timed out" in text:
        return "did not answer in time"
    return "could not be reached"


def _answers(host: str) -> bool:
    """Whether something accepts a connection at ``host`` (``name:port``) within a second."""
    name, _, port = host.rpartition(":")
    if not name or not port.isdigit():
        name, port = host, "443"
    try:
        socket.create_connection((name.strip("[]"), int(port)), timeout=1.0).close()
    except OSError:
        return False
    return True


def _size_of(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _usable_partial(local_file: str, expected: int | None) -> int:
    """The size of a partial download worth resuming from; one as big as the whole file or bigger is removed
    (it cannot be a prefix of what is wanted)."""
    have = _size_of(local_file)
    if have and expected is not None and have >= expected:
        _remove(local_file)
        return 0
    return have


def _range_start(response) -> int:
    """The first byte of a 206 answer (``Content-Range: bytes N-M/T``), -1 when it does not say."""
    unit, _, rest = (response.headers.get("Content-Range") or "").partition(" ")
    first = rest.partition("-")[0]
    return int(first) if unit == "bytes" and first.isdigit() else -1


def _release(response) -> None:
    """Read a refused answer's short body, then close it: the connection goes back to the pool
    instead of being reset under the server (closing with unread data sends a TCP reset)."""
    try:
        _ = response.content
    finally:
        response.close()


class LegacyGlobusRemote(GlobusRemote):
    """The same remote under the ``ndw-globus`` type earlier versions of ``register()`` wrote.

    Their settings were ``match=globus://<collection id>/(?P<path>.*)$`` and
    ``url=<the collection's HTTPS address then>/{path}``, and their URLs already have this
    remote's form (``globus://<collection id>/<path>``): the collection comes from ``match``, its
    address is looked up again at get time like any other, and ``url`` is ignored.
    """

    def __init__(self, annex):
        super().__init__(annex)
        self.configs.update({"match": "globus://<collection id>/(?P<path>.*)$ (set by earlier versions)",
                             "url": "the collection's HTTPS address when registered (no longer used)"})


def main(argv=None, remote_class=GlobusRemote) -> int:
    """Entry point: ``setup`` (and ``register``) from a terminal, else the git-annex protocol on stdin/stdout."""
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        from .remote_cli import run

        return run(argv)
    from ..config import setup_log_file

    output = sys.stdout
    sys.stdout = sys.stderr  # the protocol owns stdout: a stray print must not reach git-annex
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING)  # the terminal gets warnings; details go to NDW_LOG_FILE when set
    setup_log_file()
    master = Master(output)
    master.LinkRemote(remote_class(master))
    master.Listen()
    return 0


def legacy_main() -> int:
    """Entry point of ``git-annex-remote-ndw-globus``, for datasets registered by earlier versions."""
    return main(remote_class=LegacyGlobusRemote)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
