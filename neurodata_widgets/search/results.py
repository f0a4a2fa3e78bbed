"""What a search result shows: its row in the results table and its detail (a summary of its metadata).

Pure functions on registry records (``GET /api/v2/dataset-urls`` items, with ``return_metadata=content``),
whichever backend gave them; no widgets here. Every value comes from a registry or a dataset, so every
value is escaped; a URL becomes a link only when it is an ``http(s)`` address.

Examples
--------
>>> rec = {"id": 7, "url": "https://example.org/ds<1>", "ds_id": "835db767-8b86-40a7-88e5-f1fdb74e2b78",
...        "annexed_files_in_wt_count": 3, "annexed_files_in_wt_size": 1500, "last_update_dt": "2025-03-14T09:26"}
>>> frame = table_frame([rec])
>>> list(frame.index), list(frame.columns)
([7], ['dataset', 'annexed files', 'size', 'last update'])
>>> name_of(rec), name_of({"url": "https://github.com/lab/study-42.git"})
('ds<1>', 'study-42')
>>> str(url_cell(rec["url"]))
'<a class="ndw-search-url" href="https://example.org/ds&lt;1&gt;" target="_blank" rel="noopener noreferrer" title="https://example.org/ds&lt;1&gt;">https://example.org/ds&lt;1&gt;</a>'
>>> summary_lines({"metadata": [{"extractor_name": "bids_dataset",
...                               "extracted_metadata": {"Name": "Visual cortex", "License": "CC0"}}]})
[('name', 'Visual cortex'), ('license', 'CC0')]
"""
from __future__ import annotations

import json

from ..ui.html import Markup, escape, format_bytes

# the registry's order_by values, by the header a user clicks (every one of them is a column; "dataset" sorts
# by the URL shown under the dataset's name)
ORDER_OPTIONS = [("last update", "last_update_dt"), ("dataset", "url"), ("annexed files", "annexed_files_in_wt_count"),
                 ("size", "annexed_files_in_wt_size")]
SORT_KEYS = dict(ORDER_OPTIONS)
HEADER_OF = {key: header for header, key in ORDER_OPTIONS}
SHOWN = ["dataset", "annexed files", "size", "last update"]
FIELD_OF = {"url": "url", "ds_id": "ds_id", **SORT_KEYS}
#: a description is cut to this many characters in its row (the whole text is in the row's detail)
DESCRIPTION_CHARS = 160


def is_web_address(url) -> bool:
    return isinstance(url, str) and url.lower().startswith(("http://", "https://"))


def url_cell(url) -> Markup:
    """A dataset URL: a link (new tab) when it is a web address, else the path as text."""
    text = escape(url)
    if is_web_address(url):
        return Markup(f'<a class="ndw-search-url" href="{text}" target="_blank" rel="noopener noreferrer" '
                      f'title="{text}">{text}</a>')
    return Markup(f'<span class="ndw-search-url" title="{text}">{text}</span>')


def ds_id_cell(ds_id) -> Markup:
    """A ds_id, shortened to its first block (the whole id in the tooltip and in the detail)."""
    if not ds_id:
        return Markup('<span class="ndw-muted">(none)</span>')
    text = str(ds_id)
    short = text.split("-")[0] + "…" if len(text) > 12 else text
    return Markup(f'<code class="ndw-search-dsid" title="{escape(text)}">{escape(short)}</code>')


def _count(value) -> str:
    return "" if value is None or value != value else f"{int(value):,}"


def _figure(text: str) -> Markup:
    """A number, size or date: kept on one line (a narrow window scrolls the table instead)."""
    return Markup(f'<span class="ndw-search-figure">{escape(text)}</span>')


def name_of(record) -> str:
    """A result's name: its metadata's name, else the last part of its URL (``.git`` left off)."""
    named = dict(summary_lines(record)).get("name")
    if named:
        return named
    url = str(record.get("url") or "").rstrip("/")
    last = url.rpartition("/")[2] or url
    return last[:-4] if last.endswith(".git") and len(last) > 4 else (last or "(no URL)")


def dataset_cell(record) -> Markup:
    """A result as a reader scans a catalogue: name, modalities and licence, a line of description, the URL."""
    lines = dict(summary_lines(record))
    badges = "".join(f'<span class="ndw-badge ndw-badge-info ndw-search-modality">{escape(m.strip())}</span>'
                     for m in (lines.get("modalities") or lines.get("BIDS datatypes") or "").split(",")[:5]
                     if m.strip() and not m.strip().startswith("(+"))
    if lines.get("license"):
        badges += f'<span class="ndw-badge ndw-search-license" title="licence">{escape(lines["license"])}</span>'
    text = lines.get("description") or ""
    cut = text if len(text) <= DESCRIPTION_CHARS else text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0] + "…"
    description = f'<div class="ndw-search-description">{escape(cut)}</div>' if cut else ""
    return Markup(f'<div class="ndw-search-card"><b class="ndw-search-name">{escape(name_of(record))}</b> '
                  f'<span class="ndw-search-badges">{badges}</span>{description}'
                  f'<div class="ndw-search-where">{url_cell(record.get("url"))}</div></div>')


def table_frame(records):
    """The records as the results table's frame: shown columns by header, indexed by the record's ``id``.

    The registry's ``id`` is unique over all pages of every search, so checked rows stay apart across pages.
    """
    import pandas as pd

    rows, labels = [], []
    for i, rec in enumerate(records):
        labels.append(rec.get("id") if rec.get("id") is not None else f"row {i}")
        size = rec.get("annexed_files_in_wt_size")
        rows.append({"dataset": dataset_cell(rec),
                     "annexed files": _figure(_count(rec.get("annexed_files_in_wt_count"))),
                     "size": _figure("" if size is None else format_bytes(size)),
                     "last update": _figure(str(rec.get("last_update_dt") or "")[:10])})
    return pd.DataFrame(rows, index=pd.Index(labels, name="id"), columns=SHOWN)


# -- the detail ---------------------------------------------------------------------------------------
def _extracted(record) -> dict:
    """Extractor name -> its extracted metadata (``return_metadata=content``; empty otherwise)."""
    out = {}
    for m in record.get("metadata") or []:
        if isinstance(m, dict) and isinstance(m.get("extracted_metadata"), dict):
            out.setdefault(str(m.get("extractor_name")), m["extracted_metadata"])
    return out


def _text(value, limit: int = 6) -> str:
    """A metadata value in words: lists joined (at most ``limit`` items), objects as their names or JSON."""
    if isinstance(value, (list, tuple)):
        items = [_text(v) for v in value if v not in (None, "", [], {})]
        more = f" (+{len(items) - limit} more)" if len(items) > limit else ""
        return ", ".join(items[:limit]) + more
    if isinstance(value, dict):
        named = value.get("name") or value.get("Name") or value.get("path")
        return str(named) if named else json.dumps(value, ensure_ascii=False)[:120]
    return "" if value is None else str(value)


def _jsonld_dataset(core: dict) -> tuple[dict, list]:
    """The Dataset node and the agents of a metalad_core JSON-LD document (the public registry's shape)."""
    graph = core.get("@graph") if isinstance(core.get("@graph"), list) else []
    nodes = [n for n in graph if isinstance(n, dict)]
    dataset = next((n for n in nodes if n.get("@type") == "Dataset"), {})
    agents = [n.get("name") for n in nodes if n.get("@type") == "agent" and n.get("name")]
    return dataset, agents


def summary_lines(record) -> list[tuple[str, str]]:
    """What a result's metadata says, as (label, text) pairs: name, description, authors, license, BIDS facts,
    subdatasets, run records; from the ``bids_dataset`` and ``metalad_core`` extractors (either shape of the
    latter: the toolkit's flat one or DataLad's JSON-LD)."""
    found = _extracted(record)
    bids, core = found.get("bids_dataset") or {}, found.get("metalad_core") or {}
    dataset, agents = _jsonld_dataset(core)
    parts = dataset.get("hasPart") if isinstance(dataset.get("hasPart"), list) else None
    subs = core.get("subdatasets") if isinstance(core.get("subdatasets"), list) else parts
    entities = bids.get("entities") if isinstance(bids.get("entities"), dict) else {}  # the public registry's
    participants = bids.get("participants")
    lines = [("name", bids.get("Name") or core.get("name") or dataset.get("name")),
             ("description", core.get("description") or dataset.get("description")),
             ("authors", bids.get("Authors") or core.get("authors") or agents),
             ("license", bids.get("License") or core.get("license") or dataset.get("license")),
             ("DOI", bids.get("DatasetDOI")),
             ("BIDS datatypes", bids.get("datatypes") or entities.get("datatype")),
             ("modalities", bids.get("modalities")),
             ("tasks", bids.get("tasks") or entities.get("task")),
             ("participants", participants.get("count") if isinstance(participants, dict) else participants),
             ("subdatasets", f"{len(subs)}: {_text(subs, 4)}" if subs else None),
             ("run records", core.get("run_records") if core.get("run_records") is not None
              else ({True: "yes", False: "no"}.get(core.get("has_run_records")))),
             ("other metadata", [n for n in found if n not in ("bids_dataset", "metalad_core")] or None)]
    return [(label, text) for label, text in ((k, _text(v)) for k, v in lines) if text]


def _refs(value) -> str:
    """Branch names (the registry gives a dict of branches) or tags (a list, or its JSON text)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict):
        value = list(value)
    return _text(value, 8)


def detail_html(record) -> str:
    """The active row's detail: its URL as a link, its ds_id, version, what its metadata says, its numbers.

    With a ds_id it ends with two actions (``data-action`` buttons the table reports): *Clones* lists
    every URL of the dataset, *Used as subdataset* the datasets that include it.
    """
    rows = [("url", str(url_cell(record.get("url")))),
            ("ds_id", f'<code class="ndw-search-detail-dsid">{escape(record.get("ds_id") or "(none)")}</code>')]
    version = record.get("head_describe") or (str(record.get("head") or "")[:12])
    plain = [("version", version), ("branches", _refs(record.get("branches"))), ("tags", _refs(record.get("tags"))),
             *summary_lines(record),
             ("git objects", format_bytes(record["git_objects_kb"] * 1000) if record.get("git_objects_kb") else ""),
             ("last update", record.get("last_update_dt"))]
    rows += [(label, escape(text)) for label, text in plain if text]
    if not _extracted(record):
        rows.append(("metadata", '<span class="ndw-muted">none returned for this dataset</span>'))
    cells = "".join(f"<dt>{escape(label)}</dt><dd>{html}</dd>" for label, html in rows)
    actions = ""
    if record.get("ds_id"):
        ds_id = escape(record["ds_id"])
        actions = ('<div class="ndw-search-actions">'
                   f'<button class="jupyter-button ndw-search-clones" data-action="clones" '
                   f'title="every URL of this dataset: ds_id:{ds_id}">Clones</button>'
                   '<button class="jupyter-button ndw-search-reuse" data-action="reuse" '
                   'title="datasets whose core metadata names this one as a subdataset">Used as subdataset</button>'
                   '</div>')
    return f'<dl class="ndw-search-detail">{cells}</dl>{actions}'


__all__ = ["ORDER_OPTIONS", "SORT_KEYS", "HEADER_OF", "SHOWN", "table_frame", "url_cell", "ds_id_cell", "name_of",
           "dataset_cell",
           "summary_lines", "detail_html"]
