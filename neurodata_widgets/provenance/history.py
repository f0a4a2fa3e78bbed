"""The run records of a dataset and its installed subdatasets, linked and kept up to date.

Each dataset's records come from its :class:`~.records.DatasetLog` (one ``git log``). A
subdataset's runs are linked to the superdataset commit that recorded that subdataset
state; the subdataset half of a run started in the superdataset (DataLad saves it with
the same record) is folded into the superdataset's run, so its files count as that
run's outputs. :meth:`History.refresh` reads only commits added since the last read.

Examples
--------
>>> h = History(demo["superdataset"])
>>> [r.message for r in filter_runs(h.runs, text="plot")]
['Plot mean intensity per subject']
"""
from __future__ import annotations

import json
import posixpath
from pathlib import Path

from .gitlog import git
from .records import COLUMNS, DatasetLog, RunRecord, pattern_regex, submodules


class History:
    """Run records of a dataset and, recursively, of its installed subdatasets.

    Parameters
    ----------
    path : path
        The (top) dataset.
    recursive : bool
        Also read installed subdatasets (default).

    Examples
    --------
    >>> h = History(demo["superdataset"])
    >>> h.runs[0].kind, len(h.runs[0].chain)
    ('rerun', 1)
    >>> h.refresh()          # reads only commits added since
    0
    """

    def __init__(self, path, recursive: bool = True):
        from ..user_error import NotADataset

        self.path = Path(path).expanduser().resolve()
        if not (self.path / ".git").exists():
            raise NotADataset(self.path, "Choose the folder of a dataset, e.g. one made with 'datalad create'.")
        self.recursive = recursive
        self.logs: dict[str, DatasetLog] = {}
        self.runs: list[RunRecord] = []
        self._ancestry: dict = {}
        self._mounts: dict = {}
        from .rerun import load_reproduced

        self.reproduced: dict = load_reproduced()  # run commit -> commit where a rerun changed nothing
        self.refresh()

    @property
    def problems(self) -> list[dict]:
        """Run commits that were skipped, with the reason (malformed or unreadable records)."""
        return [p for prefix in sorted(self.logs) for p in self.logs[prefix].problems]

    def refresh(self) -> int:
        """Read commits added since the last read; return the number of new run records."""
        found = dict(self._discover())
        changed = set(self.logs) != set(found)
        self.logs = {p: self.logs.get(p) or DatasetLog(found[p], p) for p in found}
        added = 0
        for prefix in sorted(self.logs):
            before = self.logs[prefix].head
            new = self.logs[prefix].read()  # also sidecar records whose content arrived since
            added += new
            changed = changed or bool(new) or before != self.logs[prefix].head
        if changed:
            self._combine()
            for run in self.runs:
                if run.foreign:
                    run.mount = self._mount(run)
        return added

    def _discover(self):
        yield "", self.path
        if not self.recursive:
            return
        todo = [("", self.path)]
        while todo:
            prefix, path = todo.pop()
            for sub in submodules(path):
                if sub["installed"]:
                    sub_prefix = posixpath.join(prefix, sub["path"]) if prefix else sub["path"]
                    yield sub_prefix, path / sub["path"]
                    todo.append((sub_prefix, path / sub["path"]))

    def parent_prefix(self, prefix: str) -> str | None:
        """Prefix of the dataset that contains the dataset at ``prefix`` (``None`` for the top)."""
        if not prefix:
            return None
        candidates = [p for p in self.logs if p != prefix and (p == "" or prefix.startswith(p + "/"))]
        return max(candidates, key=len)

    def dataset_of(self, path: str) -> str:
        """Prefix of the innermost known dataset holding ``path`` (relative to the top)."""
        best = ""
        for prefix in self.logs:
            if prefix and (path == prefix or path.startswith(prefix + "/")) and len(prefix) > len(best):
                best = prefix
        return best

    def _combine(self) -> None:
        import dataclasses

        # a DatasetLog's records stay as parsed; a run gaining subdataset halves is a copy
        copies: dict = {}
        by_commit = {(p, r.commit): r for p, log in self.logs.items() for r in log.runs}
        folded = set()
        # deepest first, so a sub-subdataset's half reaches the top through its parent
        for prefix in sorted((p for p in self.logs if p), key=lambda p: -p.count("/")):
            parent = self.parent_prefix(prefix)
            rel = prefix[len(parent) + 1:] if parent else prefix
            events = [(sc, sha) for sc, path, sha in self.logs[parent].gitlinks if path == rel]
            for run in self.logs[prefix].runs:
                run = copies.get((prefix, run.commit), run)
                run.super_commit = self._recorded_by(prefix, run.commit, events)
                key = (parent, run.super_commit)
                owner = copies.get(key) or by_commit.get(key)
                if owner is not None and run.dsid and run.dsid != self.logs[prefix].id and run.dsid == owner.dsid:
                    if key not in copies:
                        owner = copies[key] = dataclasses.replace(owner, files=list(owner.files),
                                                                  blobs=dict(owner.blobs), subcommits=[],
                                                                  links=set(owner.links))
                    owner.files.extend(run.files)
                    owner.blobs.update(run.blobs)
                    owner.links |= run.links
                    owner.subcommits.append((prefix, run.commit))
                    owner.subcommits.extend(run.subcommits)  # halves already folded into this one
                    folded.add((prefix, run.commit))
        runs = [copies.get((p, r.commit), r) for p, log in self.logs.items() for r in log.runs
                if (p, r.commit) not in folded]
        if len(self.logs) > 1:
            runs.sort(key=lambda r: r.time, reverse=True)
        self.runs = runs

    def _mount(self, run: RunRecord) -> str | None:
        """Where the dataset holding ``run`` sits in the dataset that ran it (``None``: not known).

        Asked in turn: the datasets read here, the folders above the dataset (a subdataset
        opened on its own inside its superdataset), then the run's own record (a declared
        output ending in a path the commit changed).
        """
        holder = self.logs[run.dataset].path
        for prefix, log in self.logs.items():
            if log.id and log.id == run.dsid and (not prefix or run.dataset.startswith(prefix + "/")):
                return run.dataset[len(prefix) + 1:] if prefix else run.dataset
        key = (str(holder), run.dsid)
        if key not in self._mounts:
            self._mounts[key] = _mount_above(holder, run.dsid)
        if self._mounts[key] is not None:
            return self._mounts[key]
        cut = len(run.dataset) + 1 if run.dataset else 0
        for _, path in run.files:
            changed = path[cut:]
            for out in run.outputs:
                declared = posixpath.normpath(posixpath.join(run.pwd, out))
                if declared.endswith("/" + changed):
                    return declared[:-len(changed) - 1]
        return None

    def _recorded_by(self, prefix: str, commit: str, events: list) -> str:
        for super_commit, sha in events:
            if sha == commit:
                return super_commit
        if not events:
            return ""
        parents = self._ancestry.get(prefix)
        if parents is None or parents[0] != self.logs[prefix].head:
            text = git(self.logs[prefix].path, "log", "--format=%H %P", "--all", check=False)
            parents = (self.logs[prefix].head, {ln.split()[0]: ln.split()[1:] for ln in text.splitlines() if ln})
            self._ancestry[prefix] = parents
        graph = parents[1]
        for super_commit, sha in events:
            seen, todo = set(), [sha]
            while todo:
                c = todo.pop()
                if c == commit:
                    return super_commit
                if c not in seen:
                    seen.add(c)
                    todo.extend(graph.get(c, ()))
        return ""

    # -- lookups ---------------------------------------------------------------------------------
    def find(self, commit: str) -> RunRecord | None:
        """The run whose commit starts with ``commit`` (a folded subdataset half finds its run)."""
        for run in self.runs:
            if run.commit.startswith(commit) or any(c.startswith(commit) for _, c in run.subcommits):
                return run
        return None

    def to_dataframe(self):
        """The runs as a :class:`pandas.DataFrame` (one row per run, newest first)."""
        import pandas as pd

        return pd.DataFrame([r.as_row() for r in self.runs], columns=COLUMNS)


def run_records(path, recursive: bool = True) -> list[RunRecord]:
    """All run records of the dataset at ``path`` (and its installed subdatasets), newest first.

    Examples
    --------
    >>> runs = run_records(demo["superdataset"])
    >>> sorted({r.kind for r in runs})
    ['rerun', 'run']
    """
    return History(path, recursive=recursive).runs


def runs_csv(runs) -> str:
    """``runs`` as CSV for a spreadsheet or a script: one row per run.

    Dates are full ISO 8601 with their time zone; ``inputs`` and ``outputs`` are JSON lists
    of paths (relative to the dataset shown), so a path holding a comma or a quote reads back whole.

    Examples
    --------
    >>> runs_csv([]).splitlines()[0].split(",")[:4]
    ['commit', 'dataset', 'date', 'author']
    """
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for run in runs:
        row = run.as_row()
        row.update(date=run.date.isoformat(), inputs=json.dumps(run.input_paths, ensure_ascii=False),
                   outputs=json.dumps(run.output_paths, ensure_ascii=False))
        writer.writerow(row)
    return out.getvalue()


def _mount_above(path: Path, dsid: str, levels: int = 8) -> str | None:
    """Path of ``path`` inside the closest folder above it that is the dataset ``dsid``."""
    from .records import _dataset_id

    for parent in list(path.parents)[:levels]:
        if (parent / ".datalad" / "config").is_file() and _dataset_id(parent) == dsid:
            return path.relative_to(parent).as_posix()
    return None


def filter_runs(runs, text: str = "", path: str = "", since=None, until=None) -> list[RunRecord]:
    """Runs matching every given filter.

    Parameters
    ----------
    text : str
        Case-insensitive substring of the message, command, author or commit.
    path : str
        A glob or substring matched against inputs, outputs and changed files.
    since, until : date, optional
        Inclusive bounds on the run's date (UTC).

    Examples
    --------
    >>> filter_runs([], text="smooth")
    []
    """
    text = text.strip().lower()
    path = path.strip()
    regex = pattern_regex(path) if any(ch in path for ch in "*?[") else None
    out = []
    for run in runs:
        if text and not any(text in s.lower() for s in (run.message, run.cmd, run.author, run.commit)):
            continue
        if path:
            names = run.input_paths + run.output_paths + [p for _, p in run.files]
            if not any((regex.match(n) if regex else path in n) for n in names):
                continue
        day = run.date.date()
        if (since and day < since) or (until and day > until):
            continue
        out.append(run)
    return out


def diff_stats(history: History, run: RunRecord) -> dict:
    """Lines a run added and removed in git-tracked files (``git show --numstat``), halves included.

    Annexed files (symlinks to the annex) and binary files are counted, not measured in lines.
    """
    stats = {"insertions": 0, "deletions": 0, "annexed": 0, "binary": 0}
    for prefix, commit in [(run.dataset, run.commit)] + list(run.subcommits):
        log = history.logs.get(prefix)
        if log is None:
            continue
        out = git(log.path, "show", "-z", "--numstat", "--format=", "--no-renames", "--diff-merges=first-parent",
                  commit, check=False)
        for entry in out.split("\0"):
            fields = entry.lstrip("\n").split("\t", 2)
            if len(fields) < 3:
                continue
            added, removed, path = fields
            full = posixpath.join(prefix, path) if prefix else path
            if full in run.links:
                stats["annexed"] += 1
            elif added == "-":
                stats["binary"] += 1
            elif added.isdigit() and removed.isdigit() and full not in history.logs:  # not a subdataset pointer
                stats["insertions"] += int(added)
                stats["deletions"] += int(removed)
    return stats
