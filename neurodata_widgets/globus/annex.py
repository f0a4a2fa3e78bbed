"""Register files on a Globus collection in a DataLad dataset, so ``datalad get`` fetches them later.

:func:`register` does what CONP's tools do (see :mod:`.conp`): it sets up the dataset's
``globus`` special remote (``git annex initremote globus type=external externaltype=globus
encryption=none endpoint=<collection id> fileprefix=``), records each file under the URL
``globus://<collection id>/<path on the collection>`` and marks it present on that remote
(``git annex registerurl``, ``git annex setpresentkey``). One program,
``git-annex-remote-globus`` (:mod:`.remote`), reads these datasets and CONP's alike: at get time
it looks the collection's HTTPS address up again (a server may move) and uses the toolkit's
Globus login, the one the notebook's login widget and ``git-annex-remote-globus setup`` share.
So a plain ``datalad get`` on the command line works too, and a failing one says how to log in.

Datasets registered by earlier versions (a ``globus-<id prefix>`` remote of type ``ndw-globus``)
stay readable: ``git-annex-remote-ndw-globus`` is the same program.

Examples
--------
>>> import datalad.api as dl
>>> from neurodata_widgets.globus.annex import get, register
>>> from neurodata_widgets.globus.client import GlobusClient
>>> from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent
>>> ds = dl.create(tmp / "my-ds", result_renderer="disabled")
>>> client = GlobusClient()                                                   # the toolkit's login
>>> _ = client.finish_login(code_shown(press_consent(client.start_login())))   # log in (see the client)
>>> collection_id = sandbox.info()["globus"]["public_collection"]           # public: no collection token
>>> register(ds.path, client, collection_id, ["/ds001/README"], dest="inputs")
[{'path': 'inputs/README', 'url': 'globus://1c5e.../ds001/README', 'key': 'VURL-s44--globus...'}]
>>> [r["status"] for r in get(ds.path, client, ["inputs/README"])]
['ok']
>>> client.logout()
"""
from __future__ import annotations

import itertools
import re
from pathlib import Path, PurePosixPath

from .. import repo
from ..errors import UserError
from .conp import REMOTE, conp_remotes, conp_url, ensure_conp_remote, find_collection, is_collection_id, record_urls

HINT = "Check the dataset is a DataLad dataset with an annex, and that you are logged in to Globus."


def globus_url(collection_id: str, path: str) -> str:
    """``globus://<collection>/<path>`` (path without leading slash, percent-encoded): CONP's form with no prefix.

    >>> globus_url("1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a001", "/ds001/sub 01.tsv")
    'globus://1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a001/ds001/sub%2001.tsv'
    """
    return conp_url(collection_id, "", path)


def remote_name(ds_path, collection_id: str) -> str:
    """The dataset's Globus remote for this collection, or a name no remote has yet.

    The first collection gets ``globus``, the name CONP's instructions use
    (``git annex enableremote globus``); another one ``globus-<start of its id>``, as long a start
    as it takes to be a name no other remote (or git remote) has: a collection never takes over
    another's remote, whatever its id looks like.

    >>> import datalad.api as dl
    >>> ds = dl.create(tmp / "names", result_renderer="disabled")
    >>> remote_name(ds.path, "1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a001")
    'globus'
    """
    remotes = conp_remotes(ds_path)
    mine = [r["name"] for r in remotes if r["endpoint"].strip().lower() == collection_id.strip().lower()]
    if mine:
        return mine[0]
    taken = {r["name"] for r in remotes} | set(repo.run(ds_path, "remote", check=False).split())
    if REMOTE not in taken:
        return REMOTE
    slug = re.sub(r"[^A-Za-z0-9_.]+", "-", collection_id.strip()).strip("-.").lower() or "collection"
    for cut in (8, 13, 18, 23, len(slug)):  # whole groups of a UUID: 1c5e4a52, 1c5e4a52-0a47, ...
        name = f"{REMOTE}-{slug[:cut].rstrip('-.')}"
        if name not in taken:
            return name
    return next(f"{REMOTE}-{slug}-{n}" for n in itertools.count(2) if f"{REMOTE}-{slug}-{n}" not in taken)


def ensure_access(client, collection_id: str, https_server: str) -> None:
    """Raise now, with the link to allow it, if the login cannot read the collection over HTTPS yet.

    A public collection needs nothing; another one needs a token of its own HTTPS scope
    (:class:`~.client.ConsentRequired` the first time), which the remote then finds in the login.
    """
    if not client.collection_is_public(collection_id, https_server):
        client.collection_token(collection_id)


def register(dataset, client, collection_id: str, paths, dest: str = "", fast: bool = True,
             message: str | None = None) -> list[dict]:
    """Record files of a collection in ``dataset`` (under ``dest``) the way CONP does, and save.

    Parameters
    ----------
    dataset : path
        An existing DataLad dataset.
    client : GlobusClient
        The toolkit's logged-in client (``git-annex-remote-globus`` uses the same login).
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
    ensure_access(client, collection_id, client.https_server(collection_id))  # none: says to transfer instead
    uuid = ensure_conp_remote(ds.path, collection_id, "", remote_name(ds.path, collection_id))
    lines, planned = [], []
    for path in paths:
        target = PurePosixPath(dest) / PurePosixPath(path).name if dest else PurePosixPath(PurePosixPath(path).name)
        (Path(ds.path) / target).parent.mkdir(parents=True, exist_ok=True)
        url = globus_url(collection_id, path)
        lines.append(f"{url} {target}")
        planned.append({"path": str(target), "url": url})
    # addurl asks the globus remote (CLAIMURL, CHECKURL: the file's size on the collection) and makes the keys
    args = ["addurl", "--with-files"] + (["--fast"] if fast else [])
    results = repo.annex_json(ds.path, *args, items=lines, check=False, hint=HINT)
    failed = [r for r in results if not r.get("success")]
    if failed or len(results) < len(lines):
        why = "; ".join(" ".join(r.get("error-messages", [])) or r.get("file", "?") for r in failed)
        raise UserError(f"Registering {len(lines) - len(results) + len(failed)} file(s) failed: {why}",
                        "Check you are logged in to Globus (the toolkit's login) and the files are on the collection.")
    keys = {r.get("file"): r.get("key") for r in results}
    for p in planned:
        p["key"] = keys.get(p["path"])
    record_urls(ds.path, uuid, [(p["key"], p["url"]) for p in planned])
    ds.save(path=[p["path"] for p in planned], message=message or f"Register {len(planned)} file(s) from Globus "
            f"collection {collection_id}", result_renderer="disabled")
    return planned


def globus_remotes(ds_path) -> dict:
    """Every Globus remote of the dataset: ``{name: collection}`` (an id, or the name CONP's remotes carry).

    All are served by ``git-annex-remote-globus`` (see :mod:`.conp` and :mod:`.remote`).
    """
    return {r["name"]: r["endpoint"] for r in conp_remotes(ds_path)}


def get(dataset, client, paths=".") -> list[dict]:
    """``datalad get``, after checking that the login can read every Globus collection of the dataset.

    A collection the login has not been allowed to read over HTTPS raises
    :class:`~.client.ConsentRequired` with the link, instead of a failed get.
    """
    from datalad.api import Dataset

    ds = Dataset(str(dataset))
    for endpoint in set(globus_remotes(ds.path).values()):
        collection = client.collection(endpoint) if is_collection_id(endpoint) else find_collection(client, endpoint)
        ensure_access(client, collection["id"], client.https_server(collection["id"], collection))
    return ds.get(paths, result_renderer="disabled", on_failure="ignore")
