"""Demo datasets built with real DataLad and git-annex: deterministic, idempotent, offline.

Layout under the demo directory (``$NDW_DEMO_DIR``, default ``~/.cache/neurodata-widgets/demo``)::

    ndw-demo/                 superdataset (code/, figures/, results/)
      raw/                    subdataset: BIDS-style, annexed NIfTI-like images
      derivatives/            subdataset: computed from raw (has a run record of its own)
    store/                    RIA store holding every annexed file (the offline ``store`` sibling)
    info.json                 written last: the build is complete

History: ``datalad run`` smooth (raw -> derivatives), plot (derivatives -> figure),
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

FORMAT = 1  # bump when the layout changes: older caches are rebuilt
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
def fake_nifti(seed: int, voxels: int) -> bytes:
    """A gzipped NIfTI-1-like file: a 348-byte header with the right magic and random int16 data."""
    rng = random.Random(seed)
    header = bytearray(352)
    struct.pack_into("<i", header, 0, 348)
    struct.pack_into("<8h", header, 40, 3, 128, voxels // 128, 1, 1, 1, 1, 1)
    struct.pack_into("<h", header, 70, 4)  # datatype int16
    struct.pack_into("<f", header, 108, 352.0)  # vox_offset
    header[344:348] = b"n+1\0"
    data = struct.pack(f"<{voxels}h", *(rng.randint(0, 1000) for _ in range(voxels)))
    return gzip.compress(bytes(header) + data, mtime=0)


SMOOTH_PY = '''\
"""Smooth every T1w image of a BIDS dataset (a running mean over the voxels)."""
import glob, gzip, os, struct, sys

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
for path in sorted(glob.glob(os.path.join(src, "sub-*", "anat", "*_T1w.nii.gz"))):
    raw = gzip.decompress(open(path, "rb").read())
    header, data = raw[:352], raw[352:]
    vals = struct.unpack("<%dh" % (len(data) // 2), data)
    smooth = [sum(vals[max(0, i - 2):i + 3]) // len(vals[max(0, i - 2):i + 3]) for i in range(len(vals))]
    name = os.path.basename(path).replace("_T1w", "_desc-smooth_T1w")
    with open(os.path.join(dst, name), "wb") as out:
        out.write(gzip.compress(header + struct.pack("<%dh" % len(smooth), *smooth), mtime=0))
    print("smoothed", name)
'''

PLOT_PY = '''\
"""Bar chart (PNG, standard library only) of the mean intensity per subject."""
import glob, gzip, os, struct, sys, zlib

src, out = sys.argv[1], sys.argv[2]
means = []
for path in sorted(glob.glob(os.path.join(src, "*.nii.gz"))):
    data = gzip.decompress(open(path, "rb").read())[352:]
    vals = struct.unpack("<%dh" % (len(data) // 2), data)
    means.append(sum(vals) / len(vals))
w, h, bar = 60 * max(1, len(means)), 120, 40
rows = []
for y in range(h):
    row = bytearray([0])
    for x in range(w):
        i, inside = x // 60, x % 60 < bar
        filled = inside and i < len(means) and (h - y) <= means[i] / 1000 * h * 1.6
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
import glob, gzip, os, struct, sys

src, out = sys.argv[1], sys.argv[2]
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as fh:
    fh.write("\\t".join(COLUMNS) + "\\n")
    for path in sorted(glob.glob(os.path.join(src, "*.nii.gz"))):
        data = gzip.decompress(open(path, "rb").read())[352:]
        vals = struct.unpack("<%dh" % (len(data) // 2), data)
        row = {"subject": os.path.basename(path).split("_")[0], "mean": "%.2f" % (sum(vals) / len(vals)),
               "max": str(max(vals))}
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
    _write(raw.pathobj / "README", "Raw T1w and BOLD images of three subjects (synthetic).\n")
    for i, sub in enumerate(SUBJECTS):
        _write(raw.pathobj / f"sub-{sub}/anat/sub-{sub}_T1w.nii.gz", fake_nifti(100 + i, 16384))
        _write(raw.pathobj / f"sub-{sub}/func/sub-{sub}_task-rest_bold.nii.gz", fake_nifti(200 + i, 32768))
        _write(raw.pathobj / f"sub-{sub}/func/sub-{sub}_task-rest_bold.json",
               json.dumps({"RepetitionTime": 2.0, "TaskName": "rest"}, indent=2) + "\n")
    clock.tick()
    raw.save(message="Add raw data of three subjects", result_renderer="disabled")
    clock.tick()
    deriv = sup.create("derivatives", cfg_proc="text2git", description="derived data", result_renderer="disabled")
    _write(deriv.pathobj / "dataset_description.json", json.dumps({
        "Name": "NDW visual demo derivatives", "BIDSVersion": "1.8.0", "DatasetType": "derivative",
        "GeneratedBy": [{"Name": "code/smooth.py"}]}, indent=2) + "\n")
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
