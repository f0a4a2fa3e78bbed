"""Previews of files: a look before you get, rendered to PNG bytes and escaped HTML (no widgets here).

* NIfTI: three orthogonal middle slices, read through nibabel's array proxy (only the
  slices, not the whole image, where the file's layout allows);
* DICOM: the instance's image (one instance is one slice);
* PNG, JPEG, GIF, SVG: the image itself, shrunk;
* TSV, CSV: the first rows as a table; JSON and text: their start.

Everything that came from a file is escaped; images are ``data:`` URIs, so a preview works
offline and in any page. Each preview carries alt text.

Examples
--------
>>> import numpy as np, nibabel as nib
>>> path = tmp / "img.nii.gz"
>>> nib.save(nib.Nifti1Image(np.arange(4 * 5 * 6, dtype="int16").reshape(4, 5, 6), np.eye(4)), path)
>>> p = preview_file(path)
>>> p.kind, p.png[:4], p.alt
('image', b'\\x89PNG', 'Sagittal, coronal and axial middle slices of img.nii.gz (4 x 5 x 6 voxels)')
>>> preview_file(tmp / "missing.tsv").kind
'absent'
"""
from __future__ import annotations

import base64
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

TEXT_BYTES = 4096  # how much of a text file a preview reads
TABLE_ROWS = 10
IMAGE_PX = 256  # the longest side of a preview image
NIFTI = (".nii", ".nii.gz")
DICOM = (".dcm", ".ima")
IMAGES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}
TABLES = {".tsv": "\t", ".csv": ","}
TEXTS = (".txt", ".md", ".rst", ".py", ".sh", ".m", ".r", ".yaml", ".yml", ".cfg", ".ini", ".toml", ".bvec",
         ".bval", ".log", "")


@dataclass
class Preview:
    """A preview: ``kind`` (``image``, ``table``, ``text``, ``absent``, ``none``), its ``html`` and, for
    images, the ``png`` bytes (or ``data`` of another ``mime`` type) and ``alt`` text."""

    kind: str
    html: str
    alt: str = ""
    png: bytes | None = None
    mime: str = "image/png"

    @property
    def data(self) -> bytes | None:
        return self.png


def _escape(value) -> str:
    import html

    return html.escape(str(value), quote=True)


def image_html(data: bytes, alt: str, mime: str = "image/png", css: str = "ndw-preview-image") -> str:
    """An ``<img>`` of ``data`` as a ``data:`` URI, with ``alt`` text (escaped)."""
    uri = f"data:{mime};base64," + base64.b64encode(data).decode()
    return f'<img class="{css}" src="{uri}" alt="{_escape(alt)}" title="{_escape(alt)}">'


def suffix(name: str) -> str:
    """The preview-relevant suffix of a file name, lower-case (``.nii.gz`` kept whole)."""
    lower = str(name).lower()
    return ".nii.gz" if lower.endswith(".nii.gz") else Path(lower).suffix


# -- rendering ----------------------------------------------------------------------------------------------
def to_uint8(array, low: float = 1.0, high: float = 99.5):
    """Scale an image array to 0-255 between two percentiles (robust to a few bright voxels)."""
    import numpy as np

    values = np.asarray(array, dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros(values.shape, dtype=np.uint8)
    lo, hi = np.percentile(finite, [low, high])
    if hi <= lo:
        hi = lo + 1
    return (np.clip((np.nan_to_num(values, nan=lo) - lo) / (hi - lo), 0, 1) * 255).astype(np.uint8)


def png_bytes(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=1)  # fast: previews are small and short-lived
    return buf.getvalue()


def _panel(array2d, aspect: float, height: int):
    """One slice as a PIL image ``height`` pixels high, keeping the physical aspect ratio."""
    from PIL import Image

    image = Image.fromarray(array2d, mode="L")
    width = max(1, int(round(height * array2d.shape[1] / array2d.shape[0] * aspect)))
    return image.resize((width, height), Image.BILINEAR)


def slices_png(slices: list, aspects: list, height: int = 160) -> bytes:
    """Place 2-D uint8 arrays side by side (each scaled to ``height``) on a black strip: PNG bytes."""
    from PIL import Image

    panels = [_panel(s, a, height) for s, a in zip(slices, aspects)]
    gap = 4
    strip = Image.new("L", (sum(p.width for p in panels) + gap * (len(panels) - 1), height), 0)
    x = 0
    for panel in panels:
        strip.paste(panel, (x, 0))
        x += panel.width + gap
    return png_bytes(strip)


def nifti_slices(path) -> tuple:
    """``(slices, aspects, shape)``: the sagittal, coronal and axial middle slices of a NIfTI image.

    Read through nibabel's array proxy in the file's own type (never converted to floating point as a
    whole): an uncompressed file is memory-mapped and only the pages under the three slices are read; a
    gzip stream cannot be read out of order, so it is decompressed once (of a 4-D image, the first
    volume's slices are shown). Shown in the neurological convention: superior up, anterior up (axial).
    """
    import nibabel as nib
    import numpy as np

    image = nib.load(str(path))
    image = nib.as_closest_canonical(image) if _cheap_to_reorient(image) else image
    shape = image.shape
    zooms = image.header.get_zooms()[:3]
    volume = volume_view(image)
    x, y, z = (n // 2 for n in shape[:3])
    sagittal = np.asarray(volume[x, :, :])  # (y, z)
    coronal = np.asarray(volume[:, y, :])  # (x, z)
    axial = np.asarray(volume[:, :, z])  # (x, y)
    # rows top to bottom: superior first (sagittal, coronal); anterior first (axial)
    planes = [np.flipud(sagittal.T), np.flipud(coronal.T), np.flipud(axial.T)]
    scaled = to_uint8(np.concatenate([p.ravel() for p in planes]))
    out, start = [], 0
    for plane in planes:
        out.append(scaled[start:start + plane.size].reshape(plane.shape))
        start += plane.size
    aspects = [zooms[1] / zooms[2], zooms[0] / zooms[2], zooms[0] / zooms[1]]
    return out, aspects, tuple(int(n) for n in shape)


def volume_view(image):
    """The image's voxels without a copy where possible: a memory map of an uncompressed file (nothing read
    yet), else the array proxy's data in its stored type."""
    import numpy as np

    if len(image.shape) > 3:  # the first volume only: a contiguous block at the start of the file
        return np.asanyarray(image.dataobj[(Ellipsis,) + (0,) * (len(image.shape) - 3)])
    return np.asanyarray(image.dataobj)


def _cheap_to_reorient(image) -> bool:
    # reorienting a proxy image loads the data; only do it when it already is (near) canonical
    import nibabel as nib

    return nib.aff2axcodes(image.affine) == ("R", "A", "S")


def nifti_preview(path, name: str | None = None) -> Preview:
    """Three orthogonal middle slices of a NIfTI file."""
    slices, aspects, shape = nifti_slices(path)
    name = name or Path(path).name
    alt = (f"Sagittal, coronal and axial middle slices of {name} "
           f"({' x '.join(str(n) for n in shape)} voxels)")
    png = slices_png(slices, aspects)
    return Preview("image", image_html(png, alt), alt, png)


def dicom_png(data: bytes) -> tuple:
    """``(png, description)`` of a DICOM instance's image (its middle frame when it has several)."""
    import numpy as np
    import pydicom

    ds = pydicom.dcmread(io.BytesIO(data))
    pixels = ds.pixel_array
    if pixels.ndim == 3 and getattr(ds, "SamplesPerPixel", 1) == 1:
        pixels = pixels[pixels.shape[0] // 2]
    spacing = [float(v) for v in getattr(ds, "PixelSpacing", [1, 1])]
    image = to_uint8(pixels)
    if str(getattr(ds, "PhotometricInterpretation", "")) == "MONOCHROME1":
        image = 255 - image
    height = max(IMAGE_PX // 2, min(IMAGE_PX, image.shape[0]))
    png = slices_png([np.asarray(image)], [spacing[1] / spacing[0] if spacing[0] else 1.0], height)
    what = " ".join(str(v) for v in (getattr(ds, "Modality", ""), str(getattr(ds, "SeriesDescription", "")).strip(),
                                       f"instance {getattr(ds, 'InstanceNumber', '')}".strip()) if str(v).strip())
    return png, f"{what}, {ds.Rows} x {ds.Columns} pixels"


def dicom_preview(data: bytes, name: str) -> Preview:
    """The image of one DICOM instance (bytes)."""
    png, what = dicom_png(data)
    alt = f"DICOM image of {name}: {what}"
    return Preview("image", image_html(png, alt), alt, png)


def picture_preview(path, name: str) -> Preview:
    """A PNG, JPEG or GIF shrunk to at most 256 pixels, or an SVG as it is (an ``<img>`` runs no script)."""
    ext = suffix(name)
    if ext == ".svg":
        data = Path(path).read_bytes()
        alt = f"SVG image {name}"
        return Preview("image", image_html(data, alt, "image/svg+xml"), alt, data, "image/svg+xml")
    from PIL import Image

    with Image.open(path) as image:
        size = image.size
        image.thumbnail((IMAGE_PX, IMAGE_PX))
        png = png_bytes(image.convert("RGBA" if "A" in image.getbands() else "RGB"))
    alt = f"Image {name} ({size[0]} x {size[1]} pixels)"
    return Preview("image", image_html(png, alt), alt, png)


def table_preview(path, name: str, rows: int = TABLE_ROWS) -> Preview:
    """The first rows of a TSV or CSV file as an HTML table."""
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh, delimiter=TABLES[suffix(name)])
        lines = [row for _, row in zip(range(rows + 1), reader)]
    if not lines:
        return Preview("table", f"<p>{_escape(name)} is empty.</p>")
    head = "".join(f"<th>{_escape(c)}</th>" for c in lines[0])
    body = "".join("<tr>" + "".join(f"<td>{_escape(c)}</td>" for c in row) + "</tr>" for row in lines[1:])
    caption = f"First {len(lines) - 1} rows of {name}"
    return Preview("table", f'<table class="ndw-table ndw-preview-table"><caption>{_escape(caption)}</caption>'
                            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def text_preview(path, name: str, limit: int = TEXT_BYTES) -> Preview:
    """The start of a text or JSON file (JSON pretty-printed when the whole of it was read)."""
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    more = len(data) > limit
    text = data[:limit].decode("utf-8", errors="replace")
    if suffix(name) == ".json" and not more:
        try:
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    tail = "\n…" if more else ""
    return Preview("text", f'<pre class="ndw-preview-text">{_escape(text)}{_escape(tail)}</pre>')


def absent_preview(name: str, size: int | None = None, sources: list | None = None) -> Preview:
    """What getting an absent file would cost: its size and where it would come from."""
    from .ui.html import format_bytes

    cost = format_bytes(size) if size is not None else "an unknown amount"
    where = ", ".join(str(s) for s in sources or []) or "no known copy"
    return Preview("absent", f'<p class="ndw-preview-absent">{_escape(name)} is not on this disk. '
                             f"Getting it would transfer {_escape(cost)} from {_escape(where)}.</p>")


def preview_file(path, name: str | None = None) -> Preview:
    """The preview of a file on disk, by its type; ``absent`` when its content is not there."""
    path = Path(path)
    name = name or path.name
    if not path.exists():  # also an annexed file whose content is not here: a broken symlink
        return absent_preview(name)
    ext = suffix(name)
    if ext in NIFTI:
        return nifti_preview(path, name)
    if ext in DICOM:
        with open(path, "rb") as fh:
            return dicom_preview(fh.read(), name)
    if ext in IMAGES or ext == ".svg":
        return picture_preview(path, name)
    if ext in TABLES:
        return table_preview(path, name)
    if ext == ".json" or ext in TEXTS:
        return text_preview(path, name)
    return Preview("none", f"<p>No preview for {_escape(name)}.</p>")
