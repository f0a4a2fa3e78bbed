"""How the sandbox XNAT writes its answers: ``ResultSet`` tables and single items, per ``format=``.

XNAT's REST listings are tables rendered in the format the client asks for
(``?format=json|xml|csv|html``; JSON when absent for API clients): pyxnat reads CSV,
datalad-xnat and xnatpy JSON. A single object (``/data/experiments/E?format=json``) is an
``items`` document with ``data_fields``, ``meta`` (its ``xsi:type``) and ``children``;
``format=xml`` gives its XML document.

Examples
--------
>>> from neurodata_widgets.sandbox.xnat_tables import render_table
>>> response = render_table([{"ID": "P1", "URI": "/data/projects/P1"}], ["ID", "URI"], "csv", "Projects")
>>> response.body.decode().splitlines()
['"ID","URI"', '"P1","/data/projects/P1"']
"""
from __future__ import annotations

import csv
import html
import io
import json
from xml.sax.saxutils import escape, quoteattr

from .runner import Response

FORMATS = ("json", "xml", "csv", "html")
_XE = "http://nrg.wustl.edu/xe"


def wanted_format(query: dict, default: str = "json") -> str:
    """The ``format=`` of a request, lower-cased (XNAT ignores case)."""
    return (query.get("format") or default).lower()


def render_table(rows: list, columns: list, fmt: str, title: str, with_columns: bool = False) -> Response:
    """A ``ResultSet`` of ``rows`` (dicts) restricted to ``columns``, in format ``fmt``.

    ``with_columns`` adds the ``Columns`` block XNAT's file listings carry in JSON.
    """
    cells = [[str(row.get(c, "") if row.get(c) is not None else "") for c in columns] for row in rows]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(cells)
        return Response(200, buf.getvalue().encode(), "text/csv; charset=UTF-8",
                        {"Content-Disposition": f'inline; filename="{title}.csv"'})
    if fmt == "xml":
        head = "".join(f"<column>{escape(c)}</column>" for c in columns)
        body = "".join("<row>" + "".join(f"<cell>{escape(v)}</cell>" for v in row) + "</row>" for row in cells)
        text = (f'<?xml version="1.0" encoding="UTF-8"?>\n<ResultSet xmlns="{_XE}" totalRecords="{len(cells)}" '
                f'title={quoteattr(title)}><results><columns>{head}</columns><rows>{body}</rows></results>'
                "</ResultSet>")
        return Response(200, text.encode(), "text/xml; charset=UTF-8")
    if fmt == "html":
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in cells)
        text = (f"<html><head><title>{html.escape(title)}</title></head><body><table><thead><tr>{head}</tr>"
                f"</thead><tbody>{body}</tbody></table></body></html>")
        return Response(200, text.encode(), "text/html; charset=UTF-8")
    result = {"Result": [dict(zip(columns, row)) for row in cells], "totalRecords": str(len(cells)), "title": title}
    if with_columns:
        result["Columns"] = [{"key": c, "header": c} for c in columns]
    return Response(200, json.dumps({"ResultSet": result}).encode(), "application/json")


def render_item(xsi_type: str, fields: dict, fmt: str, children: list | None = None) -> Response:
    """One object: ``{"items": [{"data_fields", "meta", "children"}]}`` (JSON) or its XML document."""
    if fmt == "xml":
        prefix, _, name = xsi_type.partition(":")
        element = name[0].upper() + name[1:].removesuffix("Data")
        attrs = "".join(f" {k}={quoteattr(str(v))}" for k, v in fields.items() if k in ("ID", "project", "label"))
        inner = "".join(f"<{prefix}:{k}>{escape(str(v))}</{prefix}:{k}>" for k, v in fields.items()
                        if k not in ("ID", "project", "label") and v not in (None, ""))
        text = (f'<?xml version="1.0" encoding="UTF-8"?>\n<{prefix}:{element}{attrs} '
                f'xmlns:{prefix}="http://nrg.wustl.edu/{prefix}" '
                f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{inner}</{prefix}:{element}>')
        return Response(200, text.encode(), "text/xml; charset=UTF-8")
    item = {"children": children or [], "meta": {"create_event_id": 1, "xsi:type": xsi_type, "isHistory": False},
            "data_fields": fields}
    return Response(200, json.dumps({"items": [item]}).encode(), "application/json")
