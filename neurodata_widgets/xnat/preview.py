"""A scan's preview from XNAT: its snapshot, else one DICOM instance rendered here.

XNAT's snapshot generator gives a scan a ``SNAPSHOTS`` resource (``<session>_<scan>_qc.gif``,
content ``ORIGINAL``, and its ``_qc_t.gif`` thumbnail). When a scan has none, the preview
fetches the middle instance of its DICOM series (one file, never the series) and renders it.
One listing of the scan's files and one file: the preview costs a few kilobytes.

Examples
--------
>>> from neurodata_widgets.xnat.client import XnatClient
>>> client = XnatClient(sandbox.info()["xnat"]["url"])
>>> client.login(anonymous=True)
'guest'
>>> exp = client.experiments("DEMO_PUBLIC").iloc[0]["id"]
>>> p = scan_preview(client, exp, "1")
>>> p.kind, p.source, p.alt.startswith("Snapshot of scan 1")
('image', 'snapshot', True)
"""
from __future__ import annotations

from dataclasses import dataclass

from ..preview import Preview, dicom_png, image_html, suffix

SNAPSHOTS = "SNAPSHOTS"


@dataclass
class ScanPreview(Preview):
    source: str = ""  # "snapshot" or "dicom"
    nbytes: int = 0  # what was downloaded for it (the file, not the listing)


def _pick_snapshot(files):
    snaps = files[files["resource"] == SNAPSHOTS]
    if snaps.empty:
        return None
    for wanted in ("ORIGINAL", "THUMBNAIL"):
        match = snaps[snaps["content"] == wanted]
        if not match.empty:
            return match.iloc[0]
    return snaps.iloc[0]


def _pick_instance(files):
    dicom = files[(files["format"].str.upper() == "DICOM") | files["name"].map(lambda n: suffix(n) in (".dcm", ".ima"))]
    dicom = dicom[dicom["resource"] != SNAPSHOTS]
    if dicom.empty:
        return None
    ordered = dicom.sort_values("name")
    return ordered.iloc[len(ordered) // 2]  # the middle slice of a series listed in order


def scan_preview(client, experiment: str, scan: str, label: str = "") -> ScanPreview:
    """The preview of scan ``scan`` of session ``experiment``: its snapshot, or its middle DICOM instance."""
    files = client.files(experiment, scan)
    where = f"scan {scan}" + (f" of {label}" if label else f" of {experiment}")
    row = _pick_snapshot(files)
    if row is not None:
        data = fetch(client, row["uri"])
        mime = "image/png" if suffix(row["name"]) == ".png" else "image/gif"
        alt = f"Snapshot of {where} (XNAT's {row['name']})"
        return ScanPreview("image", image_html(data, alt, mime), alt, data, mime, "snapshot", len(data))
    row = _pick_instance(files)
    if row is None:
        return ScanPreview("none", f"<p>{_escape(where)} has no snapshot and no DICOM image.</p>")
    data = fetch(client, row["uri"])
    png, what = dicom_png(data)
    alt = f"Middle slice of {where}: {what} (rendered from {row['name']})"
    return ScanPreview("image", image_html(png, alt), alt, png, "image/png", "dicom", len(data))


def fetch(client, uri: str) -> bytes:
    """One file of the listing, through the client's logged-in session."""
    response = client.http.get(client.file_url(uri))
    response.raise_for_status()
    return response.content


def _escape(value) -> str:
    import html

    return html.escape(str(value))
