"""The XNAT tree as table rows: what each node is called, what kind it is, its details and size.

No widgets here: :class:`~neurodata_widgets.xnat.widgets.XnatBrowser` keeps the nodes it has listed and
draws :func:`tree_frame` in the one table component (tree mode), so a test can check the rows without a
browser.

Examples
--------
>>> from neurodata_widgets.xnat.client import Node
>>> project = Node("project", "P1", info={"name": "P1"})
>>> session = Node("experiment", "P1", "sub-01", "E1", "sub-01_MR1", info={"date": "2024-01-02"})
>>> qc = Node("resource", "P1", "sub-01", "E1", "sub-01_MR1", "", "QC", info={"file_count": 1, "file_size": 20})
>>> frame = tree_frame([project], {"P1": [session], session.key: [qc]}, {"P1", session.key})
>>> frame[["name", "kind", "details"]].values.tolist()[1:]
[['sub-01_MR1', 'session', '2024-01-02 · 1 session resource'], ['QC', 'session resource', '1 file']]
"""
from __future__ import annotations

from .client import Node

COLUMNS = ["name", "kind", "details", "size"]
CHILD = {"project": "subject", "subject": "experiment", "experiment": "scan", "scan": "resource",
         "assessor": "resource", "resource": "file"}
NOUN = {"subject": "subject", "experiment": "session", "scan": "scan", "assessor": "assessor", "resource": "resource",
        "file": "file"}


def kind(node: Node) -> str:
    """What a user calls the node: XNAT's experiments are sessions; a resource may belong to the session itself
    or to an assessor (derived data such as FreeSurfer's)."""
    if node.level == "resource" and node.assessor:
        return "assessor resource"
    if node.level == "resource" and not node.scan:
        return "session resource"
    return {"experiment": "session"}.get(node.level, node.level)


def _holder(node: Node) -> str:
    """What holds the node's resources, by name: a scan's ID or an assessor's label."""
    return node.scan or (node.info.get("assessor_label") or node.info.get("label") or node.assessor
                         if node.assessor else "")


def name(node: Node) -> str:
    return {"project": node.project, "subject": node.subject, "experiment": node.session or node.experiment,
            "scan": node.scan, "assessor": _holder(node), "resource": node.resource, "file": node.name}[node.level]


def path(node: Node) -> list:
    """The names from the project down to the node, as a user reads them (session labels, not IDs)."""
    parts = [node.project, node.subject, node.session or node.experiment, _holder(node), node.resource, node.name]
    level = "scan" if node.level == "assessor" else node.level
    depth = ["project", "subject", "experiment", "scan", "resource", "file"].index(level) + 1
    return [p for p in parts[:depth] if p]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _known(value) -> bool:
    return str(value) not in ("", "nan", "<NA>", "None")


def _children_summary(children: list) -> str:
    """``3 scans · 1 session resource``: counted by kind, in the order they are listed."""
    counts: dict = {}
    for child in children:
        counts[kind(child)] = counts.get(kind(child), 0) + 1
    return " · ".join(_count(n, k) for k, n in counts.items())


def details(node: Node, children: list | None) -> str:
    """The one-line summary in the *details* column (``children``: ``None`` while not listed yet)."""
    info = node.info
    if node.level == "project":
        parts = [info.get("name") if info.get("name") not in (None, node.project) else ""]
    elif node.level == "experiment":
        parts = [info.get("date")]
    elif node.level == "scan":
        parts = [info.get("type"), info.get("quality"), info.get("series_description")]
    elif node.level == "assessor":
        parts = [info.get("kind"), info.get("date")]
    elif node.level == "resource":
        parts = [info.get("format"), _count(int(info["file_count"]), "file") if _known(info.get("file_count")) else ""]
    elif node.level == "file":
        parts = [info.get("format"), info.get("content")]
    else:
        parts = []
    parts = [str(p) for p in parts if _known(p)]
    if node.level == "scan" and children:  # what a user wants of a scan: how many files, not how many resources
        counts = [c.info.get("file_count") for c in children]
        files = _count(sum(int(n) for n in counts if _known(n)), "file")
        parts.append(files if len(children) == 1 else f"{_children_summary(children)} · {files}")
    elif children is not None and node.level not in ("resource", "file"):
        parts.append(_children_summary(children) or f"no {NOUN[CHILD[node.level]]}s")
    return " · ".join(parts)


def size(node: Node, children: list | None):
    """Bytes under the node when known without another request (a resource's, a file's, a listed scan's)."""
    if node.level == "resource" and _known(node.info.get("file_size")):
        return int(node.info["file_size"])
    if node.level == "file" and _known(node.info.get("size")):
        return int(node.info["size"])
    if node.level == "scan" and children:
        sizes = [size(c, None) for c in children]
        return sum(sizes) if None not in sizes else None
    return None


def tree_frame(roots: list, children_of: dict, expanded: set, needle: str = "", loading=()):
    """The visible rows, depth first: index = node key, columns :data:`COLUMNS` plus ``_depth`` and ``_expanded``.

    ``needle`` keeps the rows whose name or details contain it, and the rows above them; ``loading`` holds
    the keys being listed (their details say so).
    """
    import pandas as pd

    needle = needle.strip().lower()
    records = []

    def walk(nodes, depth) -> bool:
        found = False
        for node in nodes:
            kids = children_of.get(node.key)
            open_ = node.key in expanded
            text = details(node, kids)
            if node.key in loading:
                text = (text + " · " if text else "") + "listing…"
            mark = len(records)
            records.append({"key": node.key, "name": name(node), "kind": kind(node), "details": text,
                            "size": size(node, kids), "_depth": depth,
                            "_expanded": None if node.level == "file" else open_})
            below = walk(kids or [], depth + 1) if open_ else False
            if needle and not below and needle not in f"{name(node)} {text}".lower():
                del records[mark:]  # neither it nor anything under it matches
                continue
            found = True
        return found

    walk(roots, 0)
    frame = pd.DataFrame(records, columns=["key", *COLUMNS, "_depth", "_expanded"]).set_index("key")
    frame.index.name = None
    frame["size"] = pd.to_numeric(frame["size"], errors="coerce").astype("Int64")
    frame["_expanded"] = frame["_expanded"].astype(object).where(frame["_expanded"].notna(), None)
    return frame


def detail_html(node: Node, children: list | None) -> str:
    """The row detail: every field XNAT gave for the node, and for a listed scan its files and size."""
    from ..ui.html import escape, format_bytes

    rows = [("kind", kind(node)), ("path", " / ".join(path(node)))]
    rows += [(k.replace("_", " "), v) for k, v in node.info.items() if _known(v) and k not in ("uri",)]
    if node.level == "scan" and children is not None:
        counts = [c.info.get("file_count") for c in children]
        rows.append(("files", sum(int(c) for c in counts if _known(c))))
        total = size(node, children)
        rows.append(("size", format_bytes(total) if total is not None else "unknown"))
    elif node.level == "scan":
        rows.append(("files", "listing…"))
    rows = [(k, format_bytes(int(v)) if k in ("file size", "size") and str(v).isdigit() else v) for k, v in rows]
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="ndw-table ndw-xnat-details-table">{body}</table>'
