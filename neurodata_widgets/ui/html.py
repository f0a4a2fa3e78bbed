"""Escaping and formatting for anything shown as HTML (no ipywidgets here).

Everything that came from a server or a dataset goes through :func:`escape`
before it is put into HTML.

Examples
--------
>>> escape('<img src=x onerror="alert(1)">')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
>>> format_bytes(1536)
'1.5 KB'
"""
from __future__ import annotations

import html as _html


def escape(value) -> str:
    """HTML-escape any value (``None`` becomes an empty string)."""
    if value is None:
        return ""
    return _html.escape(str(value), quote=True)


def format_bytes(n) -> str:
    """Human-readable size with decimal units (as git-annex and DataLad print them)."""
    if n is None:
        return "?"
    n = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} PB"  # pragma: no cover


def format_rate(bytes_per_second) -> str:
    return format_bytes(bytes_per_second) + "/s"


def badge(text: str, kind: str = "neutral", title: str = "") -> str:
    """A small coloured label (``kind`` is one of ok, warn, error, info, neutral)."""
    tip = f' title="{escape(title)}"' if title else ""
    return f'<span class="ndw-badge ndw-badge-{escape(kind)}"{tip}>{escape(text)}</span>'


def table(rows, columns, headers=None, row_attrs=None) -> str:
    """An escaped HTML table from a list of dicts (``columns`` are the keys shown).

    Cell values that are instances of :class:`Markup` are inserted as they are.
    """
    headers = headers or columns
    out = ['<table class="ndw-table"><thead><tr>']
    out += [f"<th>{escape(h)}</th>" for h in headers]
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(rows):
        attrs = row_attrs(i, row) if row_attrs else ""
        out.append(f"<tr{attrs}>")
        for col in columns:
            value = row.get(col)
            out.append(f"<td>{value if isinstance(value, Markup) else escape(value)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


class Markup(str):
    """A string that is already safe HTML (built by this package, never from outside)."""
