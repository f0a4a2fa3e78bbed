"""DataLad run records read from git history (no ipywidgets, no DataLad import).

A commit is a run by DataLad's own rule (``get_run_info``): its message starts with
``[DATALAD RUNCMD]`` and holds the record block. Every such commit of a dataset is read
with ONE ``git log`` (see :mod:`.gitlog`), never a process per commit; records kept in
``.datalad/runinfo/`` sidecar files are read in one ``git cat-file --batch`` and are not
counted as the run's outputs. Malformed records are collected in
:attr:`DatasetLog.problems`, never raised; a sidecar whose content arrives later is read
on the next refresh. Subdatasets and linking: :mod:`.history`.

Examples
--------
>>> from neurodata_widgets.provenance.history import run_records
>>> runs = run_records(demo["superdataset"])
>>> [r.message for r in runs][:2]
['Summarize the smoothed images', 'Checksum the smoothed images']
"""
from __future__ import annotations

import functools
import json
import logging
import lzma
import posixpath
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import repo
from .containers import name_containers
from .gitlog import git, parse_log, stream_log

log = logging.getLogger(__name__)

MARKER = "[DATALAD RUNCMD] "  # DataLad's pattern: a run message STARTS with this (space included)
BELOW = "=== Do not change lines below ===\n"
ABOVE = "\n^^^ Do not change lines above ^^^"
KNOWN_KEYS = ("cmd", "dsid", "exit", "inputs", "extra_inputs", "outputs", "pwd", "chain")
CONTAINER_DIR = ".datalad/environments/"
RECORD_DIR = ".datalad/runinfo"  # DataLad's default for datalad.run.record-directory
COLUMNS = ["commit", "dataset", "date", "author", "message", "cmd", "exit", "kind", "inputs", "outputs", "files",
           "chain", "container", "sidecar", "super_commit", "dsid", "foreign"]


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
    time: int  # author time, seconds since the epoch (``date`` is the same as a datetime)
    message: str
    record: dict
    files: list = field(default_factory=list)   # [(status, path)] changed by the run, subdataset halves included
    blobs: dict = field(default_factory=dict)   # path -> blob id the run wrote
    sidecar: str = ""                           # record id when the record lives in .datalad/runinfo
    super_commit: str = ""                      # superdataset commit that recorded this dataset state
    subcommits: list = field(default_factory=list)  # [(dataset, commit)] subdataset halves folded in
    links: set = field(default_factory=set)     # paths written as symlinks: annexed content
    dataset_id: str = ""                        # id of the dataset holding the commit
    mount: str | None = ""                      # where that dataset sits in the one that ran (None: unknown)
    container_name: str = ""                    # containers-run: the name in .datalad/config

    @property
    def date(self) -> datetime:
        """When the run was recorded (author date, UTC)."""
        return datetime.fromtimestamp(self.time, tz=timezone.utc)

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
    def foreign(self) -> bool:
        """Recorded by another dataset, as DataLad's rerun tells (the record's ``dsid`` is not this dataset's).

        ``datalad run`` in a superdataset saves the same record in every subdataset it
        changed; ``datalad rerun`` in such a subdataset says the commit "was ran from a
        different dataset" and skips or cherry-picks it instead of running it.
        """
        dsid = self.record.get("dsid")
        return dsid is not None and dsid != (self.dataset_id or None)

    @property
    def container_image(self) -> str:
        """The image a ``containers-run`` passed as its first extra input (as recorded), else ``""``."""
        for key in ("container", "container_name", "image"):  # records written by other tools
            if isinstance(self.record.get(key), str):
                return self.record[key]
        for path in self.extra_inputs[:1]:
            if self.container_name or CONTAINER_DIR in f"/{path}":
                return path
        return ""

    @property
    def container(self) -> str:
        """The container of a ``containers-run`` record: its name when ``.datalad/config`` has it, else the image."""
        return self.container_name or self.container_image

    @property
    def kind(self) -> str:
        if self.container:
            return "containers-run"
        return "rerun" if self.chain else "run"

    @property
    def short(self) -> str:
        return self.commit[:8]

    def _resolve(self, paths) -> list:
        # a record's paths are relative to its pwd in the dataset that RAN the command; for the
        # subdataset half of a superdataset run that is the superdataset, which sits at "../"
        # of this dataset (the part of the path below ``mount`` is inside it)
        out = []
        for p in paths:
            ran = posixpath.normpath(posixpath.join(self.pwd, p))
            if self.mount is None:
                out.append(f"(dataset {self.dsid})/{ran}")
                continue
            if self.mount:
                ran = (ran[len(self.mount) + 1:] if ran.startswith(self.mount + "/") else
                       "." if ran == self.mount else posixpath.relpath(ran, self.mount))
            full = posixpath.normpath(posixpath.join(self.dataset or ".", ran))
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
    def shape_reason(self) -> str:
        """Why DataLad's rerun will not execute this commit because of its shape (``""``: it will).

        DataLad's own words (``get_run_info`` users in ``datalad rerun``): a record on a root
        commit or on a merge of more than two parents is listed, never re-executed. A
        two-parent merge carrying a record is a run whose command made commits of its own:
        DataLad re-executes it on top of the first parent.
        """
        if len(self.parents) == 2 or len(self.parents) == 1:
            return ""
        shape = "root" if not self.parents else "merge"
        return f"{self.short} has run information but is a {shape} commit; it will not be re-executed"

    @property
    def rerunnable(self) -> bool:
        """Whether ``datalad rerun`` of this commit would execute its command in this dataset."""
        return not self.foreign and not self.shape_reason

    @property
    def not_rerun_reason(self) -> str:
        """DataLad's reason not to execute this run here (``""`` when it would)."""
        if self.foreign:
            return f"{self.short} was ran from a different dataset"
        return self.shape_reason

    @property
    def rerun_command(self) -> str:
        """The ``datalad rerun`` line for a terminal; ``""`` when DataLad would not execute it here."""
        if not self.rerunnable:
            return ""
        where = f"-d {self.dataset} " if self.dataset else ""
        since = f"--since={self.commit}^ " if len(self.parents) == 2 else ""  # see rerun.rerun: keeps later commits
        return f"datalad rerun {where}{since}{self.commit}"

    def as_row(self) -> dict:
        return {"commit": self.commit, "dataset": self.dataset or ".", "date": self.date, "author": self.author,
                "message": self.message, "cmd": self.cmd, "exit": self.exit, "kind": self.kind,
                "inputs": len(self.inputs) + len(self.extra_inputs), "outputs": len(self.outputs),
                "files": len(self.files), "chain": ",".join(self.chain), "container": self.container,
                "sidecar": self.sidecar, "super_commit": self.super_commit, "dsid": self.dsid,
                "foreign": self.foreign}


def parse_message(body: str):
    """``(message, record_or_sidecar_id)`` from a run commit message, or ``None`` when it is no run.

    As DataLad's ``get_run_info``: a run message STARTS with the marker and has the
    "Do not change lines" block, so a ``git revert`` of a run or a squash of runs (which
    quote run messages further down) are plain commits. The second value is a dict
    (inline record) or a str (sidecar record id).

    Raises
    ------
    ValueError
        When it is a run message but the record is unreadable.

    Examples
    --------
    >>> parse_message('Revert "[DATALAD RUNCMD] x"') is None
    True
    """
    if not body.startswith(MARKER):
        return None
    # plain string search with the same outcome as DataLad's greedy DOTALL pattern: the last
    # "above" line, and the last "below" line before it; a few times faster than the regex
    above = body.rfind(ABOVE)
    below = body.rfind(BELOW, len(MARKER), above) if above >= 0 else -1
    if below < 0:
        return None
    message, payload = body[len(MARKER):below].rstrip(), body[below + len(BELOW):above]
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
        self.waiting: list[RunRecord] = []       # sidecar records whose content is not here (yet)
        self.id = _dataset_id(self.path)
        self.record_dir = RECORD_DIR

    def read(self) -> int:
        """Read commits added since the last read (all on first read); return how many runs were added.

        Sidecar records whose content was missing are tried again, so a ``datalad get
        .datalad/runinfo`` after the first read brings their runs in.
        """
        head = git(self.path, "rev-parse", "--verify", "-q", "HEAD", check=False).strip()
        if head == self.head:
            return self._retry_waiting()
        if self.head and head and _is_ancestor(self.path, self.head, head):
            span = [f"{self.head}..{head}"]
        else:  # first read, or history was rewritten: start over
            self.runs, self.problems, self.gitlinks, self.waiting = [], [], [], []
            self.record_dir = self._record_dir()
            span = [head] if head else []
        self.head = head
        if not span:
            return 0
        retried = self._retry_waiting()
        new = []
        # a root commit's files are its diff with the empty tree (--root), a merge's its diff with the first
        # parent: what DataLad's rerun takes as the run's outputs for a run whose command made commits
        for c in stream_log(self.path, "--fixed-strings", f"--grep={MARKER.strip()}", "--raw", "--no-abbrev",
                            "--no-renames", "--root", "--diff-merges=first-parent", *span):
            run = self._record(c)
            if run is not None:
                new.append(run)
        self._load_sidecars(new)
        name_containers(self, new, submodules(self.path))
        self.runs = new + self.runs
        subs = [s["path"] for s in submodules(self.path)]
        if subs:
            text = git(self.path, "log", "-z", "--format=%x01%H%x00%P%x00%x00%x00%x00%x00", "--raw", "--no-abbrev",
                       "--root", "--diff-merges=first-parent", *span, "--", *subs)
            events = [(c["commit"], path, new_sha) for c in parse_log(text) for _, path, _, new_sha, mode
                      in c["changes"] if mode == "160000"]
            self.gitlinks.extend(reversed(events))
        return len(new) + retried

    def _record_dir(self) -> str:
        # DataLad reads it from the dataset's configuration (.datalad/config included)
        key = "datalad.run.record-directory"
        found = repo.config(self.path, key) or repo.config(self.path, key, file=".datalad/config") or RECORD_DIR
        return posixpath.normpath(found)

    def _retry_waiting(self) -> int:
        """Load the sidecar records whose content has arrived since; return how many runs that adds."""
        arrived = [r for r in self.waiting if (self.path / self.record_dir / r.sidecar).exists()]
        if not arrived:
            return 0
        failed = {r.commit for r in self.waiting} - {r.commit for r in arrived}
        self.waiting = [r for r in self.waiting if r.commit in failed]
        self.problems = [p for p in self.problems if p["commit"] not in {r.commit for r in arrived}]
        self._load_sidecars(arrived)  # a record still unreadable goes back to the problems
        name_containers(self, arrived, submodules(self.path))
        # keep ``git log`` order (newest first), as a first read would list them
        position = {sha: i for i, sha in enumerate(git(self.path, "rev-list", self.head, check=False).split())}
        self.runs = sorted(self.runs + arrived, key=lambda r: position.get(r.commit, len(position)))
        return len(arrived)

    def _record(self, c: dict) -> RunRecord | None:
        try:
            parsed = parse_message(c["body"])  # --grep also matches the marker further down a message
        except ValueError as exc:
            self.problems.append({"dataset": self.prefix or ".", "commit": c["commit"], "problem": str(exc)})
            log.warning("skipping run commit %s in %s: %s", c["commit"][:8], self.path, exc)
            return None
        if parsed is None:
            return None
        message, record = parsed
        run = RunRecord(commit=c["commit"], dataset=self.prefix, parents=c["parents"], author=c["author"],
                        email=c["email"], time=c["time"],
                        message=message, record=record if isinstance(record, dict) else {},
                        sidecar=record if isinstance(record, str) else "", dataset_id=self.id)
        bookkeeping = self.record_dir + "/"
        # a root commit holds the whole first tree, an octopus merge brings whole branches in: of those,
        # only what the record declares is the run's work
        declared = [pattern_regex(posixpath.normpath(posixpath.join(run.pwd, o))) for o in run.outputs] \
            if run.shape_reason else None
        for status, path, _, new_blob, mode in c["changes"]:
            if path.startswith(bookkeeping):  # the sidecar record itself: DataLad's, not the command's
                continue
            if declared is not None and not any(r.match(path) for r in declared):
                continue
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
        record_dir = self.record_dir
        blobs = repo.cat_objects(self.path, [f"{r.commit}:{record_dir}/{r.sidecar}" for r in pending])
        for run, data in zip(list(pending), blobs):
            data = data or b""
            try:
                run.record = _sidecar_record(self.path / record_dir / run.sidecar, data)
            except ValueError as exc:
                runs.remove(run)
                if isinstance(exc, MissingContent):
                    self.waiting.append(run)
                self.problems.append({"dataset": self.prefix or ".", "commit": run.commit,
                                      "problem": f"sidecar record {run.sidecar}: {exc}"})


class MissingContent(ValueError):
    """An annexed sidecar record whose content is not in this clone (yet)."""


def _sidecar_record(worktree_file: Path, blob: bytes) -> dict:
    if not blob:
        raise ValueError("the sidecar file is missing from the commit")
    if not blob.startswith(b"\xfd7zXZ"):  # annexed: the blob is a link/pointer, the content is in the annex
        try:
            blob = worktree_file.read_bytes()
        except OSError:
            raise MissingContent("content not present (datalad get .datalad/runinfo)") from None
    try:
        text = lzma.decompress(blob).decode() if blob.startswith(b"\xfd7zXZ") else blob.decode()
        record = json.loads(text.splitlines()[0])
    except (lzma.LZMAError, ValueError, IndexError) as exc:
        raise ValueError(f"unreadable ({exc})") from None
    if not isinstance(record, dict) or "cmd" not in record:
        raise ValueError("record has no command ('cmd')")
    return record


def _is_ancestor(path, old: str, new: str) -> bool:
    return repo.succeeds(path, "merge-base", "--is-ancestor", old, new)


def _dataset_id(path: Path) -> str:
    cfg = path / ".datalad" / "config"
    try:
        match = re.search(r"^\s*id\s*=\s*(\S+)", cfg.read_text(), re.MULTILINE)
    except OSError:
        return ""
    return match.group(1) if match else ""


submodules = repo.submodules  # the one .gitmodules reader (path, installed, name, url, id)


@functools.lru_cache(maxsize=4096)
def pattern_regex(pattern: str) -> re.Pattern:
    """Regex for a DataLad input/output glob, by the rules DataLad expands it with (Python's ``glob``).

    ``*``, ``?`` and ``[...]`` stay within a folder and do not match a name starting with ``.``
    unless the pattern's part does; ``**`` as a whole part crosses any number of (not hidden)
    folders; ``[[]`` and ``[*]`` are escapes for a literal ``[`` and ``*``. A pattern naming a
    folder also matches everything below it (DataLad gets and saves the whole folder).

    Examples
    --------
    >>> bool(pattern_regex("raw/sub-*/anat/*.nii.gz").match("raw/sub-01/anat/a.nii.gz"))
    True
    >>> bool(pattern_regex("raw/*.nii.gz").match("raw/sub-01/a.nii.gz"))
    False
    >>> bool(pattern_regex("derivatives/smoothed").match("derivatives/smoothed/x.nii.gz"))
    True
    >>> bool(pattern_regex("raw/*.txt").match("raw/.hidden.txt")), bool(pattern_regex("raw/.*").match("raw/.h"))
    (False, True)
    >>> bool(pattern_regex("data[[]1].txt").match("data[1].txt"))
    True
    """
    parts = pattern.rstrip("/").split("/")
    out = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**" and last:  # glob lists the folder itself ("raw/"): everything below it
            if out:
                out[-1] = out[-1][:-1]
            else:
                out.append(r"(?!\.)[^/]*")
            continue
        if part == "**":  # zero or more folders that are not hidden
            out.append(r"(?:(?!\.)[^/]+/)*")
            continue
        if not any(ch in part for ch in "*?["):
            out.append(re.escape(part) + ("" if last else "/"))
            continue
        hidden = "" if part.startswith(".") else r"(?!\.)"
        out.append(hidden + _glob_part(part) + ("" if last else "/"))
    below = "/.*" if pattern.endswith("/") and parts != [""] else "(?:/.*)?"  # "dir/" names folders only
    return re.compile("^" + "".join(out) + below + "$", re.DOTALL)


def _glob_part(part: str) -> str:
    """One folder level of a glob as a regex, as :func:`fnmatch.translate` reads it, never crossing ``/``."""
    out, i, n = [], 0, len(part)
    while i < n:
        ch = part[i]
        i += 1
        if ch == "*":
            if not out or out[-1] != "[^/]*":
                out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            j = i
            if j < n and part[j] == "!":
                j += 1
            if j < n and part[j] == "]":
                j += 1
            while j < n and part[j] != "]":
                j += 1
            if j >= n:
                out.append(r"\[")
                continue
            body, i = part[i:j], j + 1
            negate = body.startswith("!")
            body = body[1:] if negate else body
            # every character of a set literal but ranges: escape what re would read as syntax
            # (backslash, ``[`` which it warns about as a nested set, ``^``, and set operators)
            body = re.sub(r"([\\\[\]^&~|])", r"\\\1", body)
            out.append(f"(?!/)[{'^' if negate else ''}{body}]" if body else ("(?!/)." if negate else "(?!)"))
        else:
            out.append(re.escape(ch))
    return "".join(out)
