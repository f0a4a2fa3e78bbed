"""A small head phantom (Shepp-Logan-like ellipsoids) for the sandbox's DICOM series and the demo's NIfTI.

Everything is computed from the geometry, one slice at a time when only a slice is asked
for, so a stand-in serving thousands of instances costs no disk and little CPU. The
contrast follows the scan type: in a T1w image the ventricles are dark, in a T2w bright.

Examples
--------
>>> from neurodata_widgets.sandbox.phantom import phantom_slice, phantom_volume
>>> phantom_slice(32, 12, 24, "T1w").shape
(32, 32)
>>> vol = phantom_volume((16, 16, 8), "T2w")
>>> vol.shape, int(vol.max()) <= 1000
((16, 16, 8), True)
"""
from __future__ import annotations

import math

# (half-axes a, b, c; centre x, y, z; rotation about z in degrees; tissue) in [-1, 1]^3, after Kak & Slaney's 3-D
# Shepp-Logan head; each tissue has an intensity per contrast below
ELLIPSOIDS = [
    (0.69, 0.92, 0.81, 0.0, 0.0, 0.0, 0, "skull"),
    (0.6624, 0.874, 0.78, 0.0, -0.0184, 0.0, 0, "brain"),
    (0.11, 0.31, 0.22, 0.22, 0.0, 0.0, -18, "csf"),
    (0.16, 0.41, 0.28, -0.22, 0.0, 0.0, 18, "csf"),
    (0.21, 0.25, 0.41, 0.0, 0.35, -0.15, 0, "grey"),
    (0.046, 0.046, 0.05, 0.0, 0.1, 0.25, 0, "lesion"),
    (0.046, 0.046, 0.05, 0.0, -0.1, 0.25, 0, "lesion"),
    (0.046, 0.023, 0.05, -0.08, -0.605, 0.0, 0, "lesion"),
    (0.023, 0.023, 0.02, 0.0, -0.606, 0.0, 0, "lesion"),
    (0.023, 0.046, 0.02, 0.06, -0.605, 0.0, 0, "lesion"),
]
# additive intensities (the ellipsoids nest): T1-like and T2-like contrasts
CONTRASTS = {
    "T1w": {"skull": 1.0, "brain": -0.6, "csf": -0.3, "grey": 0.15, "lesion": 0.2},
    "T2w": {"skull": 0.3, "brain": 0.2, "csf": 0.45, "grey": -0.1, "lesion": 0.3},
    "bold": {"skull": 0.5, "brain": 0.1, "csf": 0.2, "grey": 0.05, "lesion": 0.1},
    "dwi": {"skull": 0.2, "brain": 0.3, "csf": 0.4, "grey": 0.05, "lesion": -0.2},
}
SCALE = 1000  # the brightest tissue maps to this value


def contrast(scan_type: str) -> dict:
    """Tissue intensities for a scan type (unknown types look T1-weighted)."""
    return CONTRASTS.get(scan_type, CONTRASTS["T1w"])


def _evaluate(x, y, z, scan_type: str):
    import numpy as np

    weights = contrast(scan_type)
    out = np.zeros(np.broadcast(x, y, z).shape, dtype=float)
    for a, b, c, x0, y0, z0, phi, tissue in ELLIPSOIDS:
        cos, sin = math.cos(math.radians(phi)), math.sin(math.radians(phi))
        u, v = (x - x0) * cos + (y - y0) * sin, -(x - x0) * sin + (y - y0) * cos
        out += weights[tissue] * (((u / a) ** 2 + (v / b) ** 2 + ((z - z0) / c) ** 2) <= 1.0)
    top = max(1e-6, _peak(scan_type))
    return np.clip(out / top * SCALE, 0, SCALE)


def _peak(scan_type: str) -> float:
    w = contrast(scan_type)
    return max(w["skull"], w["skull"] + w["brain"] + max(w["csf"], w["grey"], w["lesion"], 0))


def _axis(n: int):
    import numpy as np

    return (np.arange(n) + 0.5) / n * 2 - 1  # voxel centres across [-1, 1]


def phantom_slice(side: int, index: int, slices: int, scan_type: str = "T1w"):
    """Axial slice ``index`` of ``slices`` as a ``side`` x ``side`` uint16 array (rows: anterior to posterior)."""
    import numpy as np

    z = _axis(slices)[index] * 0.8  # every slice cuts the head: its top and bottom stay inside the field of view
    x = _axis(side)[None, :]
    y = -_axis(side)[:, None]  # row 0 is the front of the head
    return _evaluate(x, y, z, scan_type).astype(np.uint16)


def phantom_volume(shape: tuple, scan_type: str = "T1w"):
    """The phantom as an ``(x, y, z)`` uint16 array in RAS voxel order (NIfTI's convention)."""
    import numpy as np

    nx, ny, nz = shape[:3]
    x = _axis(nx)[:, None, None]
    y = _axis(ny)[None, :, None]
    z = _axis(nz)[None, None, :] * 0.8
    return _evaluate(x, y, z, scan_type).astype(np.uint16)
