"""The demo's raw dataset is valid BIDS (checked by the BIDS validator) and its derivatives derive from it."""
import json
import subprocess
from pathlib import Path

import nibabel as nib
import numpy as np

VALIDATOR = Path(__file__).resolve().parents[2] / ".venv/node/node_modules/.bin/bids-validator"


def test_bids_validator_passes_the_raw_dataset(demo):
    assert VALIDATOR.exists(), "the BIDS validator is missing: run `make node-tools`"
    proc = subprocess.run([str(VALIDATOR), "--json", demo["subdatasets"][0]], capture_output=True, text=True,
                          timeout=300)
    report = json.loads(proc.stdout)
    assert report["issues"]["errors"] == [], report["issues"]["errors"]
    assert report["summary"]["subjects"] == ["01", "02", "03"] and report["summary"]["tasks"] == ["rest"]


def test_raw_images_are_the_phantom_and_smoothing_really_derives_from_them(demo):
    root = Path(demo["superdataset"])
    raw = nib.load(root / "raw/sub-02/anat/sub-02_T1w.nii.gz")
    assert raw.shape == (40, 48, 40) and raw.header.get_zooms() == (4.0, 4.0, 4.0)
    data = raw.get_fdata()
    assert data[20, 24, 20] > 50 and data[0, 0, 0] < 60  # a head in the middle, (noisy) air in the corner
    bold = nib.load(root / "raw/sub-02/func/sub-02_task-rest_bold.nii.gz")
    assert bold.ndim == 4 and bold.header.get_zooms()[3] == 2.0
    smooth = nib.load(root / "derivatives/smoothed/sub-02_desc-smooth_T1w.nii.gz").get_fdata()
    padded = np.pad(data, 1, mode="edge")
    expected = sum(padded[i:i + 40, j:j + 48, k:k + 40] for i in range(3) for j in range(3) for k in range(3)) / 27
    assert np.abs(smooth - expected).max() < 0.05  # stored as scaled int16 (the raw header): within a step
