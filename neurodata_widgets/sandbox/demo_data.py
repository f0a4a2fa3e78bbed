"""Demo datasets built with real DataLad and git-annex: deterministic, idempotent, offline.

Layout under the demo directory (``$NDW_DEMO_DIR``, default ``~/.cache/neurodata-widgets/demo``)::

    ndw-demo/                 superdataset (code/, figures/, results/)
      raw/                    subdataset: a valid BIDS dataset, annexed NIfTI images of the sandbox's phantom
      derivatives/            subdataset: computed from raw (has a run record of its own)
    store/                    RIA store holding every annexed file (the offline ``store`` sibling)
    info.json                 written last: the build is complete

History: ``datalad run`` smooth (raw -> derivatives: nibabel reads the raw images), plot (derivatives -> figure),
summarize (derivatives -> table), a checksum run inside ``derivatives``, a change to
the summary code and a ``datalad rerun`` of the summary.

The build runs in a child process so its fixed identity, dates and ``DATALAD_SEED``
never leak into the caller, and so importing this module imports no DataLad.

Examples
--------
>>> from neurodata_widgets.sandbox.demo_data import build_demo_datasets
>>> info = build_demo_datasets()              # built once, then reused
>>> Path(info["superdataset"]).name, [Path(p).name for p in info["subdatasets"]]
('ndw-demo', ['raw', 'derivatives'])
"""
from __future__ import annotations

import fcntl
import gzip
import json
import os
import random
import struct
import subprocess
import sys
from pathlib import Path

FORMAT = 2  # bump when the layout changes: older caches are rebuilt
NAME = "ndw-demo"
SUBJECTS = ("01", "02", "03")
IDENTITY = {"name": "NDW Demo", "email": "demo@neurodata-widgets.invalid"}
START_EPOCH = 1704103200  # 2024-01-01T10:00:00Z; every step adds an hour


def build_demo_datasets(root=None, force: bool = False) -> dict:
    """Build the demo datasets once and return where they are.

    Parameters
    ----------
    root : path, optional
        Target directory (default :func:`neurodata_widgets.config.demo_dir`).
    force : bool
        Rebuild even when a complete build exists.

    Returns
    -------
    dict
        ``root``, ``superdataset``, ``subdatasets`` (paths), ``store``, ``name``.
    """
    from ..config import demo_dir

    root = demo_dir(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(str(root) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test workers and dashboards wait for one build
        info = _read_info(root)
        if info and not force:
            return info
        if root.exists():
            _rmtree(root)
        env = dict(os.environ)
        env.pop("NDW_DEMO_DIR", None)
        proc = subprocess.run([sys.executable, "-m", __name__, str(root)], env=env,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            _rmtree(root)
            raise RuntimeError(f"building the demo datasets failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        return _read_info(root)


def _read_info(root: Path) -> dict | None:
    try:
        info = json.loads((root / "info.json").read_text())
    except (OSError, ValueError):
        return None
    return info if info.get("format") == FORMAT and Path(info["superdataset"]).exists() else None


def _rmtree(path: Path) -> None:
    from ..repo import remove_tree  # annexed objects are read-only: the one remover knows

    remove_tree(path)


# ----------------------------------------------------------------------------------------
# content generators (deterministic)
# ----------------------------------------------------------------------------------------
ANAT_SHAPE = (40, 48, 40)  # voxels of 4 mm
BOLD_SHAPE = (20, 24, 20, 6)  # voxels of 8 mm, six volumes
TR = 2.0


def phantom_nifti(seed: int, shape: tuple, zoom: float, scan_type: str = "T1w", tr: float | None = None) -> bytes:
    """A gzipped NIfTI-1 image of the sandbox's phantom (RAS+, ``zoom`` mm voxels) with a little seeded noise.

    A 4-D ``shape`` repeats the volume (a BOLD run with ``tr`` seconds between volumes), each with its own noise.
    """
    import gzip as _gzip

    import nibabel as nib
    import numpy as np

    from .phantom import phantom_volume

    rng = np.random.default_rng(seed)
    volume = phantom_volume(shape[:3], scan_type).astype(np.float32)
    frames = shape[3] if len(shape) > 3 else 1
    data = np.stack([volume + rng.normal(0, 15, volume.shape) for _ in range(frames)], axis=-1)
    data = np.clip(data if len(shape) > 3 else data[..., 0], 0, None).astype(np.int16)
    affine = np.diag([zoom, zoom, zoom, 1.0])
    affine[:3, 3] = [-(n - 1) * zoom / 2 for n in shape[:3]]  # the volume's centre at the origin
    image = nib.Nifti1Image(data, affine)
    image.header.set_xyzt_units("mm", "sec")
    image.header.set_qform(affine, code=1)
    image.header.set_sform(affine, code=1)
    if tr is not None:
        image.header["pixdim"][4] = tr
    return _gzip.compress(image.to_bytes(), mtime=0)


SMOOTH_PY = '''\
"""Smooth every T1w image of a BIDS dataset (a 3 x 3 x 3 box mean) and write a brain mask of it."""
import glob, os, sys

import nibabel as nib
import numpy as np

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
for path in sorted(glob.glob(os.path.join(src, "sub-*", "anat", "*_T1w.nii.gz"))):
    image = nib.load(path)
    data = image.get_fdata()
    padded = np.pad(data, 1, mode="edge")
    smooth = sum(padded[i:i + data.shape[0], j:j + data.shape[1], k:k + data.shape[2]]
                 for i in range(3) for j in range(3) for k in range(3)) / 27
    name = os.path.basename(path).replace("_T1w", "_desc-smooth_T1w")
    nib.save(nib.Nifti1Image(smooth.astype(np.float32), image.affine, image.header), os.path.join(dst, name))
    print("smoothed", name)
'''

PLOT_PY = '''\
"""Bar chart (PNG written with the standard library) of the mean intensity per subject."""
import glob, os, struct, sys, zlib

import nibabel as nib

src, out = sys.argv[1], sys.argv[2]
means = [float(nib.load(p).get_fdata().mean()) for p in sorted(glob.glob(os.path.join(src, "*.nii.gz")))]
top = max(means + [1.0])
w, h, bar = 60 * max(1, len(means)), 120, 40
rows = []
for y in range(h):
    row = bytearray([0])
    for x in range(w):
        i, inside = x // 60, x % 60 < bar
        filled = inside and i < len(means) and (h - y) <= means[i] / top * h * 0.9
        row += bytes((31, 119, 180) if filled else (255, 255, 255))
    rows.append(bytes(row))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
os.makedirs(os.path.dirname(out), exist_ok=True)
open(out, "wb").write(png)
print("wrote", out)
'''

SUMMARIZE_PY = '''\
"""Summary table of the smoothed images: one row per subject."""
import glob, os, sys

import nibabel as nib

src, out = sys.argv[1], sys.argv[2]
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as fh:
    fh.write("\\t".join(COLUMNS) + "\\n")
    for path in sorted(glob.glob(os.path.join(src, "*.nii.gz"))):
        data = nib.load(path).get_fdata()
        row = {"subject": os.path.basename(path).split("_")[0], "mean": "%.2f" % data.mean(),
               "max": "%.2f" % data.max()}
        fh.write("\\t".join(row[c] for c in COLUMNS) + "\\n")
'''


def summarize_code(columns) -> str:
    """The summary script; the demo later adds a column and reruns it."""
    return f"COLUMNS = {tuple(columns)!r}\n" + SUMMARIZE_PY


CHECKSUMS_PY = '''\
"""MD5 of every smoothed image, for a quick integrity check."""
import glob, hashlib, sys

with open(sys.argv[2], "w") as fh:
    for path in sorted(glob.glob(sys.argv[1] + "/*.nii.gz")):
        fh.write("%s  %s\\n" % (hashlib.md5(open(path, "rb").read()).hexdigest(), path))
'''


# ----------------------------------------------------------------------------------------
# the build (runs in a child process)
# ----------------------------------------------------------------------------------------
class _Clock:
    def __init__(self):
        self.now = START_EPOCH

    def tick(self):
        self.now += 3600
        stamp = f"@{self.now} +0000"
        os.environ["GIT_AUTHOR_DATE"] = os.environ["GIT_COMMITTER_DATE"] = stamp


def _write(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data)


def _build(root: Path) -> dict:
    import datalad.api as dl

    clock = _Clock()
    clock.tick()
    root.mkdir(parents=True, exist_ok=True)
    super_path = root / NAME
    sup = dl.create(super_path, cfg_proc="text2git", description="neurodata-widgets demo superdataset",
                    result_renderer="disabled")
    clock.tick()
    _write(super_path / "README.md", "# ndw-demo\n\nA small BIDS-style study used by the neurodata-widgets demo: "
           "raw images, smoothed derivatives, a figure and a summary table, all computed with `datalad run`.\n")
    sup.save(message="Describe the demo study", result_renderer="disabled")

    clock.tick()
    raw = sup.create("raw", cfg_proc="text2git", description="raw BIDS data", result_renderer="disabled")
    _write(raw.pathobj / "dataset_description.json", json.dumps({
        "Name": "NDW visual demo", "BIDSVersion": "1.8.0", "License": "CC0",
        "Authors": ["Ada Lovelace", "Santiago Ramón y Cajal"], "DatasetType": "raw"}, indent=2) + "\n")
    _write(raw.pathobj / "participants.tsv",
           "participant_id\tage\tsex\n" + "".join(f"sub-{s}\t{20 + i * 7}\t{'FM'[i % 2]}\n" for i, s in enumerate(SUBJECTS)))
    _write(raw.pathobj / "README", "Raw T1w and BOLD images of three subjects: a synthetic head phantom "
           "(Shepp-Logan-like ellipsoids) with a little noise, the same phantom the sandbox XNAT serves as DICOM.\n")
    _write(raw.pathobj / "participants.json", json.dumps({
        "age": {"Description": "age at the scan", "Units": "year"},
        "sex": {"Description": "sex", "Levels": {"F": "female", "M": "male"}}}, indent=2) + "\n")
    _write(raw.pathobj / "task-rest_bold.json", json.dumps({"TaskName": "rest", "RepetitionTime": TR}, indent=2) + "\n")
    for i, sub in enumerate(SUBJECTS):
        _write(raw.pathobj / f"sub-{sub}/anat/sub-{sub}_T1w.nii.gz", phantom_nifti(100 + i, ANAT_SHAPE, 4.0))
        _write(raw.pathobj / f"sub-{sub}/anat/sub-{sub}_T1w.json", json.dumps({
            "Modality": "MR", "MagneticFieldStrength": 3, "Manufacturer": "NDW sandbox",
            "SeriesDescription": "MPRAGE sag 1mm", "RepetitionTime": 2.3, "EchoTime": 0.003}, indent=2) + "\n")
        _write(raw.pathobj / f"sub-{sub}/func/sub-{sub}_task-rest_bold.nii.gz",
               phantom_nifti(200 + i, BOLD_SHAPE, 8.0, "bold", tr=TR))
        _write(raw.pathobj / f"sub-{sub}/func/sub-{sub}_task-rest_bold.json",
               json.dumps({"RepetitionTime": TR, "TaskName": "rest"}, indent=2) + "\n")
    clock.tick()
    raw.save(message="Add raw data of three subjects", result_renderer="disabled")
    clock.tick()
    deriv = sup.create("derivatives", cfg_proc="text2git", description="derived data", result_renderer="disabled")
    _write(deriv.pathobj / "dataset_description.json", json.dumps({
        "Name": "NDW visual demo derivatives", "BIDSVersion": "1.8.0", "DatasetType": "derivative",
        "GeneratedBy": [{"Name": "code/smooth.py", "Description": "3 x 3 x 3 box mean of the raw T1w images"}]}, indent=2) + "\n")
    _write(deriv.pathobj / "code/checksums.py", CHECKSUMS_PY)
    deriv.save(message="Describe the derivatives", result_renderer="disabled")
    for name, text in (("smooth.py", SMOOTH_PY), ("plot.py", PLOT_PY), ("summarize.py", summarize_code(["subject", "mean"]))):
        _write(super_path / "code" / name, text)
    clock.tick()
    sup.save(message="Add analysis code", recursive=True, result_renderer="disabled")

    clock.tick()
    sup.run("python3 code/smooth.py raw derivatives/smoothed", message="Smooth the T1w images",
            inputs=["raw/sub-*/anat/*_T1w.nii.gz", "code/smooth.py"], outputs=["derivatives/smoothed"],
            result_renderer="disabled")
    clock.tick()
    sup.run("python3 code/plot.py derivatives/smoothed figures/mean_intensity.png",
            message="Plot mean intensity per subject",
            inputs=["derivatives/smoothed/*.nii.gz", "code/plot.py"], outputs=["figures/mean_intensity.png"],
            result_renderer="disabled")
    clock.tick()
    sup.run("python3 code/summarize.py derivatives/smoothed results/summary.tsv", message="Summarize the smoothed images",
            inputs=["derivatives/smoothed/*.nii.gz", "code/summarize.py"], outputs=["results/summary.tsv"],
            result_renderer="disabled")
    clock.tick()
    deriv.run("python3 code/checksums.py smoothed checksums.txt", message="Checksum the smoothed images",
              inputs=["smoothed/*.nii.gz"], outputs=["checksums.txt"], result_renderer="disabled")
    clock.tick()
    sup.save(path="derivatives", message="Record the checksums of the derivatives", result_renderer="disabled")
    clock.tick()
    _write(super_path / "code/summarize.py", summarize_code(["subject", "mean", "max"]))
    sup.save(message="Summary: add the maximum intensity", result_renderer="disabled")
    summary_run = _last_run_commit(super_path, "Summarize the smoothed images")
    clock.tick()
    sup.rerun(revision=summary_run, result_renderer="disabled")

    # the offline sibling that holds every annexed file
    clock.tick()
    store_url = f"ria+{(root / 'store').as_uri()}"
    sup.create_sibling_ria(store_url, name="store", recursive=True, new_store_ok=True, result_renderer="disabled")
    sup.push(to="store", recursive=True, data="anything", result_renderer="disabled")

    subdatasets = [str(super_path / "raw"), str(super_path / "derivatives")]
    info = {"format": FORMAT, "name": NAME, "root": str(root), "superdataset": str(super_path),
            "subdatasets": subdatasets, "store": str(root / "store"), "store_url": store_url}
    (root / "info.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def _last_run_commit(path: Path, message: str) -> str:
    out = subprocess.run(["git", "log", "--format=%H", "--fixed-strings", f"--grep={message}", "-n1"], cwd=path,
                         capture_output=True, text=True, check=True).stdout.strip()
    return out


def _child_environment() -> None:
    os.environ.update({
        "GIT_AUTHOR_NAME": IDENTITY["name"], "GIT_AUTHOR_EMAIL": IDENTITY["email"],
        "GIT_COMMITTER_NAME": IDENTITY["name"], "GIT_COMMITTER_EMAIL": IDENTITY["email"],
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "DATALAD_SEED": "42",
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    })


if __name__ == "__main__":
    _child_environment()
    print(json.dumps(_build(Path(sys.argv[1]))))
