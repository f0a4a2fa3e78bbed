"""Dataset state read with git and git-annex on real clones of the demo."""
from neurodata_widgets.datasets.state import DatasetState, dataset_summary, repositories, scan, whereis


def test_scan_reports_annexed_sizes_even_when_absent(demo_clone):
    frame = scan(demo_clone / "raw").set_index("path")
    t1w = frame.loc["sub-01/anat/sub-01_T1w.nii.gz"]
    assert t1w["kind"] == "annexed" and not t1w["present"]
    assert t1w["size"] == int(t1w["key"].split("-s")[1].split("--")[0]) > 0
    assert frame.loc["participants.tsv", "kind"] == "git" and frame.loc["participants.tsv", "present"]


def test_scan_agrees_with_git_annex(demo_clone):
    import subprocess

    from neurodata_widgets.datasets.state import hashdirmixed

    out = subprocess.run(["git", "annex", "find", "--include=*", "--format=${file} ${key} ${bytesize} ${hashdirmixed}\\n"],
                         cwd=demo_clone / "derivatives", capture_output=True, text=True, check=True).stdout
    expected = {line.split()[0]: line.split()[1:] for line in out.splitlines()}
    frame = scan(demo_clone / "derivatives")
    annexed = frame[frame["kind"] == "annexed"]
    assert len(annexed) == len(expected) > 0
    for rec in annexed.to_dict("records"):
        key, size, hashdir = expected[rec["path"]]
        assert (rec["key"], str(rec["size"]), hashdirmixed(rec["key"])) == (key, size, hashdir)


def test_listing_marks_subdatasets_and_totals(demo_clone):
    st = DatasetState(demo_clone)
    top = st.listing("").set_index("name")
    assert top.loc["raw", "kind"] == "subdataset" and top.loc["raw", "state"] == "absent"
    assert top.loc["figures", "state"] == "absent"
    raw = st.listing("raw")
    total = st.totals("raw")
    assert raw["size"].sum() == total["total_bytes"] == top.loc["raw", "size"]
    assert total["present_bytes"] == total["git_bytes"]  # only git files are on disk in a fresh clone


def test_not_installed_subdatasets_are_listed(bare_clone):
    st = DatasetState(bare_clone)
    top = st.listing("").set_index("name")
    assert top.loc["raw", "state"] == "not installed" and top.loc["derivatives", "state"] == "not installed"
    assert st.listing("raw").empty
    assert [d["path"] for d in st.datasets() if not d["installed"]] == ["derivatives", "raw"]


def test_whereis_and_repositories_name_the_store(demo_clone):
    where = whereis(demo_clone / "raw", ["sub-01/anat/sub-01_T1w.nii.gz", "participants.tsv"])
    assert list(where) == ["sub-01/anat/sub-01_T1w.nii.gz"]  # files in git have no annex locations
    descriptions = {w["description"] for w in where["sub-01/anat/sub-01_T1w.nii.gz"]}
    assert any("store" in d for d in descriptions)
    repos = repositories(demo_clone / "raw", "sub-01")
    assert any("store" in r["description"] and r["bytes"] > 0 for r in repos)


def test_selection_effect_counts_absent_and_present(demo_clone):
    st = DatasetState(demo_clone)
    effect = st.selection_effect(["raw/sub-01", "figures"])
    assert effect["get_files"] == 3 and effect["drop_files"] == 0 and effect["get_bytes"] > 0


def test_dataset_summary_keeps_its_keys(demo_clone):
    s = dataset_summary(demo_clone)
    assert set(s) == {"name", "path", "id", "description", "subdatasets", "run_records"}
    assert [d["path"] for d in s["subdatasets"]] == ["derivatives", "raw"]


def test_whereis_reports_web_urls(solo):
    import subprocess

    from neurodata_widgets.datasets import ops

    key = scan(solo).set_index("path").loc["only-here.bin", "key"]
    subprocess.run(["git", "annex", "registerurl", key, "https://data.example.invalid/only-here.bin"],
                   cwd=solo, check=True, capture_output=True)
    where = whereis(solo, ["only-here.bin"])["only-here.bin"]
    web = [w for w in where if w["description"] == "web"]
    assert web and web[0]["urls"] == ["https://data.example.invalid/only-here.bin"]
    assert ops.last_copies(solo, [""]) == []  # a URL is a known copy elsewhere


def test_unlocked_files_are_recognised(solo):
    import subprocess

    subprocess.run(["git", "annex", "unlock", "only-here.bin"], cwd=solo, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-q", "-m", "unlock", "only-here.bin"], cwd=solo, check=True, capture_output=True)
    row = scan(solo).set_index("path").loc["only-here.bin"]
    assert row["kind"] == "annexed" and row["present"] and row["size"] == 4096


def test_run_count_follows_datalad_rule(tmp_path):
    """A revert of a run quotes the run marker but is no run, as DataLad's rerun --report says."""
    import subprocess

    import datalad.api as dl

    ds = dl.create(str(tmp_path / "ds"), result_renderer="disabled")
    ds.run("echo hi > out.txt", message="make out", result_renderer="disabled")
    subprocess.run(["git", "-C", ds.path, "revert", "--no-edit", "HEAD"], check=True, capture_output=True)
    subprocess.run(["git", "-C", ds.path, "commit", "--allow-empty", "-qm", "notes on [DATALAD RUNCMD] records"],
                   check=True)
    assert dataset_summary(ds.path)["run_records"] == 1
