"""Lay out a :class:`~.lineage.Lineage` as layered SVG (no JavaScript, no CDN) and export PROV-JSON.

The layout is a small Sugiyama-style one: layers by longest path from the sources
(inputs left, results right), order within a layer by a few barycenter sweeps. Every
label is escaped; each node is a ``<g data-node="...">`` so a front end can wire clicks.

Examples
--------
>>> from neurodata_widgets.provenance.lineage import Lineage
>>> g = Lineage("file:b", {"file:a": {"kind": "file", "label": "a", "stale": False},
...                        "run:1": {"kind": "run", "label": "make b", "stale": False},
...                        "file:b": {"kind": "file", "label": "b", "stale": True}},
...             [("file:a", "run:1", "used"), ("run:1", "file:b", "generated")])
>>> {n: p[0] for n, p in layout(g).items()}
{'file:a': 0, 'run:1': 1, 'file:b': 2}
>>> 'ndw-stale' in to_svg(g)
True
"""
from __future__ import annotations

from ..ui.colors import COLORS
from ..ui.html import escape

NODE_W, NODE_H, GAP_X, GAP_Y, MARGIN = 200, 38, 70, 18, 16


def layout(graph) -> dict:
    """``{node: (layer, row)}``: layers by longest path from the sources, rows ordered to cut crossings.

    Sources are then moved right, next to the run that first uses them.

    Examples
    --------
    >>> from neurodata_widgets.provenance.lineage import Lineage
    >>> g = Lineage("file:c", {n: {"kind": "file"} for n in ("file:a", "file:b", "file:c", "run:1", "run:2")},
    ...             [("file:a", "run:1", "used"), ("run:1", "file:b", "generated"),
    ...              ("file:b", "run:2", "used"), ("file:x", "run:2", "used"), ("run:2", "file:c", "generated")])
    >>> g.nodes["file:x"] = {"kind": "file"}
    >>> layout(g)["file:x"][0] == layout(g)["file:b"][0]
    True
    """
    preds: dict = {n: [] for n in graph.nodes}
    succs: dict = {n: [] for n in graph.nodes}
    for s, t, _ in graph.edges:
        if s in preds and t in preds:
            succs[s].append(t)
            preds[t].append(s)
    layer: dict = {}
    order = _topological(graph.nodes, preds, succs)
    for n in order:
        layer[n] = max((layer[p] + 1 for p in preds[n] if p in layer), default=0)
    for n in reversed(order):  # a source sits right before its first use, not far left with a long edge
        if not preds[n] and succs[n]:
            layer[n] = min(layer[s] for s in succs[n]) - 1
    columns: dict = {}
    for n in order:
        columns.setdefault(layer[n], []).append(n)
    for _ in range(4):  # barycenter sweeps, left to right then right to left
        for direction in (1, -1):
            keys = sorted(columns) if direction == 1 else sorted(columns, reverse=True)
            for k in keys:
                neighbours = preds if direction == 1 else succs
                pos = {n: i for col in columns.values() for i, n in enumerate(col)}
                def bary(n):
                    linked = [pos[m] for m in neighbours[n] if m in pos]
                    return sum(linked) / len(linked) if linked else pos[n]
                columns[k].sort(key=bary)
    return {n: (k, i) for k, col in columns.items() for i, n in enumerate(col)}


def _topological(nodes, preds, succs) -> list:
    indegree = {n: len(preds[n]) for n in nodes}
    ready = [n for n in nodes if indegree[n] == 0]
    out = []
    while ready:
        n = ready.pop(0)
        out.append(n)
        for m in succs[n]:
            indegree[m] -= 1
            if indegree[m] == 0:
                ready.append(m)
    out += [n for n in nodes if n not in out]  # a cycle cannot come from git history; keep going anyway
    return out


def positions(graph) -> dict:
    """``{node: (x, y)}`` of each node's top-left corner, columns centred vertically."""
    cells = layout(graph)
    height = {}
    for layer, row in cells.values():
        height[layer] = max(height.get(layer, 0), row + 1)
    tallest = max(height.values(), default=1)
    out = {}
    for n, (layer, row) in cells.items():
        offset = (tallest - height[layer]) * (NODE_H + GAP_Y) / 2
        out[n] = (MARGIN + layer * (NODE_W + GAP_X), MARGIN + offset + row * (NODE_H + GAP_Y))
    return out


def _short(text: str, n: int = 28) -> str:
    text = str(text)
    return text if len(text) <= n else text[:n - 1] + "…"


# JupyterLab's theme variables (light and dark), so the graph is drawn in the page's theme; the fallbacks are
# the light look, for an SVG opened on its own. A fill is the node colour mixed into the page's background.
LINE = "var(--jp-ui-font-color3, #8c959f)"
PAGE = "var(--jp-layout-color0, white)"


def _wash(color: str, percent: int = 12) -> str:
    return f"color-mix(in srgb, {color} {percent}%, {PAGE})"


STYLE = f"""
.ndw-node rect {{ stroke: {LINE}; stroke-width: 1.2; fill: {PAGE}; }}
.ndw-node {{ cursor: pointer; font: 12px system-ui, sans-serif; }}
.ndw-node text {{ fill: {COLORS['text']}; }}
.ndw-node-run rect {{ fill: {_wash(COLORS['info'])}; stroke: {COLORS['info']}; }}
.ndw-node-run.ndw-superseded rect {{ fill: var(--jp-layout-color2, #f3f4f6); stroke: var(--jp-border-color1, #adb5bd);
  stroke-dasharray: 3 2; }}
.ndw-node-more rect {{ fill: {COLORS['bg']}; stroke-dasharray: 2 2; }}
.ndw-node.ndw-stale rect {{ fill: {_wash(COLORS['error'])}; stroke: {COLORS['error']}; stroke-width: 2; }}
.ndw-node.ndw-changed rect {{ fill: {_wash(COLORS['warn'])}; stroke: {COLORS['warn']}; stroke-width: 2; }}
.ndw-node.ndw-stale-upstream rect {{ stroke: {COLORS['warn']}; stroke-dasharray: 5 3; stroke-width: 2; }}
.ndw-node.ndw-focus rect {{ stroke: {COLORS['primary']}; stroke-width: 3; }}
.ndw-node:hover rect, .ndw-node:focus rect {{ filter: brightness(0.94); }}
.ndw-node:focus {{ outline: none; }}
.ndw-node:focus-visible rect {{ stroke-width: 3; }}
.ndw-node .ndw-sub {{ fill: {COLORS['muted']}; font-size: 10px; }}
.ndw-edge {{ fill: none; stroke: {LINE}; stroke-width: 1.2; }}
.ndw-arrow {{ fill: {LINE}; }}
"""


def to_svg(graph, focus: str = "") -> str:
    """The graph as a standalone SVG string (escaped labels, ``data-node`` on every node).

    ``focus`` highlights another node than the graph's focus file (e.g. a selected run).
    """
    focus = focus or graph.focus
    pos = positions(graph)
    width = max((x for x, _ in pos.values()), default=0) + NODE_W + MARGIN
    height = max((y for _, y in pos.values()), default=0) + NODE_H + MARGIN
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ndw-lineage-svg" width="{width:.0f}" '
           f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="group" '
           f'aria-label="lineage graph"><style>{STYLE}</style>'
           '<defs><marker id="ndw-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path class="ndw-arrow" d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>']
    for s, t, rel in graph.edges:
        if s not in pos or t not in pos:
            continue
        x1, y1 = pos[s][0] + NODE_W, pos[s][1] + NODE_H / 2
        x2, y2 = pos[t][0], pos[t][1] + NODE_H / 2
        mid = (x1 + x2) / 2
        out.append(f'<path class="ndw-edge ndw-edge-{rel}" d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} '
                   f'{mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" marker-end="url(#ndw-arrow)"/>')
    for nid, node in graph.nodes.items():
        x, y = pos[nid]
        classes = ["ndw-node", f"ndw-node-{node['kind']}"]
        if node.get("stale"):
            classes.append("ndw-stale")
        elif node.get("changed"):
            classes.append("ndw-changed")
        elif node.get("stale_upstream"):
            classes.append("ndw-stale-upstream")
        if nid == focus:
            classes.append("ndw-focus")
        if node["kind"] == "run" and not node.get("current", True):
            classes.append("ndw-superseded")
        if node["kind"] == "run":
            sub = f"{node.get('run_kind', 'run')} {node.get('commit', '')[:8]}"
            sub += " · other dataset" if node.get("foreign") else ""
        elif node.get("stale"):
            sub = "⚠ stale"
        elif node.get("changed"):
            sub = "✎ changed since its run"
        elif node.get("stale_upstream"):
            sub = "upstream is stale"
        elif node["kind"] == "file":
            where = f"{node['dataset']} · " if node.get("dataset") else ""
            sub = where + ("computed" if node.get("computed") else "source")
        else:
            sub = ""
        tip = node.get("path") or node.get("cmd") or node["label"]
        if node.get("reasons"):
            tip += "\n" + "\n".join(node["reasons"])
        rx = 14 if node["kind"] == "run" else 4
        shown = (_short(node["label"]), _short(sub, 34))
        # the name is what the node shows (WCAG 2.5.3, label in name); the full path or command is its description
        name = " ".join(part for part in shown if part)
        out.append(f'<g class="{" ".join(classes)}" data-node="{escape(nid)}" tabindex="0" role="button" '
                   f'aria-label="{escape(name)}" transform="translate({x:.1f},{y:.1f})">'
                   f'<title>{escape(tip)}</title><rect width="{NODE_W}" height="{NODE_H}" rx="{rx}"/>'
                   f'<text x="8" y="15">{escape(shown[0])}</text> '  # read as two words, not one
                   f'<text class="ndw-sub" x="8" y="30">{escape(shown[1])}</text></g>')
    out.append("</svg>")
    return "".join(out)


def to_prov(graph) -> dict:
    """W3C PROV-JSON: files are entities, runs are activities (with their author as agent).

    Every id used by a relation is declared among entities, activities or agents; the
    "+ N more" summary nodes of the picture are left out.
    """
    from urllib.parse import quote

    root = getattr(graph, "root", "") or "."
    # PROV-JSON types a value that is a qualified name, else PROV tools read a plain string
    qualified = lambda name: {"$": name, "type": "prov:QUALIFIED_NAME"}  # noqa: E731
    doc = {"prefix": {"ndw": "https://neurodata-widgets.invalid/ns#", "ds": f"file://{quote(root)}/",
                      "commit": "urn:git:commit:", "agent": "mailto:"},
           "entity": {}, "activity": {}, "agent": {}, "used": {}, "wasGeneratedBy": {}, "wasAssociatedWith": {}}
    ids = {}
    for nid, node in graph.nodes.items():
        if node["kind"] == "run":
            ids[nid] = "commit:" + node["commit"]
            doc["activity"][ids[nid]] = {"prov:label": node["label"], "prov:startTime": node.get("date"),
                                         "prov:endTime": node.get("date"), "ndw:command": node.get("cmd", ""),
                                         "ndw:container": node.get("container", ""),
                                         "ndw:kind": node.get("run_kind", "run"),
                                         "ndw:dataset": node.get("dataset", "")}
            if node.get("author"):
                agent = "agent:" + (node.get("email") or node["author"].replace(" ", "_"))
                doc["agent"][agent] = {"prov:type": qualified("prov:Person"), "prov:label": node["author"]}
                doc["wasAssociatedWith"][f"_:assoc{len(doc['wasAssociatedWith'])}"] = {
                    "prov:activity": ids[nid], "prov:agent": agent}
        elif node["kind"] == "file":
            ids[nid] = "ds:" + quote(node["path"], safe="/")  # a qualified name holds no spaces
            doc["entity"][ids[nid]] = {"prov:label": node["label"], "ndw:stale": bool(node.get("stale")),
                                       "prov:type": qualified("ndw:File")}
    for i, (s, t, rel) in enumerate(graph.edges):
        if s not in ids or t not in ids:
            continue
        if rel == "used":
            doc["used"][f"_:u{i}"] = {"prov:activity": ids[t], "prov:entity": ids[s]}
        else:
            doc["wasGeneratedBy"][f"_:g{i}"] = {"prov:entity": ids[t], "prov:activity": ids[s]}
    return {k: v for k, v in doc.items() if v or k in ("prefix", "entity")}
