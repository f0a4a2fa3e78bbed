"""The catalog built from the real demo datasets, and rebuilt incrementally."""
import json
import subprocess
from pathlib import Path

from neurodata_widgets.search.catalog import Catalog
from neurodata_widgets.search.ingest import build, default_catalog
from neurodata_widgets.search.registry import match_count


def test_catalog_from_the_demo_datasets(demo, tmp_path):
    cat = Catalog(tmp_path / "demo.sqlite")
    result = build(cat, [demo["superdataset"]])
    assert result == {"scanned": 3, "extracted": 3, "unchanged": 0}
    page = cat.search("ndw", per_page=100, return_metadata="content")
    assert {r["url"] for r in page["dataset_urls"]} == {demo["superdataset"], *demo["subdatasets"]}
    raw = next(r for r in page["dataset_urls"] if r["url"].endswith("/raw"))
    by_name = {m["extractor_name"]: m["extracted_metadata"] for m in raw["metadata"]}
    assert set(by_name) == {"metalad_core", "bids_dataset", "annex_stats"}
    assert by_name["bids_dataset"]["datatypes"] == ["anat", "func"]
    assert by_name["bids_dataset"]["participants"]["count"] == 3
    assert {"T1w", "bold"} <= set(by_name["bids_dataset"]["modalities"])
    assert by_name["annex_stats"]["annexed_files_in_wt_count"] == raw["annexed_files_in_wt_count"] == 6
    assert raw["annexed_files_in_wt_size"] > 0 and raw["head"] and "git-annex" in raw["branches"]
    # the superdataset's core record names its subdatasets with their ids
    sup = next(r for r in page["dataset_urls"] if r["url"] == demo["superdataset"])
    core = next(m["extracted_metadata"] for m in sup["metadata"] if m["extractor_name"] == "metalad_core")
    assert {s["path"] for s in core["subdatasets"]} == {"raw", "derivatives"}
    assert core["has_run_records"] is True
    # queries over the real records
    assert {r["url"] for r in cat.search('metadata[bids_dataset]:"\\"License\\": \\"CC0\\""')["dataset_urls"]} \
        == {raw["url"]}
    reused_by = cat.search(f'metadata[metalad_core]:"{raw["ds_id"]}" AND NOT ds_id:{raw["ds_id"]}')
    assert [r["url"] for r in reused_by["dataset_urls"]] == [demo["superdataset"]]
    assert match_count(cat.search("metadata[metalad_core]:\"\\\"has_run_records\\\": true\"")) == 2


def test_rebuild_reads_only_datasets_whose_head_changed(demo_clone, tmp_path):
    cat = Catalog(tmp_path / "clone.sqlite")
    assert build(cat, [demo_clone])["extracted"] == 3
    assert build(cat, [demo_clone]) == {"scanned": 3, "extracted": 0, "unchanged": 3}
    raw = Path(demo_clone) / "raw"
    (raw / "CHANGES").write_text("1.0.1 added a note about quokkas\n")
    subprocess.run(["git", "-C", str(raw), "add", "CHANGES"], check=True)
    subprocess.run(["git", "-C", str(raw), "commit", "-qm", "note"], check=True)
    assert match_count(cat.search("quokkas")) == 0
    before = {r["url"]: r["head"] for r in cat.search(None)["dataset_urls"]}
    assert build(cat, [demo_clone]) == {"scanned": 3, "extracted": 1, "unchanged": 2}
    after = {r["url"]: r["head"] for r in cat.search(None)["dataset_urls"]}
    assert after[str(raw)] != before[str(raw)]
    assert after[str(demo_clone)] == before[str(demo_clone)]
    assert len(cat) == 3


def test_default_catalog_is_the_users_and_empty_until_they_fill_it(demo, tmp_path, monkeypatch):
    """With nothing catalogued the default catalog is empty (never quietly filled from the sandbox's demo)."""
    monkeypatch.setenv("NDW_CATALOG", str(tmp_path / "mine.sqlite"))
    cat = default_catalog()
    assert len(cat) == 0 and Path(cat.path) == tmp_path / "mine.sqlite"
    build(cat, [demo["superdataset"]])
    cat = default_catalog()
    assert len(cat) == 3
    assert json.loads(json.dumps(cat.search("raw")["dataset_urls"]))  # plain JSON all the way
