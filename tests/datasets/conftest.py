"""Datasets of the explorer's tests: clones and small datasets made per test (the shared demo stays untouched)."""
import os
import shutil
import subprocess

import pytest


@pytest.fixture
def bare_clone(demo, tmp_path):
    """A fresh clone of the demo superdataset with its subdatasets NOT installed."""
    from neurodata_widgets.datasets import ops

    return ops.clone(demo["superdataset"], tmp_path / "bare")


@pytest.fixture
def solo(tmp_path):
    """A dataset with one annexed file whose only copy is here, and one file in git."""
    import datalad.api as dl

    ds = dl.create(tmp_path / "solo", result_renderer="disabled")
    (ds.pathobj / "only-here.bin").write_bytes(os.urandom(4096))
    ds.save(message="a file with one copy", result_renderer="disabled")
    (ds.pathobj / "notes.txt").write_text("kept in git\n")
    ds.save(path="notes.txt", to_git=True, message="notes", result_renderer="disabled")
    return ds.path


@pytest.fixture
def orphan_clone(demo, tmp_path):
    """A clone (subdatasets installed, no content) whose origin and store have both disappeared."""
    from neurodata_widgets.datasets import ops

    copy = tmp_path / "gone"
    shutil.copytree(demo["root"], copy, symlinks=True)
    store_url = "ria+" + (copy / "store").as_uri()
    # the copied datasets still point at the shared store: repoint the clone's special remote afterwards
    clone = ops.clone(copy / "ndw-demo", tmp_path / "orphan", install_all=True)
    for sub in ("", "raw", "derivatives"):
        subprocess.run(["git", "annex", "enableremote", "store-storage", f"url={store_url}"],
                       cwd=os.path.join(clone, sub), capture_output=True)
    subprocess.run(["chmod", "-R", "u+w", str(copy)], check=True)
    shutil.rmtree(copy)
    return clone


@pytest.fixture
def big_source(tmp_path):
    """A clone of a dataset with 16 files of 8 MB (content absent), for cancel tests."""
    import datalad.api as dl

    from neurodata_widgets.datasets import ops

    src = dl.create(tmp_path / "src", result_renderer="disabled")
    for i in range(16):
        with open(src.pathobj / f"f{i:02d}.bin", "wb") as fh:
            fh.write(os.urandom(8 * 1000**2))
    src.save(message="big files", result_renderer="disabled")
    return ops.clone(src.path, tmp_path / "dst")
