"""DataLad run records read from git history (no ipywidgets, no DataLad import).

Every ``[DATALAD RUNCMD]`` commit of a dataset and its installed subdatasets is read
with ONE ``git log`` per dataset (NUL-separated custom format plus ``--raw``), never a
process per commit. Records kept in ``.datalad/runinfo/`` sidecar files are read in one
``git cat-file --batch``. A subdataset's runs are linked to the superdataset commit that
recorded that subdataset state; the subdataset half of a run started in the superdataset
(DataLad saves it with the same record) is folded into the superdataset's run, so its
files show up as that run's outputs. Malformed records are collected in
:attr:`History.problems`, never raised. :meth:`History.refresh` reads only new commits.

Examples
--------
>>> from neurodata_widgets.provenance.records import run_records
>>> runs = run_records("/path/to/ndw-demo")             # doctest: +SKIP
>>> [r.message for r in runs][:2]                       # doctest: +SKIP
['Summarize the smoothed images', 'Summarize the smoothed images']
"""
from __future__ import annotations

import json
import logging
import lzma
import os
import posixpath
import re
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

log = logging.getLogger(__name__)

MARKER = "[DATALAD RUNCMD]"
RECORD_RE = re.compile(r"\[DATALAD RUNCMD\] (.*?)\n?=== Do not change lines below ===\n(.*)\n\^\^\^ Do not change "
                       r"lines above \^\^\^", re.DOTALL)
# \x01 opens a commit; messages cannot hold NUL, so "\0\x01" only ever starts a commit
LOG_FORMAT = "%x01%H%x00%P%x00%an%x00%ae%x00%at%x00%B%x00"
KNOWN_KEYS = ("cmd", "dsid", "exit", "inputs", "extra_inputs", "outputs", "pwd", "chain")
CONTAINER_DIR = ".datalad/environments/"
COLUMNS = ["commit", "dataset", "date", "author", "message", "cmd", "exit", "kind", "inputs", "outputs", "files",
           "chain", "container", "sidecar", "super_commit"]


def git(path, *args, input: str | None = None, check: bool = True) -> str:
    """Run one git command in ``path`` (bytes decoded with surrogateescape) and return stdout."""
    proc = subprocess.run(["git", "-C", str(path), "-c", "core.quotepath=off", *args], input=input,
                          capture_output=True, text=True, errors="surrogateescape")
    if check and proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {path}: {proc.stderr.strip()}")
    return proc.stdout


@dataclass
class RunRecord:
    """One DataLad run (``datalad run``, ``rerun`` or ``containers-run``) as recorded in a commit.

    Paths in :attr:`files`, :attr:`blobs` and the ``*_paths`` helpers are relative to the
    top dataset the history was read from; :attr:`record` keeps the JSON as written.
    """

    commit: str
    dataset: str  # path of the dataset holding the commit, relative to the top dataset ("" = top)
    parents: list
    author: str
    email: str
    date: datetime
    message: str
    record: dict
    files: list = field(default_factory=list)   # [(status, path)] changed by the run, subdataset halves included
    blobs: dict = field(default_factory=dict)   # path -> blob id the run wrote
    sidecar: str = ""                           # record id when the record lives in .datalad/runinfo
    super_commit: str = ""                      # superdataset commit that recorded this dataset state
    subcommits: list = field(default_factory=list)  # [(dataset, commit)] subdataset halves folded in
    links: set = field(default_factory=set)     # paths written as symlinks: annexed content

    # -- the record's fields -------------------------------------------------------------------
    @property
    def cmd(self) -> str:
        cmd = self.record.get("cmd", "")
        return " ".join(cmd) if isinstance(cmd, list) else str(cmd)

    @property
    def exit(self):
        return self.record.get("exit")

    @property
    def pwd(self) -> str:
        return self.record.get("pwd") or "."

    @property
    def chain(self) -> list:
        return list(self.record.get("chain") or [])

    @property
    def dsid(self) -> str:
        return self.record.get("dsid", "")

    @property
    def inputs(self) -> list:
        return list(self.record.get("inputs") or [])

    @property
    def extra_inputs(self) -> list:
        return list(self.record.get("extra_inputs") or [])

    @property
    def outputs(self) -> list:
        return list(self.record.get("outputs") or [])

    @property
    def extra(self) -> dict:
        """Keys of the record beyond the standard ones (kept as they are)."""
        return {k: v for k, v in self.record.items() if k not in KNOWN_KEYS}

    @property
    def container(self) -> str:
        """The container image of a ``containers-run`` record, else ``""``."""
        for key in ("container", "container_name", "image"):
            if isinstance(self.record.get(key), str):
                return self.record[key]
        for path in self.extra_inputs:
            if CONTAINER_DIR in f"/{path}" or path.startswith(CONTAINER_DIR):
                return path
        return ""

    @property
    def kind(self) -> str:
        if self.container:
            return "containers-run"
        return "rerun" if self.chain else "run"

    @property
    def short(self) -> str:
        return self.commit[:8]

    def _resolve(self, paths) -> list:
        base = posixpath.normpath(posixpath.join(self.dataset or ".", self.pwd))
        out = []
        for p in paths:
            full = posixpath.normpath(posixpath.join(base, p))
            out.append("" if full == "." else full)
        return out

    @property
    def input_paths(self) -> list:
        """Inputs and extra inputs (patterns), relative to the top dataset."""
        return self._resolve(self.inputs + self.extra_inputs)

    @property
    def output_paths(self) -> list:
        """Declared outputs (patterns), relative to the top dataset."""
        return self._resolve(self.outputs)

    @property
    def rerun_command(self) -> str:
        where = f"-d {self.dataset} " if self.dataset else ""
        return f"datalad rerun {where}{self.commit}"

    def as_row(self) -> dict:
        return {"commit": self.commit, "dataset": self.dataset or ".", "date": self.date, "author": self.author,
                "message": self.message, "cmd": self.cmd, "exit": self.exit, "kind": self.kind,
                "inputs": len(self.inputs) + len(self.extra_inputs), "outputs": len(self.outputs),
                "files": len(self.files), "chain": ",".join(self.chain), "container": self.container,
                "sidecar": self.sidecar, "super_commit": self.super_commit}


# ---------------------------------------------------------------------------------------------
# parsing
# ---------------------------------------------------------------------------------------------
def parse_log(text: str) -> list[dict]:
    """Split the output of ``git log -z --format=LOG_FORMAT --raw`` into commit dicts.

    Each dict has ``commit``, ``parents``, ``author``, ``email``, ``time``, ``body`` and
    ``changes`` (``[(status, path, old_blob, new_blob, mode)]``).
    """
    return [c for c in map(_parse_chunk, ("\0" + text).split("\0\x01")[1:]) if c]


def stream_log(path, *args, chunk_size: int = 1 << 20):
    """Run ``git log -z --format=LOG_FORMAT <args>`` once and yield commit dicts while git still writes.

    Parsing overlaps with git's own work (two processes, two cores).
    """
    import codecs

    proc = subprocess.Popen(["git", "-C", str(path), "-c", "core.quotepath=off", "log", "-z",
                             f"--format={LOG_FORMAT}", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    buffer = "\0"
    try:
        while True:
            data = proc.stdout.read1(chunk_size)
            buffer += decoder.decode(data, final=not data)
            if data:  # keep the last commit back: git may still be writing it
                complete, marker, tail = buffer.rpartition("\0\x01")
                if not marker:
                    continue
                buffer = marker + tail
            else:
                complete, buffer = buffer, ""
            for chunk in complete.split("\0\x01")[1:]:
                commit = _parse_chunk(chunk)
                if commit:
                    yield commit
            if not data:
                break
    finally:
        proc.stdout.close()
        err = proc.stderr.read().decode(errors="replace")
        if proc.wait() != 0:
            raise RuntimeError(f"git log failed in {path}: {err.strip()}")


def _parse_chunk(chunk: str) -> dict | None:
    parts = chunk.split("\0", 6)
    if len(parts) < 6:
        return None
    sha, parents, author, email, when, body = parts[:6]
    rest = parts[6] if len(parts) > 6 else ""
    return {"commit": sha, "parents": parents.split(), "author": author, "email": email,
            "time": int(when or 0), "body": body, "changes": _parse_raw(rest)}


def _parse_raw(rest: str) -> list:
    tokens = rest.lstrip("\0\n").split("\0")
    changes, i = [], 0
    while i < len(tokens):
        meta = tokens[i].lstrip("\n")
        if not meta.startswith(":"):
            i += 1
            continue
        fields = meta[1:].split()
        if len(fields) < 5:
            i += 1
            continue
        status = fields[4][0]
        if status in "RC":  # two paths: the new one is what exists now
            path = tokens[i + 2] if i + 2 < len(tokens) else ""
            i += 3
        else:
            path = tokens[i + 1] if i + 1 < len(tokens) else ""
            i += 2
        changes.append((status, path, fields[2], fields[3], fields[1]))
    return changes


def parse_message(body: str):
    """``(message, record_or_sidecar_id)`` from a run commit message.

    The second value is a dict (inline record) or a str (sidecar record id).

    Raises
    ------
    ValueError
        When the message has the marker but no readable record.
    """
    match = RECORD_RE.search(body)
    if not match:
        raise ValueError("run commit without the 'Do not change lines' block")
    message, payload = match.group(1).strip(), match.group(2)
    try:
        record = json.loads(payload)
    except ValueError as exc:
        raise ValueError(f"run record is not valid JSON ({exc})") from None
    if isinstance(record, str):
        return message, record
    if not isinstance(record, dict) or "cmd" not in record:
        raise ValueError("run record has no command ('cmd')")
    return message, record


# ---------------------------------------------------------------------------------------------
# one dataset's log
# ---------------------------------------------------------------------------------------------
class DatasetLog:
    """The run records of one dataset (not its subdatasets), read incrementally."""

    def __init__(self, path: Path, prefix: str):
        self.path = Path(path)
        self.prefix = prefix
        self.head = ""
        self.runs: list[RunRecord] = []          # newest first
        self.problems: list[dict] = []
        self.gitlinks: list[tuple] = []          # (super commit, sub path, sub commit), oldest first
        self.id = _dataset_id(self.path)

    def read(self) -> int:
        """Read commits added since the last read (all on first read); return how many runs were added."""
        head = git(self.path, "rev-parse", "--verify", "-q", "HEAD", check=False).strip()
        if head == self.head:
            return 0
        if self.head and head and _is_ancestor(self.path, self.head, head):
            span = [f"{self.head}..{head}"]
        else:  # first read, or history was rewritten: start over
            self.runs, self.problems, self.gitlinks = [], [], []
            span = [head] if head else []
        self.head = head
        if not span:
            return 0
        new = []
        for c in stream_log(self.path, "--fixed-strings", f"--grep={MARKER}", "--raw", "--no-abbrev",
                            "--no-renames", *span):
            run = self._record(c)
            if run is not None:
                new.append(run)
        self._load_sidecars(new)
        self.runs = new + self.runs
        subs = [s["path"] for s in _submodules(self.path)]
        if subs:
            text = git(self.path, "log", "-z", "--format=%x01%H%x00%P%x00%x00%x00%x00%x00", "--raw", "--no-abbrev",
                       *span, "--", *subs)
            events = [(c["commit"], path, new_sha) for c in parse_log(text) for _, path, _, new_sha, mode
                      in c["changes"] if mode == "160000"]
            self.gitlinks.extend(reversed(events))
        return len(new)

    def _record(self, c: dict) -> RunRecord | None:
        if MARKER not in c["body"]:  # --grep also matches the marker outside the subject line
            return None
        try:
            message, record = parse_message(c["body"])
        except ValueError as exc:
            self.problems.append({"dataset": self.prefix or ".", "commit": c["commit"], "problem": str(exc)})
            log.warning("skipping run commit %s in %s: %s", c["commit"][:8], self.path, exc)
            return None
        run = RunRecord(commit=c["commit"], dataset=self.prefix, parents=c["parents"], author=c["author"],
                        email=c["email"], date=datetime.fromtimestamp(c["time"], tz=timezone.utc),
                        message=message, record=record if isinstance(record, dict) else {},
                        sidecar=record if isinstance(record, str) else "")
        for status, path, _, new_blob, mode in c["changes"]:
            full = posixpath.join(self.prefix, path) if self.prefix else path
            run.files.append((status, full))
            if status != "D" and mode != "160000":
                run.blobs[full] = new_blob
            if mode == "120000":
                run.links.add(full)
        return run

    def _load_sidecars(self, runs: list) -> None:
        pending = [r for r in runs if r.sidecar]
        if not pending:
            return
        record_dir = git(self.path, "config", "datalad.run.record-directory", check=False).strip() or ".datalad/runinfo"
        query = "".join(f"{r.commit}:{record_dir}/{r.sidecar}\n" for r in pending)
        proc = subprocess.run(["git", "-C", str(self.path), "cat-file", "--batch"], input=query.encode(),
                              capture_output=True)
        out, pos = proc.stdout, 0
        for run in list(pending):
            end = out.index(b"\n", pos)
            header = out[pos:end].decode(errors="replace").split()
            pos = end + 1
            data = b""
            if len(header) == 3:
                size = int(header[2])
                data, pos = out[pos:pos + size], pos + size + 1
            try:
                run.record = _sidecar_record(self.path / record_dir / run.sidecar, data)
            except ValueError as exc:
                runs.remove(run)
                self.problems.append({"dataset": self.prefix or ".", "commit": run.commit,
                                      "problem": f"sidecar record {run.sidecar}: {exc}"})


def _sidecar_record(worktree_file: Path, blob: bytes) -> dict:
    if not blob:
        raise ValueError("the sidecar file is missing from the commit")
    if not blob.startswith(b"\xfd7zXZ"):  # annexed: the blob is a link/pointer, the content is in the annex
        try:
            blob = worktree_file.read_bytes()
        except OSError:
            raise ValueError("content not present (datalad get .datalad/runinfo)") from None
    try:
        text = lzma.decompress(blob).decode() if blob.startswith(b"\xfd7zXZ") else blob.decode()
        record = json.loads(text.splitlines()[0])
    except (lzma.LZMAError, ValueError, IndexError) as exc:
        raise ValueError(f"unreadable ({exc})") from None
    if not isinstance(record, dict) or "cmd" not in record:
        raise ValueError("record has no command ('cmd')")
    return record


def _is_ancestor(path, old: str, new: str) -> bool:
    proc = subprocess.run(["git", "-C", str(path), "merge-base", "--is-ancestor", old, new], capture_output=True)
    return proc.returncode == 0


def _dataset_id(path: Path) -> str:
    cfg = path / ".datalad" / "config"
    try:
        match = re.search(r"^\s*id\s*=\s*(\S+)", cfg.read_text(), re.MULTILINE)
    except OSError:
        return ""
    return match.group(1) if match else ""


def _submodules(path: Path) -> list[dict]:
    """``.gitmodules`` entries (path, installed), parsed in Python: no process."""
    try:
        text = (path / ".gitmodules").read_text()
    except OSError:
        return []
    subs = []
    for m in re.finditer(r"^\s*path\s*=\s*(.+?)\s*$", text, re.MULTILINE):
        rel = m.group(1)
        subs.append({"path": rel, "installed": (path / rel / ".git").exists()})
    return subs


# ---------------------------------------------------------------------------------------------
# a dataset and its subdatasets
# ---------------------------------------------------------------------------------------------
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
    >>> h = History("/path/to/ndw-demo")                         # doctest: +SKIP
    >>> h.runs[0].kind, h.runs[0].chain                          # doctest: +SKIP
    ('rerun', ['04eb230afaceb4841f57d86dfa45d9d50a8f4776'])
    >>> h.refresh()          # reads only commits added since     # doctest: +SKIP
    0
    """

    def __init__(self, path, recursive: bool = True):
        from ..errors import UserError

        self.path = Path(path).expanduser().resolve()
        if not (self.path / ".git").exists():
            raise UserError(f"{self.path} is not a DataLad dataset (no git repository there).",
                            "Choose the folder of a dataset, e.g. one made with 'datalad create'.")
        self.recursive = recursive
        self.logs: dict[str, DatasetLog] = {}
        self.runs: list[RunRecord] = []
        self._ancestry: dict = {}
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
            added += self.logs[prefix].read()
            changed = changed or before != self.logs[prefix].head
        if changed:
            self._combine()
        return added

    def _discover(self):
        yield "", self.path
        if not self.recursive:
            return
        todo = [("", self.path)]
        while todo:
            prefix, path = todo.pop()
            for sub in _submodules(path):
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
            runs.sort(key=lambda r: r.date, reverse=True)
        self.runs = runs

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
    >>> runs = run_records("/path/to/ndw-demo")                 # doctest: +SKIP
    >>> sorted({r.kind for r in runs})                          # doctest: +SKIP
    ['rerun', 'run']
    """
    return History(path, recursive=recursive).runs


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
    from .lineage import pattern_regex

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
        out = git(log.path, "show", "-z", "--numstat", "--format=", "--no-renames", commit, check=False)
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
