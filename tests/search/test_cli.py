"""``neurodata-widgets catalog build | import | search`` as a user runs them."""
import json
import subprocess
import sys

from .corpus import RECORDS


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "neurodata_widgets.cli", "catalog", *args],
                          capture_output=True, text=True, env=env, timeout=300)


def test_build_then_search(demo, tmp_path):
    catalog = str(tmp_path / "c.sqlite")
    out = run("build", demo["superdataset"], "--catalog", catalog)
    assert out.returncode == 0, out.stderr
    assert "3 datasets scanned, 3 extracted" in out.stdout
    assert "0 extracted, 3 unchanged" in run("build", demo["superdataset"], "--catalog", catalog).stdout
    found = run("search", "metadata[bids_dataset]:bold", "--json", "--catalog", catalog)
    assert found.returncode == 0, found.stderr
    records = [json.loads(line) for line in found.stdout.splitlines()]
    assert [r["url"] for r in records] == [demo["subdatasets"][0]]  # raw has the BOLD images
    assert records[0]["ds_id"]


def test_import_a_json_file_of_dataset_urls(tmp_path):
    source = tmp_path / "records.json"
    source.write_text(json.dumps({"dataset_urls": RECORDS}))
    catalog = str(tmp_path / "c.sqlite")
    out = run("import", str(source), "--catalog", catalog)
    assert out.returncode == 0, out.stderr
    assert "imported 5 records" in out.stdout
    found = run("search", "haxby AND NOT url:github", "--catalog", catalog)
    assert found.stdout.split() == ["https://example.org/ds005", "cccc-3", "https://gin.g-node.org/lab/haxby", "aaaa-1"]


def test_errors_exit_non_zero_with_the_message_on_stderr(tmp_path):
    source = tmp_path / "records.json"
    source.write_text(json.dumps(RECORDS))
    catalog = str(tmp_path / "c.sqlite")
    assert run("import", str(source), "--catalog", catalog).returncode == 0
    bad = run("search", "colour:red", "--catalog", catalog)
    assert bad.returncode != 0 and bad.stdout == ""
    assert "Unknown field: 'colour'" in bad.stderr
    syntax = run("search", "url:", "--catalog", catalog)
    assert syntax.returncode != 0 and "position 5" in syntax.stderr
    missing = run("build", str(tmp_path / "nowhere"), "--catalog", catalog)
    assert missing.returncode != 0 and "nowhere" in missing.stderr


def test_default_catalog_is_the_users(demo, tmp_path):
    import os

    env = dict(os.environ, NDW_CATALOG=str(tmp_path / "default.sqlite"))
    out = run("search", "ndw", "--json", env=env)
    assert out.returncode == 0 and out.stdout.strip() == "", out.stderr  # empty until the user fills it
    assert run("build", demo["superdataset"], env=env).returncode == 0
    out = run("search", "ndw", "--json", env=env)
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) == 3
    assert (tmp_path / "default.sqlite").exists()
