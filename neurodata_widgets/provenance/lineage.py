"""File lineage: which run made a file, from what, what was computed from it, and is it stale.

A :class:`Provenance` joins the run records of a :class:`~.history.History` with file
trees read by ``git ls-tree`` (one per dataset state, cached). "Now" is what each
installed dataset has committed (its HEAD): unsaved edits count once they are saved. A file's *producer* is
the run that wrote its current content (same path, same blob id), so later hand edits
and merges are told apart from computed results; a rerun that wrote an output again
unchanged is its producer too. An output is *stale* when an input it was computed from
changed (or vanished, or a new file now matches an input glob) after the run, or after
the last rerun that reproduced it without a commit (see :func:`~.rerun.rerun`); files
downstream of a stale file are marked ``stale_upstream``.

Examples
--------
>>> from neurodata_widgets.provenance.lineage import lineage
>>> g = lineage(demo["superdataset"], "figures/mean_intensity.png")
>>> [n["label"] for n in g.nodes.values() if n["kind"] == "run"]
['Plot mean intensity per subject', 'Smooth the T1w images']
"""
from __future__ import annotations

import bisect
import posixpath
from dataclasses import dataclass, field

from .gitlog import git
from .graph import to_prov
from .history import History
from .records import RunRecord, _is_ancestor, pattern_regex  # noqa: F401  (pattern_regex: part of lineage's API too)

MAX_INPUTS_SHOWN = 12  # per run; more are folded into one "+ N more" node so graphs stay readable


@dataclass
class Lineage:
    """A DAG of files and runs around one focus file.

    ``nodes`` maps an id (``file:<path>`` or ``run:<commit>``) to a dict with ``kind``
    (file, run or more), ``label``, ``stale``, ``stale_upstream``, ``reasons`` and, for
    runs, ``commit``, ``cmd``, ``date``; ``edges`` are ``(source, target, relation)`` with
    relation ``used`` (file -> run) or ``generated`` (run -> file).
    """

    focus: str
    nodes: dict = field(default_factory=dict)
    edges: list = field(default_factory=list)
    root: str = ""  # the top dataset's path (for PROV ids)

    @property
    def stale(self) -> list[str]:
        """Paths of the files in the graph that are out of date (directly)."""
        return sorted(n["path"] for n in self.nodes.values() if n["kind"] == "file" and n["stale"])

    @property
    def runs(self) -> list[str]:
        return [n["commit"] for n in self.nodes.values() if n["kind"] == "run"]

    def upstream_of(self, node: str) -> set:
        return _reach(node, {(s, t) for s, t, _ in self.edges}, reverse=True)

    def downstream_of(self, node: str) -> set:
        return _reach(node, {(s, t) for s, t, _ in self.edges}, reverse=False)

    def to_prov(self) -> dict:
        """The graph as W3C PROV-JSON (entities, activities, used, wasGeneratedBy, agents)."""
        return to_prov(self)


def _reach(start, pairs, reverse):
    nxt: dict = {}
    for s, t in pairs:
        a, b = (t, s) if reverse else (s, t)
        nxt.setdefault(a, []).append(b)
    seen, todo = set(), [start]
    while todo:
        for n in nxt.get(todo.pop(), ()):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def file_id(path: str) -> str:
    return "file:" + path


def run_id(run: RunRecord) -> str:
    return "run:" + run.commit


class Provenance:
    """Lineage and staleness questions about the files of a dataset.

    Parameters
    ----------
    history : History or path
        Run records (a path is read with :class:`~.records.History`).

    Examples
    --------
    >>> p = Provenance(demo["superdataset"])
    >>> p.producer("results/summary.tsv").kind
    'rerun'
    >>> p.staleness("results/summary.tsv")
    []
    """

    def __init__(self, history):
        self.history = history if isinstance(history, History) else History(history)
        self._trees: dict = {}
        self._index_key = None
        self._produced: dict = {}
        self._written: dict = {}  # path -> the newest run that wrote it (any content)
        self._edits: dict = {}    # path -> commit that gave it its current content after its run
        self._current: dict = {}
        self._ancestors: dict = {}
        self._names: dict = {}  # id(tree) -> (tree, its sorted names)
        self._looked_up: dict = {}  # run commit -> its inputs, for runs naming plain files

    # -- trees -----------------------------------------------------------------------------------
    def tree(self, prefix: str, commit: str) -> dict:
        """``{path: blob}`` of the dataset at ``prefix`` at ``commit``, installed subdatasets expanded."""
        key = (prefix, commit)
        if key not in self._trees:
            log = self.history.logs[prefix]
            out = git(log.path, "ls-tree", "-r", "-z", "--full-tree", commit, check=False)
            files = {}
            for entry in out.split("\0"):
                if not entry:
                    continue
                meta, _, path = entry.partition("\t")
                mode, kind, sha = meta.split()
                full = posixpath.join(prefix, path) if prefix else path
                if kind == "commit":
                    if full in self.history.logs:
                        files.update(self.tree(full, sha))
                    continue
                files[full] = sha
            self._trees[key] = files
        return self._trees[key]

    def current(self) -> dict:
        """``{path: blob}`` of what is checked out now (each installed dataset at its HEAD)."""
        self._reindex()
        return self._current

    def _reindex(self) -> None:
        key = tuple((p, log.head) for p, log in sorted(self.history.logs.items()))
        if key == self._index_key:
            return
        current = {}
        for prefix, log in self.history.logs.items():
            if log.head:
                current.update({p: b for p, b in self._own_tree(prefix, log.head).items()})
        produced, written = {}, {}
        by_commit = {r.commit: r for r in self.history.runs}
        for run in self.history.runs:  # newest first: the latest run writing a blob wins
            for path, blob in run.blobs.items():
                produced.setdefault((path, blob), run)
                written.setdefault(path, run)
            for path, blob in self._reproduced_by_rerun(run, by_commit):
                produced.setdefault((path, blob), run)
        self._index_key, self._current, self._produced, self._written = key, current, produced, written
        self._edits = {}

    def _reproduced_by_rerun(self, run: RunRecord, by_commit: dict):
        """Outputs a rerun wrote again with identical content (git shows no change, DataLad saves none).

        The rerun computed them from the inputs at its own commit, so it is their producer now.
        """
        for commit in run.chain:
            before = by_commit.get(commit)
            if before is None:
                continue
            tree = self.run_tree(run)
            for path, blob in before.blobs.items():
                if path not in run.blobs and tree.get(path) == blob:
                    yield path, blob

    def _own_tree(self, prefix, commit):
        # a dataset's own files only: its subdatasets contribute their own HEADs
        tree = self.tree(prefix, commit)
        subs = [p for p in self.history.logs if p != prefix and (not prefix or p.startswith(prefix + "/"))]
        return {p: b for p, b in tree.items() if not any(p.startswith(s + "/") for s in subs)}

    # -- questions ---------------------------------------------------------------------------------
    def producer(self, path: str) -> RunRecord | None:
        """The run that wrote the current content of ``path``, or ``None`` (source or hand-edited file)."""
        blob = self.current().get(path)
        return self._produced.get((path, blob)) if blob else None

    def changed_since_run(self, path: str) -> dict | None:
        """``{"run", "commit"}`` when ``path`` was written by a run and edited since, else ``None``.

        The file's current content is not what any run wrote (a hand edit, a merge, a
        ``git checkout`` of another version): ``run`` is the newest run that wrote ``path``,
        ``commit`` the commit that gave the file the content it has now.
        """
        found = self.changed_files([path])
        return found.get(path)

    def changed_files(self, paths=None) -> dict:
        """``{path: {"run", "commit"}}`` for every file (of ``paths``) changed since the run that wrote it.

        The commits are found with one ``git log`` per run concerned, not one per file.
        """
        current = self.current()
        wanted = current if paths is None else paths
        found = {}
        for path in wanted:
            blob, run = current.get(path), self._written.get(path)
            if blob and run is not None and (path, blob) not in self._produced:
                found[path] = run
        missing: dict = {}
        for path, run in found.items():
            if path not in self._edits:
                missing.setdefault(run.commit, (run, []))[1].append(path)
        for run, group in missing.values():
            self._edits.update(self._edit_commits(run, group))
        return {path: {"run": run, "commit": self._edits.get(path, "")} for path, run in sorted(found.items())}

    def _edit_commits(self, run: RunRecord, paths: list) -> dict:
        """For each of ``paths`` (written by ``run``): the commit after it that set its current content."""
        from .gitlog import parse_log

        out: dict = {}
        home: dict = {}
        for path in paths:
            home.setdefault(self.history.dataset_of(path), []).append(path)
        current = self.current()
        for prefix, group in home.items():
            log = self.history.logs[prefix]
            rel = {(p[len(prefix) + 1:] if prefix else p): p for p in group}
            since = run.commit if run.dataset == prefix else run.super_commit  # a half folded into its run
            span = [f"{since}..{log.head}"] if since and _is_ancestor(log.path, since, log.head) else [log.head]
            text = git(log.path, "log", "-z", "--format=%x01%H%x00%P%x00%x00%x00%x00%x00", "--raw", "--no-abbrev",
                       "--no-renames", "--root", "--diff-merges=first-parent", *span, "--", *rel, check=False)
            for c in parse_log(text):  # newest first: a commit of its own wins over a merge bringing it
                for _, name, _, new_blob, _ in c["changes"]:
                    full = rel.get(name)
                    if full and new_blob == current.get(full):
                        merge = len(c["parents"]) > 1
                        if full not in out or (out[full][1] and not merge):
                            out[full] = (c["commit"], merge)
        return {p: sha for p, (sha, _) in out.items()}

    def run_tree(self, run: RunRecord) -> dict:
        return self.tree(run.dataset, run.commit)

    def inputs(self, run: RunRecord, at: str = "") -> dict:
        """``{path: blob}`` of the files the run's input globs matched at the run's commit (or at ``at``)."""
        if not at and run.commit in self._looked_up:
            return dict(self._looked_up[run.commit])
        tree = self.tree(run.dataset, at) if at else self.run_tree(run)
        return {p: b for p, b in self._matching(tree, run.input_paths).items() if p not in run.blobs}

    def _look_up_inputs(self, runs) -> None:
        """Inputs of the runs that name plain files, asked in ONE ``git cat-file --batch-check`` per dataset.

        A run with a glob, or a name that turns out to be a folder, keeps reading its tree.
        """
        asked: dict = {}
        for run in runs:
            if run.commit in self._looked_up or run.dataset not in self.history.logs:
                continue
            names = [posixpath.normpath(q) for q in filter(None, run.input_paths)]
            if any(ch in q for q in names for ch in "*?[\n") or \
                    any(self.history.dataset_of(q) != run.dataset for q in names):
                continue
            cut = len(run.dataset) + 1 if run.dataset else 0
            asked.setdefault(run.dataset, []).extend((run, q, f"{run.commit}:{q[cut:]}") for q in names)
        for prefix, queries in asked.items():
            out = git(self.history.logs[prefix].path, "cat-file", "--batch-check",
                      input="".join(f"{name}\n" for _, _, name in queries), check=False).splitlines()
            found, folders = {}, set()
            for (run, path, _), line in zip(queries, out):
                sha, _, kind = line.partition(" ")
                kind = kind.split(" ")[0]
                if kind == "blob":
                    found.setdefault(run.commit, {})[path] = sha
                elif kind in ("tree", "commit"):  # a folder or a subdataset: its tree says what is below
                    folders.add(run.commit)
            for run, _, _ in queries:
                if run.commit not in folders:
                    self._looked_up[run.commit] = {p: b for p, b in found.get(run.commit, {}).items()
                                                   if p not in run.blobs}

    def _matching(self, tree: dict, patterns) -> dict:
        """``{path: blob}`` of ``tree`` that ``patterns`` match: a plain name is looked up, not scanned for.

        A name that is not a file may be a folder: its files are found in the sorted names
        (one sort per tree, kept), so a scan of 1000 results reads no tree from end to end.
        """
        found, globbed = {}, []
        for pattern in filter(None, patterns):
            if any(ch in pattern for ch in "*?["):
                globbed.append(pattern_regex(pattern))
                continue
            name = posixpath.normpath(pattern)
            if name in tree:
                found[name] = tree[name]
                continue
            names = self._sorted_names(tree)
            start = bisect.bisect_left(names, name + "/")
            for other in names[start:bisect.bisect_left(names, name + "0")]:  # "0" follows "/"
                found[other] = tree[other]
        if globbed:
            found.update({p: b for p, b in tree.items() if any(r.match(p) for r in globbed)})
        return found

    def _sorted_names(self, tree: dict) -> list:
        kept = self._names.get(id(tree))
        if kept is None or kept[0] is not tree:
            kept = self._names[id(tree)] = (tree, sorted(tree))
        return kept[1]

    def reproduced_at(self, run: RunRecord, path: str) -> str:
        """The later commit at which a rerun of ``run`` gave ``path`` identical content, else ``""``.

        DataLad records no commit when a rerun changes nothing, so this is remembered when
        :func:`~.rerun.rerun` finds the dataset unchanged; it counts while that commit is in
        the dataset's history and ``path`` held the same content then.
        """
        at = self.history.reproduced.get(run.commit, "")
        log = self.history.logs.get(run.dataset)
        if not at or log is None or not log.head:
            return ""
        key = (run.dataset, at, log.head)
        if key not in self._ancestors:
            self._ancestors[key] = at == log.head or _is_ancestor(log.path, at, log.head)
        # the content credited to ``run`` now (it may be one a rerun rewrote unchanged) was there at ``at``
        if not self._ancestors[key] or self.tree(run.dataset, at).get(path) != self.current().get(path):
            return ""
        return at

    def staleness(self, path: str) -> list[str]:
        """Why ``path`` is out of date (empty when it is current or was not computed)."""
        run = self.producer(path)
        if run is None:
            return []
        current, reasons = self.current(), []
        at = self.reproduced_at(run, path)
        then = self.inputs(run, at)
        when = f"run {run.short}" + (f" (reproduced at {at[:8]})" if at else "")
        for p, blob in sorted(then.items()):
            now = current.get(p)
            if now is None:
                reasons.append(f"{p} was removed after {when}")
            elif now != blob:
                reasons.append(f"{p} changed after {when}")
        for p in sorted(self._matching(current, run.input_paths)):
            if p not in then and p not in run.blobs:
                reasons.append(f"{p} is a new input since {when}")
        return reasons

    def consumers(self, path: str, limit: int | None = None) -> list[RunRecord]:
        """Runs that read ``path`` (their input globs matched it when they ran), newest first.

        Whether the file existed at each candidate run's commit is asked in one
        ``git cat-file --batch-check`` per dataset, not one process per run.
        """
        candidates = self.candidate_consumers(path)
        existed = self._existed(path, candidates)
        found = [run for run in candidates if run.commit in existed]
        return found[:limit] if limit is not None else found

    def _existed(self, path: str, runs: list) -> set:
        home = self.history.dataset_of(path)
        same = [r for r in runs if r.dataset == home]
        found = {r.commit for r in runs if r.dataset != home and path in self.run_tree(r)}
        if same:
            rel = path[len(home) + 1:] if home else path
            query = "".join(f"{r.commit}:{rel}\n" for r in same)
            out = git(self.history.logs[home].path, "cat-file", "--batch-check", input=query, check=False)
            found |= {r.commit for r, line in zip(same, out.splitlines()) if not line.endswith("missing")}
        return found

    def candidate_consumers(self, path: str) -> list[RunRecord]:
        """Runs whose input globs match ``path`` (no tree read: it may not have existed then)."""
        return [run for run in self.history.runs
                if path not in run.blobs and any(pattern_regex(p).match(path) for p in run.input_paths if p)]

    def computed_files(self) -> dict:
        """``{path: run}`` for every file whose current content a run wrote."""
        current = self.current()
        return {p: self._produced[(p, b)] for p, b in current.items() if (p, b) in self._produced}

    def stale_files(self, job=None) -> list[dict]:
        """Every result that is out of date or rests on one: ``[{path, commit, message, state, reasons}]``.

        ``state`` is ``stale`` (an input changed after its run), ``changed`` (edited since the
        run that wrote it: see :meth:`changed_since_run`) or ``upstream`` (computed, through
        any number of runs, from a stale or changed result: the B and C of a chain A→B→C).
        Reads one tree per producing run; ``job`` (a :class:`~neurodata_widgets.jobs.Job`)
        gets progress and can cancel.
        """
        computed = sorted(self.computed_files().items())
        self._look_up_inputs(run for _, run in computed)
        found: dict = {}
        for i, (path, run) in enumerate(computed):
            if job is not None:
                job.check()
                job.report(done=i, total=len(computed), unit="files", message=path)
            reasons = self.staleness(path)
            if reasons:
                found[path] = {"path": path, "commit": run.commit, "message": run.message, "state": "stale",
                               "reasons": reasons}
        for path, edit in self.changed_files().items():
            run = edit["run"]
            found[path] = {"path": path, "commit": run.commit, "message": run.message, "state": "changed",
                           "edited_by": edit["commit"], "reasons": [_changed_reason(path, edit)]}
        # downstream: a result computed from a listed one, through any number of runs
        used_by: dict = {}
        for path, run in computed:
            for q in self.inputs(run):
                used_by.setdefault(q, []).append(path)
        todo = sorted(found)
        while todo:
            up = todo.pop(0)
            why = "is stale" if found[up]["state"] == "stale" else (
                "was changed since its run" if found[up]["state"] == "changed" else "rests on an out-of-date result")
            for down in used_by.get(up, ()):
                if down in found:
                    continue
                run = self.producer(down)
                found[down] = {"path": down, "commit": run.commit, "message": run.message, "state": "upstream",
                               "reasons": [f"computed from {up}, which {why}"]}
                todo.append(down)
        if job is not None:
            job.report(done=len(computed), total=len(computed), unit="files", message="")
        return [found[p] for p in sorted(found)]

    def is_current(self, run: RunRecord) -> bool:
        """Whether some file still holds content this run wrote."""
        current = self.current()
        return any(current.get(p) == b for p, b in run.blobs.items())

    # -- the graph ---------------------------------------------------------------------------------
    def lineage(self, path: str, upstream: bool = True, downstream: bool = True, depth: int = 8) -> Lineage:
        """The DAG around ``path``: its producer and inputs (recursively), and what was computed from it."""
        graph = Lineage(focus=file_id(path), root=str(self.history.path))
        self._add_file(graph, path)
        if upstream:
            self._walk(graph, path, depth, up=True)
        if downstream:
            self._walk(graph, path, depth, up=False)
        graph.edges = list(dict.fromkeys(graph.edges))
        self._mark_upstream_stale(graph)
        return graph

    def _walk(self, graph: Lineage, path: str, depth: int, up: bool) -> None:
        """Breadth-first from ``path``: producers and their inputs (up) or consumers and their outputs."""
        todo, seen = [(path, 0)], set()
        while todo:
            p, level = todo.pop(0)
            if p in seen or level >= depth:
                continue
            seen.add(p)
            runs = [self.producer(p)] if up else self.consumers(p, MAX_INPUTS_SHOWN)
            if not up and len(runs) == MAX_INPUTS_SHOWN:
                extra = len(self.candidate_consumers(p)) - len(runs)
                if extra > 0:
                    self._add_more(graph, f"more:{p}:runs", f"+ up to {extra} more runs",
                                   (file_id(p), f"more:{p}:runs", "used"))
            for run in filter(None, runs):
                self._add_run(graph, run)
                graph.edges.append((run_id(run), file_id(p), "generated") if up else
                                   (file_id(p), run_id(run), "used"))
                linked = sorted(self.inputs(run) if up else run.blobs)
                for q in linked[:MAX_INPUTS_SHOWN]:
                    self._add_file(graph, q)
                    graph.edges.append((file_id(q), run_id(run), "used") if up else
                                       (run_id(run), file_id(q), "generated"))
                    todo.append((q, level + 1))
                if len(linked) > MAX_INPUTS_SHOWN:
                    what = "inputs" if up else "outputs"
                    nid = f"more:{run.commit}:{what}"
                    self._add_more(graph, nid, f"+ {len(linked) - MAX_INPUTS_SHOWN} more {what}",
                                   (nid, run_id(run), "used") if up else (run_id(run), nid, "generated"))

    def _add_file(self, graph: Lineage, path: str) -> None:
        nid = file_id(path)
        if nid in graph.nodes:
            return
        reasons = self.staleness(path)
        run = self.producer(path)
        edit = None if run is not None else self.changed_since_run(path)
        graph.nodes[nid] = {"id": nid, "kind": "file", "label": posixpath.basename(path) or path, "path": path,
                            "dataset": self.history.dataset_of(path), "exists": path in self.current(),
                            "computed": run is not None, "stale": bool(reasons), "stale_upstream": False,
                            "changed": edit is not None, "changed_by": edit["commit"] if edit else "",
                            "changed_run": edit["run"].commit if edit else "",
                            "reasons": reasons + ([_changed_reason(path, edit)] if edit else []),
                            "focus": nid == graph.focus}

    def _add_run(self, graph: Lineage, run: RunRecord) -> None:
        nid = run_id(run)
        if nid not in graph.nodes:
            graph.nodes[nid] = {"id": nid, "kind": "run", "label": run.message or run.cmd, "commit": run.commit,
                                "cmd": run.cmd, "date": run.date.isoformat(), "author": run.author,
                                "email": run.email,
                                "run_kind": run.kind, "container": run.container, "foreign": run.foreign,
                                "dataset": run.dataset, "current": self.is_current(run),
                                "stale": False, "stale_upstream": False, "reasons": [], "focus": False}

    @staticmethod
    def _add_more(graph, nid: str, label: str, edge: tuple) -> None:
        """A summary node standing for what was left out (display only: not exported to PROV)."""
        graph.nodes[nid] = {"id": nid, "kind": "more", "label": label, "stale": False,
                            "stale_upstream": False, "reasons": [], "focus": False}
        graph.edges.append(edge)

    @staticmethod
    def _mark_upstream_stale(graph: Lineage) -> None:
        stale = [n for n, d in graph.nodes.items() if d["stale"]]
        for nid in stale:
            for down in graph.downstream_of(nid):
                if down != nid:
                    graph.nodes[down]["stale_upstream"] = True


def _changed_reason(path: str, edit: dict) -> str:
    by = f" by commit {edit['commit'][:8]}" if edit.get("commit") else ""
    return f"{path} was changed{by} since its run {edit['run'].short}"


def lineage(path, file: str, upstream: bool = True, downstream: bool = True, depth: int = 8) -> Lineage:
    """The lineage graph of ``file`` (relative to the dataset at ``path``).

    Examples
    --------
    >>> g = lineage(demo["superdataset"], "results/summary.tsv")
    >>> g.stale
    []
    """
    return Provenance(path).lineage(file, upstream=upstream, downstream=downstream, depth=depth)
