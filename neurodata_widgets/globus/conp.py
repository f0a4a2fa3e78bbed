"""CONP's Globus datasets: their URL form, their ``globus`` remote, and finding their collection.

The Canadian Open Neuroscience Platform (CONP) publishes DataLad datasets whose large
files live on Globus collections. CONP's tools register each annexed file under

    ``globus://<endpoint display name, lower case>/<fileprefix>/<path in the dataset>``

and set up a special remote ``globus`` with
``type=external externaltype=globus encryption=none endpoint=<name> fileprefix=<prefix>``.
Everything after the host is the file's path on the collection (the ``fileprefix`` is
part of it), read from the collection's root. The same path serves the Transfer API
(ls, for presence) and the collection's HTTPS access (downloads).

:mod:`.remote` is the special remote program that reads these datasets; this module
holds what it, the dataset explorer and the maintainers' registration share.

Examples
--------
>>> from neurodata_widgets.globus.conp import conp_url, collection_path
>>> url = conp_url("FRDR_Prod_2", "/5/published/publication_170/submitted_data/", "mask/mask.mat")
>>> url
'globus://frdr_prod_2/5/published/publication_170/submitted_data/mask/mask.mat'
>>> collection_path(url, "FRDR_Prod_2")
'/5/published/publication_170/submitted_data/mask/mask.mat'
>>> collection_path(url, "another endpoint") is None
True
"""
from __future__ import annotations

import hashlib
import re
from urllib.parse import quote, unquote

from .. import repo
from ..datasets.content import key_size, scan
from ..errors import UserError

SCHEME = "globus://"
REMOTE = "globus"
# the remote type register() wrote before it wrote CONP's (read by the same program, see .remote)
LEGACY_TYPE = "ndw-globus"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def url_host(endpoint: str) -> str:
    """The host part CONP's tools write for an endpoint: its name in lower case (spaces escaped)."""
    return quote(endpoint.strip().lower(), safe="_-.~")


def conp_url(endpoint: str, fileprefix: str, path: str) -> str:
    """``globus://<endpoint lower>/<fileprefix>/<path>``, the URL CONP registers for a file."""
    parts = [p.strip("/") for p in (fileprefix or "", path) if p and p.strip("/")]
    return SCHEME + url_host(endpoint) + "/" + quote("/".join(parts), safe="/")


def split_url(url: str) -> tuple[str, str] | None:
    """``(host, path on the collection)`` of a ``globus://`` URL (host unescaped), else ``None``."""
    if not url.lower().startswith(SCHEME):
        return None
    host, _, rest = url[len(SCHEME):].partition("/")
    return unquote(host), "/" + unquote(rest)


def collection_path(url: str, endpoint: str) -> str | None:
    """The path on ``endpoint``'s collection a URL names, or ``None`` if the URL is for another endpoint.

    The host is compared without regard to case: CONP writes it in lower case, while the
    remote's ``endpoint`` setting keeps the collection's spelling.
    """
    parts = split_url(url)
    if parts is None or parts[0].lower() != endpoint.strip().lower():
        return None
    return parts[1]


def is_collection_id(text: str) -> bool:
    return bool(UUID_RE.match((text or "").strip()))


def legacy_endpoint(match: str) -> str:
    """The collection id in the ``match=globus://<id>/(?P<path>.*)$`` setting of an ``ndw-globus`` remote.

    >>> legacy_endpoint("globus://1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a001/(?P<path>.*)$")
    '1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a001'
    """
    parts = split_url(match or "")
    return parts[0] if parts and is_collection_id(parts[0]) else ""


def find_collection(client, endpoint: str) -> dict:
    """The collection document (``id``, ``display_name``, ``https_server``...) an ``endpoint`` setting names.

    ``endpoint`` is a collection id or a display name. A name is looked up with Transfer's
    endpoint search, as CONP's remote does; a collection named exactly so (ignoring case)
    wins over other matches of the full-text search.

    Raises
    ------
    UserError
        No collection has that name, or several do (their ids are listed so the dataset's
        maintainer can put the right id in ``endpoint``).
    """
    if is_collection_id(endpoint):
        return dict(client.collection(endpoint.strip()))
    wanted = endpoint.strip().lower()
    found, offset = [], 0
    while True:  # a name shared by many collections is rare; three pages are plenty to decide
        page = client.search(endpoint, limit=100, offset=offset)
        found += page
        offset += len(page)
        if len(page) < 100 or offset >= 300:
            break
    exact = [doc for doc in found if (doc.get("display_name") or "").strip().lower() == wanted]
    candidates = exact or found
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise UserError(f"No Globus collection is named {endpoint!r}.",
                        "Check the remote's endpoint setting (git annex info globus); the collection may have "
                        "been renamed: then enable the remote with endpoint=<its id>.")
    names = ", ".join(f"{d.get('display_name')!r} ({d.get('id')})" for d in candidates[:6])
    raise UserError(f"{len(candidates)} Globus collections match {endpoint!r}: {names}.",
                    "Enable the remote with the right one's id: git annex enableremote globus endpoint=<id>.")


def remote_configs(ds_path) -> list[dict]:
    """Every special remote recorded in the dataset's ``git-annex:remote.log``: uuid plus its settings."""
    log = repo.cat_objects(ds_path, ["git-annex:remote.log"])[0] or b""
    found = []
    for line in log.decode("utf-8", "replace").splitlines():
        uuid, *fields = line.split()
        config = {k: _unescape(v) for k, _, v in (f.partition("=") for f in fields if "=" in f)}
        found.append({"uuid": uuid, **config})
    return found


def _unescape(value: str) -> str:
    """git-annex writes a space in a remote.log value as ``&32;`` (any character as ``&<code>;``)."""
    return re.sub(r"&(\d+);", lambda m: chr(int(m.group(1))), value)


def conp_remotes(ds_path) -> list[dict]:
    """The dataset's Globus remotes: ``name``, ``uuid``, ``endpoint``, ``fileprefix``, ``enabled``, ``externaltype``.

    CONP's ``externaltype=globus`` remotes, and the ``ndw-globus`` ones earlier versions of
    :func:`~neurodata_widgets.globus.annex.register` set up (their ``endpoint`` is the collection
    id of their ``match`` setting). ``enabled`` says whether this clone has run
    ``git annex enableremote <name>`` (without it, ``datalad get`` reports the files as not available).
    """
    out = repo.run(ds_path, "config", "--get-regexp", r"^remote\..*\.annex-uuid$", check=False)
    enabled = {line.split()[1] for line in out.splitlines() if len(line.split()) == 2}
    return [{"name": c.get("name", ""), "uuid": c["uuid"], "externaltype": c["externaltype"],
             "endpoint": c.get("endpoint") or legacy_endpoint(c.get("match", "")),
             "fileprefix": c.get("fileprefix", ""), "enabled": c["uuid"] in enabled}
            for c in remote_configs(ds_path) if c.get("externaltype") in (REMOTE, LEGACY_TYPE)]


def _annex(ds_path, *args, input=None) -> str:
    return repo.annex(ds_path, *args, input=input,
                      hint="Check the dataset is a DataLad dataset and git-annex-remote-globus is installed.")


def ensure_conp_remote(ds_path, endpoint: str, fileprefix: str, name: str = REMOTE) -> str:
    """Set up (or enable here) the CONP ``globus`` remote with ``endpoint`` and ``fileprefix``; return its uuid.

    The same command CONP's tools run: ``git annex initremote globus type=external
    externaltype=globus encryption=none endpoint=... fileprefix=...``, or ``enableremote``
    (with the new settings) when the dataset already has one that is not enabled here or
    has other settings.
    """
    settings = [f"endpoint={endpoint}", f"fileprefix={fileprefix}"]
    found = next((r for r in conp_remotes(ds_path) if r["name"] == name), None)
    if found is None:
        _annex(ds_path, "initremote", name, "type=external", "externaltype=globus", "encryption=none", *settings)
    elif not (found["enabled"] and (found["endpoint"], found["fileprefix"]) == (endpoint, fileprefix)):
        _annex(ds_path, "enableremote", name, *settings)
    no_retry_pauses(ds_path)
    return next(r["uuid"] for r in conp_remotes(ds_path) if r["name"] == name)


def no_retry_pauses(ds_path) -> None:
    """Set ``annex.retrydelay=0`` in this clone unless someone set it already.

    DataLad runs ``git annex get -c annex.retry=3``, and git-annex pauses 1, 2, 4 s before retrying
    each failed file (this git-annex reads no per-remote setting for it). The globus remote already
    retries what is worth it (a busy Globus once, a cut download from where it stopped), and during an
    outage it answers at once, so those pauses alone would make a 200-file get take ten minutes to fail.
    git-annex still retries; only the pauses go.
    """
    if not repo.config(ds_path, "annex.retrydelay"):
        repo.run(ds_path, "config", "annex.retrydelay", "0", check=False)


def record_urls(ds_path, uuid: str, pairs) -> None:
    """CONP's registration of ``(key, url)`` pairs: ``git annex registerurl`` of each URL, then
    ``git annex setpresentkey <key> <uuid> 1`` (the key is on the remote ``uuid``)."""
    pairs = list(pairs)
    if pairs:
        _annex(ds_path, "registerurl", "--batch", input="".join(f"{key} {url}\n" for key, url in pairs))
        _annex(ds_path, "setpresentkey", "--batch", input="".join(f"{key} {uuid} 1\n" for key, _ in pairs))


def register_files(dataset, endpoint: str, fileprefix: str, paths=(), client=None) -> list[dict]:
    """Register annexed files of ``dataset`` as living on a Globus collection, the way CONP does.

    Each annexed file (under ``paths``, default all) gets the URL
    ``globus://<endpoint lower>/<fileprefix>/<its path>`` (``git annex registerurl``) and is
    marked present in the ``globus`` remote (``git annex setpresentkey``). With a logged-in
    ``client`` each file is first checked on the collection (exists, same size): files
    that are not there are reported and left unregistered, so a wrong ``fileprefix``
    cannot publish dead links.

    Returns
    -------
    list of dict
        ``path``, ``key``, ``url``, ``registered`` (bool) and ``problem`` (why not).

    Examples
    --------
    >>> import shutil
    >>> import datalad.api as dl
    >>> globus = sandbox["globus"]                          # the sandbox's Globus and its collections
    >>> collection_id = globus.info()["public_collection"]
    >>> ds = dl.create(tmp / "my-dataset", result_renderer="disabled")
    >>> _ = shutil.copy(globus.collection_dir(collection_id) / "ds001/participants.tsv", ds.path)
    >>> _ = ds.save(message="downloaded from the collection", result_renderer="disabled")
    >>> [(r["path"], r["url"], r["registered"]) for r in register_files(ds.path, collection_id, "/ds001")]
    [('participants.tsv', 'globus://1c5e.../ds001/participants.tsv', True)]
    """
    uuid = ensure_conp_remote(dataset, endpoint, fileprefix)
    files = scan(dataset)
    files = files[files["kind"] == "annexed"]
    wanted = [p.strip("/") for p in paths if p.strip("/") not in ("", ".")]
    if wanted:
        files = files[files["path"].apply(lambda p: any(p == w or p.startswith(w + "/") for w in wanted))]
    records = [{"path": p, "key": k, "url": conp_url(endpoint, fileprefix, p), "registered": False, "problem": ""}
               for p, k in zip(files["path"], files["key"])]
    if client is not None:
        sizes = _sizes_on_collection(client, find_collection(client, endpoint)["id"],
                                     [split_url(r["url"])[1] for r in records])
        for r in records:
            have, expect = sizes.get(split_url(r["url"])[1]), key_size(r["key"])
            if have is None:
                r["problem"] = "not on the collection"
            elif expect is not None and have != expect:
                r["problem"] = f"{have} bytes on the collection, {expect} in the dataset"
    good = [r for r in records if not r["problem"]]
    record_urls(dataset, uuid, [(r["key"], r["url"]) for r in good])
    for r in good:
        r["registered"] = True
    return records


def _sizes_on_collection(client, collection_id: str, paths) -> dict:
    """``{path: size}`` of the files among ``paths``: one Transfer ls per folder (paged)."""
    import globus_sdk

    folders: dict = {}
    for path in paths:
        folder, _, name = path.rpartition("/")
        folders.setdefault(folder + "/", set()).add(name)
    sizes = {}
    for folder, names in folders.items():
        offset = 0
        while True:
            try:
                page = client.ls(collection_id, folder, limit=1000, offset=offset)
            except globus_sdk.TransferAPIError as exc:
                if exc.http_status == 404:
                    break  # a missing folder means its files are missing
                raise
            for e in page.entries:
                if e.get("type") == "file" and e.get("name") in names:
                    sizes[folder + e["name"]] = int(e["size"])
            if not page.has_next:
                break
            offset += len(page.entries)
    return sizes


def registered_urls(ds_path, keys) -> dict:
    """``{key: [globus:// URLs]}`` recorded in the git-annex branch, read without git-annex.

    ``git annex whereis`` lists a special remote's URLs only once the remote is enabled in
    this clone; the explorer shows them before, so a user sees where a file would come from.
    One ``git cat-file --batch`` reads every key's URL log (``<hashdirlower><key>.log.web``).
    """
    keys = list(dict.fromkeys(keys))
    refs = []
    for key in keys:
        digest = hashlib.md5(key.encode()).hexdigest()
        refs.append(f"git-annex:{digest[:3]}/{digest[3:6]}/{key}.log.web")
    found = {}
    for key, log in zip(keys, repo.cat_objects(ds_path, refs)):
        state: dict = {}
        for line in (log or b"").decode("utf-8", "replace").splitlines():
            parts = line.split(" ", 2)  # "<timestamp>s <1|0> <url>"; the later line wins
            if len(parts) == 3:  # a URL a special remote claims is kept as ":<url>"
                state[parts[2].removeprefix(":")] = parts[1] == "1"
        found[key] = [u for u, present in state.items() if present and u.lower().startswith(SCHEME)]
    return found


def enable_hint(ds_path) -> str:
    """What to do when a get fails in a clone whose CONP Globus remote is not enabled yet ('' if none is)."""
    names = [r["name"] for r in conp_remotes(ds_path) if not r["enabled"]]
    if not names:
        return ""
    return (f"This dataset keeps files on Globus (remote {names[0]!r}): run `git-annex-remote-globus setup` in the "
            f"dataset (it logs you in, runs `git annex enableremote {names[0]}` and verifies it once you say yes).")
