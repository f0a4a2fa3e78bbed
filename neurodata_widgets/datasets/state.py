"""What a DataLad dataset is and holds, read with git and git-annex (no ipywidgets).

Examples
--------
>>> from neurodata_widgets.datasets.state import dataset_summary
>>> [(s["path"], s["installed"]) for s in dataset_summary(demo["superdataset"])["subdatasets"]]
[('derivatives', True), ('raw', True)]
"""
from __future__ import annotations

from pathlib import Path

from .. import repo
from ..errors import UserError
from ..user_error import NotADataset
from ..globus.conp import conp_remotes, registered_urls
from .content import (SCAN_COLUMNS, git_dir, hashdirmixed, key_size, present_keys,  # noqa: F401  (state's API too)
                      scan)

RUN_MARKER = "[DATALAD RUNCMD] "  # DataLad's rule: a run commit's message STARTS with this


def run_commit_count(path) -> int:
    """Number of run commits on HEAD, by DataLad's rule (a revert or a squash that quotes one is none)."""
    subjects = repo.run(path, "log", "--format=%s", "--fixed-strings", f"--grep={RUN_MARKER}", check=False)
    return sum(1 for line in subjects.splitlines() if line.startswith(RUN_MARKER))


def is_dataset(path) -> bool:
    return (Path(path) / ".datalad" / "config").is_file() or repo.is_repository(path)


def subdatasets(path) -> list[dict]:
    """Registered subdatasets of the dataset at ``path``: name, path, url, id, installed (see :func:`repo.submodules`)."""
    return repo.submodules(path)


def dataset_summary(path) -> dict:
    """Name, id, subdatasets and number of run records of a dataset.

    Returns
    -------
    dict
        ``name``, ``path``, ``id``, ``description`` (first README heading), ``subdatasets``
        (list of dicts), ``run_records`` (count of run commits on HEAD).
    """
    path = Path(path).expanduser().resolve()
    if not is_dataset(path):
        raise FileNotFoundError(f"{path} is not a DataLad dataset")
    ds_id = repo.config(path, "datalad.dataset.id", file=".datalad/config")
    description = ""
    readme = path / "README.md"
    if readme.exists():
        for line in readme.read_text(errors="replace").splitlines():
            if line.strip():
                description = line.lstrip("# ").strip()
                break
    return {"name": path.name, "path": str(path), "id": ds_id, "description": description,
            "subdatasets": subdatasets(path), "run_records": run_commit_count(path)}


# ----------------------------------------------------------------------------------------
# where the content lives (what is annexed and on disk: content.py)
# ----------------------------------------------------------------------------------------
def whereis(dataset, paths) -> dict:
    """Where the content of annexed files is: one ``git annex whereis --json --batch`` process.

    Returns
    -------
    dict
        path -> list of ``{"uuid", "description", "here", "urls"}`` (web URLs and special-remote
        locations included); files not in the annex are left out.
    """
    paths = list(paths)
    if not paths:
        return {}
    found = {}
    for path, record in zip(paths, repo.annex_batch(dataset, "whereis", items=paths)):
        if record is None:
            continue  # not annexed
        found[path] = [
            {"uuid": w.get("uuid", ""), "description": w.get("description", ""), "here": bool(w.get("here")),
             "urls": list(w.get("urls", [])), "key": record.get("key", "")} for w in record.get("whereis", [])]
    _describe_globus(dataset, found)
    return found


def _describe_globus(dataset, found: dict) -> None:
    """Name the Globus collection of CONP ``globus`` remotes and show their URLs even before enableremote."""
    remotes = {r["uuid"]: r for r in conp_remotes(dataset)}
    if not remotes:
        return
    places = [w for locations in found.values() for w in locations if w["uuid"] in remotes]
    urls = registered_urls(dataset, [w["key"] for w in places if not w["urls"]])
    for w in places:
        r = remotes[w["uuid"]]
        note = "" if r["enabled"] else f"; to get from it: git annex enableremote {r['name']}"
        w["description"] = f"{w['description'] or r['name']} (Globus collection {r['endpoint']}{note})"
        w["urls"] = w["urls"] or urls.get(w["key"], [])


def repositories(dataset, subdir: str = "") -> list[dict]:
    """Repositories holding content of the dataset (or a folder): description, uuid, here, bytes.

    From ``git annex info --bytes --json``; for a folder git-annex reports the
    repositories containing its files.
    """
    records = repo.annex_json(dataset, "info", "--bytes", *([subdir] if subdir else []))
    info = records[0] if records else {}
    entries = info.get("repositories containing these files") or info.get("annex sizes of repositories") or []
    return [{"description": e.get("description", ""), "uuid": e.get("uuid", ""), "here": bool(e.get("here")),
             "bytes": int(e["size"]) if str(e.get("size", "")).isdigit() else None} for e in entries]


def _join(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


def _under(path: str, prefix: str) -> bool:
    return not prefix or path == prefix or path.startswith(prefix + "/")


class DatasetState:
    """A dataset hierarchy's content state, for browsing: listings, totals, whereis.

    Paths are relative to the top dataset (``root``) and cross into installed
    subdatasets (``raw/sub-01/anat``). Each dataset is scanned once with
    :func:`scan` and cached until :meth:`refresh`.

    Parameters
    ----------
    root : path
        The top dataset.

    Examples
    --------
    >>> st = DatasetState(demo["superdataset"])
    >>> st.listing("")[["name", "kind", "state"]].head(3)
              name        kind    state
    0  derivatives  subdataset  present
    1          raw  subdataset  present
    2     .datalad   directory   in git
    >>> st.totals("raw")["annexed_files"]
    6
    """

    def __init__(self, root):
        self.root = Path(root).expanduser().resolve()
        if not is_dataset(self.root):
            raise NotADataset(self.root)
        self._scans: dict = {}
        self._datasets = None

    # -- hierarchy ------------------------------------------------------------------------
    def datasets(self) -> list[dict]:
        """The top dataset and every subdataset below it: ``path`` (relative), ``installed``, ``parent``."""
        if self._datasets is None:
            found = [{"path": "", "installed": True, "parent": None, "url": "", "id": ""}]
            todo = [""]
            while todo:
                rel = todo.pop()
                for sub in subdatasets(self.root / rel):
                    sub_rel = _join(rel, sub["path"])
                    found.append({"path": sub_rel, "installed": sub["installed"], "parent": rel,
                                  "url": sub["url"], "id": sub["id"]})
                    if sub["installed"]:
                        todo.append(sub_rel)
            self._datasets = sorted(found, key=lambda d: d["path"])
        return self._datasets

    def locate(self, path: str) -> tuple[str, str]:
        """``(dataset, inner path)``: the deepest installed dataset holding ``path``."""
        path = path.strip("/")
        best = ""
        for d in self.datasets():
            if d["installed"] and _under(path, d["path"]) and len(d["path"]) > len(best):
                best = d["path"]
        return best, path[len(best):].strip("/")

    def dataset_info(self, path: str) -> dict | None:
        return next((d for d in self.datasets() if d["path"] == path.strip("/")), None)

    def refresh(self, dataset: str | None = None) -> None:
        """Forget cached scans (of one dataset, or all, with the hierarchy) so the next read sees the disk again."""
        if dataset is None:
            self._scans.clear()
            self._datasets = None
        else:
            for key in [k for k in self._scans if k == dataset or (isinstance(k, tuple) and k[0] == dataset)]:
                del self._scans[key]

    # -- files ------------------------------------------------------------------------------
    def files(self, dataset: str = "", subdir: str = ""):
        """The cached :func:`scan` of one dataset (or of one of its folders), paths relative to the top.

        A folder is scanned on its own until the whole dataset has been scanned, so opening
        one folder of a huge dataset costs only that folder.
        """
        if dataset in self._scans:
            frame = self._scans[dataset]
            if subdir:
                prefix = _join(dataset, subdir)
                frame = frame[(frame["path"] == prefix) | frame["path"].str.startswith(prefix + "/")]
            return frame
        cache_key = (dataset, subdir)
        if cache_key not in self._scans:
            frame = scan(self.root / dataset, subdir)
            frame["dataset"] = dataset
            if dataset:
                frame["path"] = dataset + "/" + frame["path"]
            self._scans[cache_key] = frame
            if not subdir:
                self._scans[dataset] = frame
        return self._scans[cache_key]

    def files_under(self, path: str = "", subdatasets: bool = False):
        """Files (and, with ``subdatasets=True``, subdataset entries) under ``path``, across installed datasets."""
        path = path.strip("/")
        frames = []
        for d in self.datasets():
            if not d["installed"]:
                continue
            if _under(d["path"], path) or _under(path, d["path"]):
                inner = "" if _under(d["path"], path) else path[len(d["path"]):].strip("/")
                frames.append(self.files(d["path"], inner))
        return _combine(frames, subdatasets)

    def files_in(self, paths, subdatasets: bool = False):
        """Files at or under any of ``paths``: one vectorised pass per dataset, however many paths."""
        paths = sorted({p.strip("/") for p in paths})
        if len(paths) <= 1:
            return self.files_under(paths[0] if paths else "", subdatasets)
        if "" in paths:
            return self.files_under("", subdatasets)
        frames = []
        for d in self.datasets():
            relevant = [p for p in paths if _under(d["path"], p) or _under(p, d["path"])]
            if not d["installed"] or not relevant:
                continue
            frame = self.files(d["path"])
            if not any(_under(d["path"], p) for p in relevant):
                mask = frame["path"].isin(relevant) | frame["path"].str.startswith(tuple(p + "/" for p in relevant))
                frame = frame[mask]
            frames.append(frame)
        return _combine(frames, subdatasets)

    def totals(self, path: str = "") -> dict:
        """Present vs total bytes and files under ``path`` (recursive over installed subdatasets)."""
        return _totals(self.files_under(path))

    def selection_effect(self, paths) -> dict:
        """What a get of ``paths`` would add on disk and what a drop would free (bytes, files)."""
        files = self.files_in(paths)
        files = files[files["kind"] == "annexed"]
        absent, present = files[~files["present"]], files[files["present"]]
        return {"get_bytes": int(absent["size"].fillna(0).sum()), "get_files": len(absent),
                "drop_bytes": int(present["size"].fillna(0).sum()), "drop_files": len(present),
                "unknown": int(files["size"].isna().sum())}

    def listing(self, path: str = ""):
        """The entries directly inside folder ``path``, with state and sizes.

        Returns
        -------
        pandas.DataFrame
            ``name``, ``path``, ``kind`` (``directory``, ``git``, ``annexed``, ``subdataset``), ``state``
            (``present``, ``absent``, ``partial``, ``in git``, ``not installed``), ``size`` (total bytes),
            ``on_disk`` (present bytes), ``files``, ``present_files``, ``key``, ``dataset``.
        """
        import pandas as pd

        path = path.strip("/")
        info = self.dataset_info(path)
        if info is not None and not info["installed"]:
            return pd.DataFrame(columns=LISTING_COLUMNS)
        files = self.files_under(path, subdatasets=True)
        if path:
            files = files[files["path"] != path]
        rest = files["path"].str.slice(len(path) + 1 if path else 0)
        files = files.assign(name=rest.str.split("/", n=1).str[0], nested=rest.str.contains("/", regex=False))
        subs = {d["path"]: d for d in self.datasets() if d["path"] and d["parent"] is not None}
        rows = []
        direct = files[~files["nested"]]
        for rec in direct.itertuples(index=False):
            if rec.kind == "subdataset":
                continue  # listed below with its contents' totals
            size = None if pd.isna(rec.size) else int(rec.size)
            rows.append({"name": rec.name, "path": rec.path, "kind": rec.kind,
                         "state": "in git" if rec.kind == "git" else ("present" if rec.present else "absent"),
                         "size": size, "on_disk": size if rec.present else 0, "files": 1,
                         "present_files": int(bool(rec.present)), "key": rec.key, "dataset": rec.dataset})
        nested = files[files["nested"] & (files["kind"] != "subdataset")]
        groups = {name: group for name, group in nested.groupby("name", sort=False)}
        names = set(groups) | {n for n, k in zip(direct["name"], direct["kind"]) if k == "subdataset"}
        for name in names:
            child = _join(path, name)
            t = _totals(groups[name]) if name in groups else _totals(files.iloc[0:0])
            sub = subs.get(child)
            if sub is not None and not sub["installed"]:
                kind, state, size, on_disk = "subdataset", "not installed", None, None
            else:
                kind = "subdataset" if sub is not None else "directory"
                size, on_disk = t["total_bytes"], t["present_bytes"]
                annexed, have = t["annexed_files"], t["present_annexed_files"]
                state = "in git" if not annexed else ("present" if have == annexed else
                                                     "absent" if have == 0 else "partial")
            rows.append({"name": name, "path": child, "kind": kind, "state": state, "size": size,
                         "on_disk": on_disk, "files": t["files"], "present_files": t["present_files"], "key": "",
                         "dataset": child if sub is not None else self.locate(child)[0]})
        frame = pd.DataFrame(rows, columns=LISTING_COLUMNS)
        order = frame["kind"].map({"subdataset": 0, "directory": 1}).fillna(2)
        frame = frame.assign(_o=order).sort_values(["_o", "name"], kind="stable").drop(columns="_o")
        frame["size"] = frame["size"].astype("Int64")
        frame["on_disk"] = frame["on_disk"].astype("Int64")
        return frame.reset_index(drop=True)

    def whereis(self, path: str) -> list[dict]:
        """Locations of one annexed file's content (empty for files in git)."""
        dataset, inner = self.locate(path)
        return whereis(self.root / dataset, [inner]).get(inner, [])

    def summary(self, path: str = "") -> dict:
        """Totals plus the hierarchy's dataset counts, for a header or a storage bar."""
        t = self.totals(path)
        ds = [d for d in self.datasets() if _under(d["path"], path.strip("/"))]
        t.update(datasets=len(ds), installed_datasets=sum(d["installed"] for d in ds))
        return t


def _combine(frames, subdatasets: bool):
    """Concatenate per-dataset frames (dropping subdataset entries unless asked for)."""
    import pandas as pd

    if not subdatasets:
        frames = [f[f["kind"] != "subdataset"] for f in frames]
    if not frames:
        return pd.DataFrame(columns=SCAN_COLUMNS + ["dataset"])
    return pd.concat(frames, ignore_index=True)


LISTING_COLUMNS = ["name", "path", "kind", "state", "size", "on_disk", "files", "present_files", "key", "dataset"]


def _totals(files) -> dict:
    files = files[files["kind"] != "subdataset"]
    annexed = files[files["kind"] == "annexed"]
    sizes = files["size"].fillna(0)
    present = files["present"]
    return {"files": int(len(files)), "present_files": int(present.sum()),
            "annexed_files": int(len(annexed)), "present_annexed_files": int(annexed["present"].sum()),
            "total_bytes": int(sizes.sum()), "present_bytes": int(sizes[present].sum()),
            "git_bytes": int(sizes[files["kind"] == "git"].sum()), "unknown_size": int(files["size"].isna().sum())}
