"""Registering collection files in a DataLad dataset, then `datalad get` through HTTPS + token."""
from __future__ import annotations

import subprocess

from neurodata_widgets.globus import annex


def test_register_then_datalad_get(client, globus, tmp_path):
    import datalad.api as dl

    ds = dl.create(str(tmp_path / "ds"), result_renderer="disabled")
    src = globus.info()["source_collection"]
    done = annex.register(ds.path, client, src, ["/ds001/README", "/ds001/sub-01/anat/sub-01_T1w.nii.gz"],
                          dest="inputs")
    assert [d["url"] for d in done] == [f"globus://{src}/ds001/README",
                                        f"globus://{src}/ds001/sub-01/anat/sub-01_T1w.nii.gz"]
    whereis = subprocess.run(["git", "-C", ds.path, "annex", "whereis", "inputs/README"],
                             capture_output=True, text=True).stdout
    assert f"globus://{src}/ds001/README" in whereis
    assert not (tmp_path / "ds/inputs/README").exists()  # location only, content comes with get
    results = ds.get("inputs", result_renderer="disabled")
    assert all(r["status"] in ("ok", "notneeded") for r in results)
    assert (tmp_path / "ds/inputs/README").read_text().startswith("Demo raw data")
    image = (tmp_path / "ds/inputs/sub-01_T1w.nii.gz").read_bytes()
    assert image == (globus.collection_dir(src) / "ds001/sub-01/anat/sub-01_T1w.nii.gz").read_bytes()
    assert ds.repo.is_under_annex(["inputs/README"])[0]
