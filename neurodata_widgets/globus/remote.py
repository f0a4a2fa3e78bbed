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

import logging
import sys

from annexremote import Master, RemoteError, SpecialRemote

from .. import errors
from ..datasets.content import key_size as _key_size
from .conp import SCHEME, collection_path, find_collection, legacy_endpoint
from .configured import not_configured as _not_configured, toolkit_client

log = logging.getLogger(__name__)
SETUP_HINT = "Log in with: git-annex-remote-globus setup"
CHUNK = 64 << 10


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
        self._session = None

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
        if self._client is None:
            self._client = toolkit_client(required=False)
        return self._client or None

    def client(self):
        client = self.client_or_none()
        if client is None:
            raise RemoteError(_not_configured())
        if not client.logged_in:
            raise RemoteError(f"You are not logged in to Globus. {SETUP_HINT}")
        return client

    def collection(self) -> dict:
        if self._collection is None:
            self._collection = self._call(find_collection, self.client(), self.endpoint)
        return self._collection

    def _call(self, fn, *args, **kwargs):
        """Run a Globus call; every failure becomes a RemoteError worded for the user."""
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
            message, hint = errors.describe(exc)
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
        wanted = _key_size(key)
        for _url, path in self._paths(key):
            size = self._size(path)
            if size is not None and (wanted is None or size == wanted):
                return True
        return False

    def transfer_retrieve(self, key, local_file):
        paths = self._paths(key)
        if not paths:
            raise RemoteError(f"No globus:// URL of collection {self.endpoint!r} is registered for this file.")
        problems = []
        for url, path in paths:
            try:
                self._download(path, local_file, _key_size(key))
                return
            except RemoteError as exc:
                problems.append(f"{url}: {exc}")
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
        from urllib.parse import quote

        from ..http import session

        collection = self.collection()
        server = collection.get("https_server")
        if not server:
            raise RemoteError(f"Globus collection {self.endpoint!r} offers no HTTPS access to download from.")
        url = server.rstrip("/") + quote(path)
        if self._session is None:
            self._session = session()
        cid = collection["id"]
        headers = self._bearer(cid) if cid in self._needs_token else {}
        response = self._session.get(url, headers=headers, stream=True)
        if response.status_code in (401, 403) and not headers:
            _release(response)
            self._needs_token.add(cid)  # this collection is not public: the rest of this run sends the token
            response = self._session.get(url, headers=self._bearer(cid), stream=True)
        if response.status_code in (401, 403):  # the stored token may have been ended early: renew it once
            _release(response)
            response = self._session.get(url, headers=self._bearer(cid, fresh=True), stream=True)
        with response:
            if response.status_code == 404:
                raise RemoteError(f"The file {path} is missing on Globus collection {self.endpoint!r}.")
            if response.status_code in (401, 403):
                raise RemoteError(f"Globus collection {self.endpoint!r} refused the download "
                                  f"(HTTP {response.status_code}): your login has no access to it. "
                                  f"Run: git-annex-remote-globus setup --collection {self._named()}")
            if response.status_code >= 400:
                message, hint = errors.describe_status(response.status_code, url)
                raise RemoteError(f"{message} {hint}")
            done = told = 0
            step = max(CHUNK, (expected or 0) // 100)  # git-annex wants news about every 1%, not more often
            with open(local_file, "wb") as out:
                for chunk in response.iter_content(CHUNK):
                    out.write(chunk)
                    done += len(chunk)
                    if done - told >= step:
                        self.annex.progress(done)
                        told = done
            self.annex.progress(done)
        if expected is not None and done != expected:
            raise RemoteError(f"Downloaded {done} bytes of {path}, the dataset expects {expected}: "
                              "the file on the collection has changed.")

    def _bearer(self, collection_id: str, fresh: bool = False) -> dict:
        """The header with a token of the collection's own HTTPS scope (sent to that collection's server
        only); ``fresh`` asks Globus Auth for a new one instead of the stored one."""
        from .client import ConsentRequired, LoginRequired

        try:
            token = self.client().collection_token(collection_id)  # the first time: ConsentRequired
            if fresh:
                token = self.client().access_token(collection_id, fresh=True)
            return {"Authorization": f"Bearer {token}"}
        except (ConsentRequired, LoginRequired) as exc:
            raise RemoteError(f"Globus collection {self.endpoint!r} needs a login for downloads and yours does not "
                              f"cover it yet. Run: git-annex-remote-globus setup --collection {collection_id} "
                              "(it prints the link to allow it), or allow it in the notebook's Globus login.") from exc


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
    output = sys.stdout
    sys.stdout = sys.stderr  # the protocol owns stdout: a stray print must not reach git-annex
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    master = Master(output)
    master.LinkRemote(remote_class(master))
    master.Listen()
    return 0


def legacy_main() -> int:
    """Entry point of ``git-annex-remote-ndw-globus``, for datasets registered by earlier versions."""
    return main(remote_class=LegacyGlobusRemote)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
