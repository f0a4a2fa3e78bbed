"""Register files on a Globus collection in a DataLad dataset, so ``datalad get`` fetches them later.

Each file is recorded under the ``globus://<collection id>/<path>`` URL form that
git-annex-remote-globus uses. A special remote named ``globus-<id prefix>``
(:mod:`.annex_remote`, datalad-next's ``uncurl`` plus a Globus lookup) claims those URLs and
rewrites them to the collection's HTTPS access (``https_server``, looked up again at get time),
where a token for the collection's own HTTPS scope is sent (none for a public collection).
The token is kept in DataLad's credential store (realm = the collection's HTTPS realm),
the same place ``datalad credentials`` manages, so ``datalad get`` on the command line
works too; :func:`refresh_credential` renews it from the Globus login, and a failing
command-line get says how to log in again.

Examples
--------
>>> import datalad.api as dl
>>> from neurodata_widgets.globus.annex import get, register
>>> from neurodata_widgets.globus.client import GlobusClient
>>> from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent
>>> ds = dl.create(tmp / "my-ds", result_renderer="disabled")
>>> client = GlobusClient()
>>> _ = client.finish_login(code_shown(press_consent(client.start_login())))   # log in (see the client)
>>> collection_id = sandbox.info()["globus"]["public_collection"]           # public: no collection token
>>> register(ds.path, client, collection_id, ["/ds001/README"], dest="inputs")
[{'path': 'inputs/README', 'url': 'globus://1c5e.../ds001/README', 'key': 'VURL--globus...'}]
>>> [r["status"] for r in get(ds.path, client, ["inputs/README"])]      # renews the token first
['ok']
>>> client.logout()
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import quote

from .. import repo
from ..errors import UserError


def globus_url(collection_id: str, path: str) -> str:
    """``globus://<collection>/<path>`` (path without leading slash, percent-encoded)."""
    return f"globus://{collection_id}/{quote(path.lstrip('/'))}"


def remote_name(collection_id: str) -> str:
    return f"globus-{collection_id[:8]}"


def credential_name(collection_id: str) -> str:
    return f"globus-{collection_id}"


HINT = "Check the dataset is a DataLad dataset with an annex."


def _git(ds_path, *args, input=None) -> str:
    return repo.run(ds_path, *args, input=input, hint=HINT)


def ensure_remote(ds_path, collection_id: str, https_server: str) -> str:
    """Create (once) the special remote that turns ``globus://`` URLs into HTTPS requests.

    It is :mod:`~neurodata_widgets.globus.annex_remote` (datalad-next's ``uncurl`` that looks the
    collection's address and token up again at get time and says how to log in when a get fails).
    """
    name = remote_name(collection_id)
    if name in _git(ds_path, "remote").split():
        return name
    match = f"globus://{collection_id}/(?P<path>.*)$"
    _git(ds_path, "annex", "initremote", name, "type=external", "externaltype=ndw-globus", "encryption=none",
         "autoenable=true", f"match={match}", f"url={https_server.rstrip('/')}/{{path}}")
    return name


def refresh_credential(ds_path, client, collection_id: str, https_server: str | None = None) -> str | None:
    """Store a live token for the collection's own HTTPS scope as the DataLad credential of its HTTPS realm.

    Returns the realm, or ``None`` for a public collection (nothing is stored).
    """
    import requests
    from datalad.api import Dataset
    from datalad_next.credman import CredentialManager
    from datalad_next.utils.http_helpers import get_auth_realm
    from datalad_next.utils.requests_auth import parse_www_authenticate

    https_server = https_server or client.collection(collection_id)["https_server"]
    if client.collection_is_public(collection_id, https_server):
        return None  # anyone may read it: no token is stored, none is sent
    client.collection_token(collection_id)  # the first time: ConsentRequired, with the link to allow it
    probe = https_server.rstrip("/") + "/"
    answer = requests.head(probe, timeout=10)
    header = answer.headers.get("www-authenticate")
    if not header:
        raise UserError(f"The collection's HTTPS access ({https_server}) did not ask for a token.",
                        "Check the collection allows HTTPS access.")
    realm = get_auth_realm(probe, parse_www_authenticate(header), scheme="bearer")
    CredentialManager(Dataset(str(ds_path)).config).set(
        credential_name(collection_id), type="token", realm=realm, secret=client.access_token(collection_id, fresh=True))
    return realm


def register(dataset, client, collection_id: str, paths, dest: str = "", fast: bool = True,
             message: str | None = None) -> list[dict]:
    """Record files of a collection in ``dataset`` (under ``dest``) and save.

    Parameters
    ----------
    dataset : path
        An existing DataLad dataset.
    client : GlobusClient
        A logged-in client (its token goes to DataLad's credential store).
    collection_id : str
    paths : list of str
        File paths on the collection.
    dest : str
        Folder inside the dataset (created if needed).
    fast : bool
        Record location and size only (content is fetched by ``datalad get``);
        ``False`` downloads each file once to checksum it.
    """
    from datalad.api import Dataset

    ds = Dataset(str(dataset))
    if not ds.is_installed():
        raise UserError(f"{dataset} is not a DataLad dataset.", "Create one with `datalad create` first.")
    https_server = client.collection(collection_id).get("https_server")
    if not https_server:
        raise UserError("This collection offers no HTTPS access.", "Pick a Globus Connect Server v5 collection.")
    refresh_credential(ds.path, client, collection_id, https_server)
    ensure_remote(ds.path, collection_id, https_server)
    lines, planned = [], []
    for path in paths:
        target = PurePosixPath(dest) / PurePosixPath(path).name if dest else PurePosixPath(PurePosixPath(path).name)
        (Path(ds.path) / target).parent.mkdir(parents=True, exist_ok=True)
        url = globus_url(collection_id, path)
        lines.append(f"{url} {target}")
        planned.append({"path": str(target), "url": url})
    args = ["addurl", "--with-files"] + (["--fast"] if fast else [])
    results = repo.annex_json(ds.path, *args, items=lines, check=True, hint=HINT)
    failed = [r for r in results if not r.get("success")]
    if failed:
        why = "; ".join(" ".join(r.get("error-messages", [])) or r.get("file", "?") for r in failed)
        raise UserError(f"Registering {len(failed)} file(s) failed: {why}", "Check you are logged in to Globus.")
    keys = {r.get("file"): r.get("key") for r in results}
    ds.save(path=[p["path"] for p in planned], message=message or f"Register {len(planned)} file(s) from Globus "
            f"collection {collection_id}", result_renderer="disabled")
    for p in planned:
        p["key"] = keys.get(p["path"])
    return planned


def uncurl_remotes(ds_path) -> dict:
    """``{remote name: collection id}`` of the Globus (uncurl) remotes :func:`ensure_remote` set up."""
    names = set(_git(ds_path, "remote").split())
    found = {}
    log = repo.run(ds_path, "cat-file", "-p", "git-annex:remote.log", check=False)
    for line in log.splitlines():
        fields = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
        if fields.get("name") in names and fields.get("match", "").startswith("globus://"):
            found[fields["name"]] = fields["match"][len("globus://"):].split("/", 1)[0]
    return found


def globus_remotes(ds_path) -> dict:
    """Every Globus remote of the dataset: ``{name: collection}``.

    The uncurl remotes :func:`register` made (collection id), and CONP's ``globus`` remotes
    (``externaltype=globus``; their ``endpoint`` setting, a collection name or id), which the
    ``git-annex-remote-globus`` program of this toolkit serves (see :mod:`.conp`).
    """
    from .conp import conp_remotes

    found = uncurl_remotes(ds_path)
    found.update({r["name"]: r["endpoint"] for r in conp_remotes(ds_path)})
    return found


def get(dataset, client, paths=".") -> list[dict]:
    """``datalad get`` after renewing the Globus credential of every Globus remote of the dataset."""
    from datalad.api import Dataset

    ds = Dataset(str(dataset))
    for name, collection_id in uncurl_remotes(ds.path).items():  # CONP remotes read the login themselves
        https_server = client.collection(collection_id)["https_server"].rstrip("/")
        refresh_credential(ds.path, client, collection_id, https_server)
        # the address now (a server may have moved since registration); local config overrides the recorded one
        _git(ds.path, "config", f"remote.{name}.uncurl-url", https_server + "/{path}")
    return ds.get(paths, result_renderer="disabled", on_failure="ignore")
