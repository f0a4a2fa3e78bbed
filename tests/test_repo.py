"""The repository-access layer (neurodata_widgets.repo) on real git/git-annex/DataLad datasets.

Names with spaces, hostile characters and bytes that are not UTF-8 must reach every slice
unchanged; a subdataset whose name has a space must be seen by every slice; a failing git
command must give the one error type with a message a user can read.
"""
from __future__ import annotations

import os
import subprocess

import pytest

from neurodata_widgets import repo
from neurodata_widgets.errors import UserError, describe

HOSTILE = ["two words.txt", "tab\there.txt", "-leading-dash.txt", 'quote"and\'apostrophe.txt', "café ü.txt",
           "line\nbreak.txt", "back\\slash.txt", "star*and?.txt"]
NOT_UTF8 = os.fsdecode(b"latin1-caf\xe9.txt")  # surrogate-escaped, as git hands it to us


@pytest.fixture
def dataset(tmp_path):
    """A DataLad dataset with a subdataset whose name and path hold spaces, and annexed hostile names."""
    import datalad.api as dl

    top = dl.create(path=str(tmp_path / "top ds"), result_renderer="disabled")
    dl.create(dataset=top.path, path=os.path.join(top.path, "raw data v1.0"), result_renderer="disabled")
    for name in HOSTILE:
        (tmp_path / "top ds" / name).write_text(f"content of {name}\n")
    with open(os.path.join(os.fsencode(top.path), os.fsencode(NOT_UTF8)), "wb") as fh:
        fh.write(b"not utf-8 name\n")
    # DataLad's save cannot take every such name; git-annex itself can, and users have such repositories
    subprocess.run(["git", "annex", "add", "--quiet", "--force-large", "."], cwd=top.path, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "hostile names"], cwd=top.path, check=True)
    return tmp_path / "top ds"


def test_submodule_with_spaces_in_name_and_path_is_read_whole(dataset):
    subs = repo.submodules(dataset)
    assert [(s["name"], s["path"], s["installed"]) for s in subs] == [("raw data v1.0", "raw data v1.0", True)]
    assert len(subs[0]["id"]) == 36  # the datalad-id, read from the same section


def test_every_slice_sees_the_subdataset_with_a_space(dataset):
    from neurodata_widgets.datasets.state import DatasetState
    from neurodata_widgets.provenance.history import History
    from neurodata_widgets.search.extract import extract, walk

    assert "raw data v1.0" in [d["path"] for d in DatasetState(dataset).datasets() if d["installed"]]
    assert "raw data v1.0" in History(dataset).logs
    assert [p.name for p in walk([dataset])] == ["top ds", "raw data v1.0"]
    core = next(m for m in extract(dataset)["metadata"] if m["extractor_name"] == "metalad_core")
    assert [s["path"] for s in core["extracted_metadata"]["subdatasets"]] == ["raw data v1.0"]


def test_hostile_and_non_utf8_names_survive_listing_and_annex(dataset):
    from neurodata_widgets.datasets.state import scan, whereis
    from neurodata_widgets.search.extract import annex_stats

    frame = scan(dataset)
    annexed = set(frame.loc[frame["kind"] == "annexed", "path"])
    assert set(HOSTILE) | {NOT_UTF8} <= annexed
    assert frame.set_index("path").loc[NOT_UTF8, "present"]
    # the decoded name gives the file's bytes back
    assert os.path.exists(os.path.join(os.fsencode(dataset), os.fsencode(NOT_UTF8)))
    batchable = [n for n in HOSTILE if "\n" not in n] + [NOT_UTF8]  # batch input is line-based
    where = whereis(dataset, batchable)
    assert set(where) == set(batchable) and all(any(w["here"] for w in where[n]) for n in batchable)
    assert annex_stats(dataset)["annexed_files_in_wt_count"] == len(annexed)


def test_run_records_keep_hostile_output_names(dataset):
    import datalad.api as dl

    from neurodata_widgets.provenance.records import run_records

    dl.Dataset(str(dataset)).run(cmd="echo x > 'out put é.txt'", outputs=["out put é.txt"],
                                 message="hostile output", result_renderer="disabled")
    run = run_records(dataset)[0]
    assert run.message == "hostile output" and ("A", "out put é.txt") in run.files


def test_cat_objects_answers_in_order_with_none_for_missing(dataset):
    a, missing, b = repo.cat_objects(dataset, ["HEAD:two words.txt", "HEAD:no such file", "HEAD:.datalad/config"])
    assert missing is None
    assert b"annex/objects" in a and b'[datalad "dataset"]' in b


def test_a_failing_git_command_raises_the_one_error_type(tmp_path):
    with pytest.raises(repo.GitError) as caught:
        repo.run(tmp_path, "log", "-1")
    err = caught.value
    assert isinstance(err, RuntimeError) and isinstance(err, UserError)
    assert err.returncode != 0 and "not a git repository" in err.stderr
    message, hint = describe(err)
    assert message.startswith("git log -1 failed in ") and str(tmp_path) in message and "not a git repository" in message
    assert hint


def test_a_failing_stream_raises_after_reading_and_an_early_stop_does_not(dataset):
    with pytest.raises(repo.GitError, match="no-such-rev"):
        list(repo.stream(dataset, "log", "no-such-rev"))
    pieces = repo.stream(dataset, "log", "--format=%H", chunk_size=8)
    assert len(next(pieces)) > 0
    pieces.close()  # git is stopped on a closed pipe: no error


def test_check_false_and_succeeds_do_not_raise(tmp_path):
    assert repo.run(tmp_path, "status", check=False) == ""
    assert repo.succeeds(tmp_path, "status") is False
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert repo.succeeds(tmp_path, "status") is True


def test_annex_batch_error_names_the_command(dataset):
    with pytest.raises(repo.GitError, match="git annex addurl"):
        repo.annex_json(dataset, "addurl", "--with-files", "--no-such-option", items=["x y"], check=True)
