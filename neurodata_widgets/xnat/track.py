"""Track XNAT files in a DataLad dataset, as datalad-xnat's ``xnat-init`` + ``xnat-update`` do.

The dataset gets datalad-xnat's configuration in ``.datalad/config``
(``datalad.xnat.<name>.url``, ``.project``, ``.pathfmt``, ``.credential-name``) and, unless
access is anonymous, a provider file ``.datalad/providers/xnat-<name>.cfg`` plus DataLad's
``datalad`` special remote, so a later ``datalad get`` fetches content with the stored
credential. Files are registered with their XNAT URLs through ``addurls``: by key
(``MD5E``, from XNAT's digest, no request per file) when XNAT gives a digest, so register-only
is fast and ``datalad get`` verifies content. ``//`` in the path format marks a subdataset
boundary. Running it again adds only files that are not there yet.

Examples
--------
>>> from neurodata_widgets.xnat.client import Node, XnatClient
>>> from neurodata_widgets.xnat.track import track
>>> xnat = sandbox.info()["xnat"]
>>> client = XnatClient(xnat["url"])
>>> client.login("demo", xnat["password"])
'demo'
>>> selection = [Node("experiment", "DEMO_PUBLIC", "sub-001", "XNAT_E00001")]
>>> report = track(client, client.manifest(selection), tmp / "my-xnat")
>>> report["status"].value_counts().to_dict()  # 3 scans: DICOM and snapshots; the QC report; assessors
{'ok': 17}
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from .. import errors
from ..auth.credentials import ANONYMOUS
from .download import DEFAULT_PATHFMT, relpaths

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost", "::1")
PROVIDER_TEMPLATE = """\
[provider:xnat-{name}]
url_re = {url}/.*
credential = {credential}
authentication_type = http_basic_auth

[credential:{credential}]
type = user_password
"""


def _dataset(path):
    from datalad.api import Dataset, create

    ds = Dataset(str(path))
    if not ds.is_installed():
        if Path(path).exists() and any(Path(path).iterdir()):
            raise errors.UserError(f"{path} exists and is not a DataLad dataset.",
                                   "Choose an empty folder or an existing dataset.")
        create(path=str(path), result_renderer="disabled")
        ds = Dataset(str(path))
    return ds


def _remove_new_dataset(path: Path, keep_folder: bool) -> None:
    """Remove a dataset this call created (git-annex write-protects its objects: make them writable first)."""
    import shutil

    if not path.exists():
        return
    for folder, dirs, _ in os.walk(path):
        for d in dirs:
            os.chmod(os.path.join(folder, d), 0o755)
    for child in list(path.iterdir()) if keep_folder else [path]:
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    log.info("removed the half-made dataset %s", path)


def configure(ds, url: str, project: str, pathfmt: str, credential: str, name: str = "default") -> bool:
    """Write datalad-xnat's settings (and, unless anonymous, provider + special remote); ``True`` if changed."""
    changed = False
    settings = {"url": url, "project": project, "pathfmt": pathfmt, "credential-name": credential}
    for key, value in settings.items():
        var = f"datalad.xnat.{name}.{key}"
        if ds.config.get(var) != value:
            ds.config.set(var, value, scope="branch", reload=False)
            changed = True
    ds.config.reload()
    host = urlsplit(url).hostname or ""
    if host in LOOPBACK and ds.config.get("annex.security.allowed-ip-addresses") != host:
        # git-annex refuses loopback URLs by default; a loopback XNAT (the sandbox) must be allowed
        # in this clone's own config (never committed)
        ds.config.set("annex.security.allowed-ip-addresses", host, scope="local")
    to_save = [ds.pathobj / ".datalad" / "config"]
    if credential != ANONYMOUS:
        provider = ds.pathobj / ".datalad" / "providers" / f"xnat-{name}.cfg"
        text = PROVIDER_TEMPLATE.format(name=name, url=url.rstrip("/"), credential=credential)
        if not provider.exists() or provider.read_text() != text:
            provider.parent.mkdir(parents=True, exist_ok=True)
            provider.write_text(text)
            to_save.append(provider)
            changed = True
        remotes = ds.repo.get_special_remotes()
        if not any(r.get("name") == "datalad" for r in remotes.values()):
            ds.repo.init_remote("datalad", ["encryption=none", "type=external", "externaltype=datalad",
                                            "autoenable=true"])
    if changed:
        ds.save(path=[str(p) for p in to_save], to_git=True, message="Configure XNAT access (neurodata-widgets)",
                result_renderer="disabled")
    return changed


def track(client, manifest, dataset, *, pathfmt: str = DEFAULT_PATHFMT, register_only: bool = True,
          project: str | None = None, name: str = "default", job=None):
    """Register the files of ``manifest`` in the DataLad dataset at ``dataset`` (created if missing).

    Parameters
    ----------
    client : XnatClient
        Logged in; its URL and credential name go into the dataset configuration.
    manifest : DataFrame
        From :meth:`XnatClient.manifest`.
    pathfmt : str
        datalad-xnat's path format, e.g. ``{subject}/{session}//{scan}/`` (``//``: subdataset boundary).
    register_only : bool
        Only record URLs (content fetched later by ``datalad get``); ``False`` downloads now.
    job : Job, optional
        Receives progress (files) and is checked for cancel between (sub)datasets.

    Returns
    -------
    DataFrame
        ``path`` (relative to the dataset), ``dataset`` and ``status`` (ok, notneeded, error), ``message``.
    """
    import pandas as pd

    from datalad.api import Dataset

    if not Dataset(str(dataset)).is_installed():
        # a dataset made here and then left by a failure or a cancel is removed again: nothing half-made
        existed = Path(dataset).exists()
        try:
            _dataset(dataset)
            return track(client, manifest, dataset, pathfmt=pathfmt, register_only=register_only,
                         project=project, name=name, job=job)
        except BaseException:
            _remove_new_dataset(Path(dataset), keep_folder=existed)
            raise
    ds = _dataset(dataset)
    if ds.repo.dirty:
        raise errors.UserError(f"The dataset {ds.path} has unsaved changes.",
                               "Save or discard them first (see `datalad status`), then try again.")
    projects = sorted(set(manifest["project"])) if len(manifest) else []
    project = project or (projects[0] if projects else "")
    credential = client.credential_name or ANONYMOUS
    configure(ds, client.url, project, pathfmt, credential, name)

    groups: dict = {}  # subdataset path ('' = top) -> rows
    report = []
    rows = manifest.to_dict("records")
    for row, rel in zip(rows, relpaths(rows, pathfmt)):
        sub, _, inner = rel.rpartition("//") if "//" in rel else ("", "", rel)
        full = os.path.join(ds.path, sub.replace("//", "/"), inner)
        if os.path.lexists(full):
            report.append({"path": os.path.relpath(full, ds.path), "dataset": sub, "status": "notneeded",
                           "message": "already tracked"})
            continue
        groups.setdefault(sub.replace("//", "/"), []).append(dict(row, filename=inner))
    total, done = sum(len(v) for v in groups.values()), 0
    for sub, rows in groups.items():
        if job is not None:
            job.check()
            job.report(done=done, total=total, unit="files", message=f"registering in {sub or 'the dataset'}")
        target = ds
        if sub:
            target = _subdataset(ds, sub)
            configure(target, client.url, project, pathfmt, credential, name)
        report += _add(target, rows, register_only, sub)
        if sub:
            ds.save(path=sub, message=f"Track XNAT files in {sub}", result_renderer="disabled")
        done += len(rows)
    if job is not None:
        job.report(done=total, total=total, unit="files")
    return pd.DataFrame(report, columns=["path", "dataset", "status", "message"])


def _subdataset(ds, sub: str):
    from datalad.api import Dataset

    sub_ds = Dataset(os.path.join(ds.path, sub))
    if not sub_ds.is_installed():
        ds.create(path=sub, result_renderer="disabled")
    return sub_ds


def _add(target, rows, register_only, sub):
    by_key = all(r.get("md5") and r.get("size") not in (None, "") for r in rows)
    records = [{"url": r["url"], "filename": r["filename"], "md5": r.get("md5") or "",
                "size": str(int(r["size"])) if r.get("size") not in (None, "") else ""} for r in rows]
    fd, table = tempfile.mkstemp(suffix=".json", prefix="ndw-xnat-")
    with os.fdopen(fd, "w") as fh:
        json.dump(records, fh)
    try:
        results = target.addurls(table, "{url}", "{filename}", key="et:MD5-s{size}--{md5}" if by_key else None,
                                 fast=register_only and not by_key, ifexists="skip", save=True,
                                 exclude_autometa="*",
                                 message=f"Track {len(rows)} XNAT files", result_renderer="disabled",
                                 on_failure="ignore", return_type="list")
        if by_key and not register_only:
            results += target.get([os.path.join(target.path, r["filename"]) for r in rows],
                                  result_renderer="disabled", on_failure="ignore", return_type="list")
    finally:
        os.unlink(table)
    out = []
    for res in results:
        if res.get("type") != "file" or res.get("action") not in ("fromkey", "addurl", "get"):
            continue
        path = os.path.relpath(res["path"], target.path)
        message = res.get("message") or ""
        if isinstance(message, tuple):
            message = message[0] % message[1:]
        out.append({"path": os.path.join(sub, path) if sub else path, "dataset": sub,
                    "status": res.get("status"), "message": str(message)})
    return out
