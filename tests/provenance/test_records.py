"""Run records from real DataLad histories: demo datasets, sidecars, merges, malformed messages, refresh."""
from __future__ import annotations

import datetime as dt

from neurodata_widgets.provenance.gitlog import parse_log
from neurodata_widgets.provenance.history import History, filter_runs
from neurodata_widgets.provenance.records import parse_message, run_records

from .conftest import sh, write


def test_demo_runs_with_kinds_and_subdataset_links(demo):
    h = History(demo["superdataset"])
    messages = [r.message for r in h.runs]
    assert messages.count("Summarize the smoothed images") == 2
    assert {"Smooth the T1w images", "Plot mean intensity per subject", "Checksum the smoothed images"} <= set(messages)
    assert h.problems == []
    rerun = h.runs[0]
    assert rerun.kind == "rerun" and len(rerun.chain) == 1
    assert h.find(rerun.chain[0]).kind == "run"
    checksum = next(r for r in h.runs if r.message == "Checksum the smoothed images")
    assert checksum.dataset == "derivatives"
    assert checksum.input_paths == ["derivatives/smoothed/*.nii.gz"]
    recorded_by = sh(demo["superdataset"], "log", "-1", "--format=%s", checksum.super_commit).strip()
    assert recorded_by == "Record the checksums of the derivatives"
    smooth = next(r for r in h.runs if r.message == "Smooth the T1w images")
    # the derivatives half of the smooth run is folded into the superdataset's run
    assert smooth.dataset == "" and smooth.subcommits and smooth.subcommits[0][0] == "derivatives"
    assert sorted(p for s, p in smooth.files if s == "A") == [
        f"derivatives/smoothed/sub-{s}_desc-smooth_T1w.nii.gz" for s in ("01", "02", "03")]
    assert h.find(smooth.subcommits[0][1]) is smooth
    assert smooth.exit == 0 and smooth.pwd == "." and "code/smooth.py" in smooth.inputs
    assert smooth.author == "NDW Demo" and smooth.date.tzinfo is not None
    assert len(run_records(demo["superdataset"], recursive=False)) == 4


def test_dataframe_and_filters(demo):
    h = History(demo["superdataset"])
    frame = h.to_dataframe()
    assert len(frame) == len(h.runs) and {"cmd", "exit", "inputs", "outputs", "kind"} <= set(frame.columns)
    assert [r.message for r in filter_runs(h.runs, text="PLOT")] == ["Plot mean intensity per subject"]
    assert {r.message for r in filter_runs(h.runs, path="results/*.tsv")} == {"Summarize the smoothed images"}
    assert len(filter_runs(h.runs, path="smoothed")) == len(h.runs)
    day = h.runs[0].date.date()
    assert filter_runs(h.runs, since=day + dt.timedelta(days=1)) == []
    assert len(filter_runs(h.runs, until=day)) == len(h.runs)


def test_parse_log_root_merge_and_rename():
    text = ("\x01aaa\x00\x00Ann\x00a@x\x0010\x00[DATALAD RUNCMD] x\x00\x00\n"
            ":000000 100644 0000 1111 A\x00new file.txt\x00"
            "\x01bbb\x00p1 p2\x00Bob\x00b@x\x0020\x00Merge branch\n\x00\x00"
            "\x01ccc\x00aaa\x00Cy\x00c@x\x0030\x00msg\x00\x00\n:100644 100644 1111 1111 R100\x00old\x00new\x00")
    a, b, c = parse_log(text)
    assert a["parents"] == [] and a["changes"] == [("A", "new file.txt", "0000", "1111", "100644")]
    assert b["parents"] == ["p1", "p2"] and b["changes"] == []
    assert c["changes"][0][:2] == ("R", "new")


def test_parse_message_variants():
    good = ('[DATALAD RUNCMD] hello\n\n=== Do not change lines below ===\n{"cmd": "x", "note": 1}\n'
            '^^^ Do not change lines above ^^^\n')
    assert parse_message(good) == ("hello", {"cmd": "x", "note": 1})
    assert parse_message(good.replace('{"cmd": "x", "note": 1}', '"abc123"')) == ("hello", "abc123")
    # as DataLad's get_run_info: no run unless the message starts with the marker and has the block
    for not_a_run in ("[DATALAD RUNCMD] no block", "Revert \"" + good, "[DATALAD RUNCMD]" + good[16:].lstrip()):
        assert parse_message(not_a_run) is None
    for broken in (good.replace('"cmd"', '"cmd'), good.replace('"cmd"', '"command"')):
        try:
            parse_message(broken)
        except ValueError:
            continue
        raise AssertionError(f"accepted {broken!r}")


def test_malformed_and_hand_edited_records(chain_rw):
    ds = chain_rw
    write(ds / "d.txt", "x\n")
    sh(ds, "add", "d.txt")
    sh(ds, "commit", "-q", "-m", "[DATALAD RUNCMD] broken\n\n=== Do not change lines below ===\n{\"cmd\": \n"
                                 "^^^ Do not change lines above ^^^")
    write(ds / "e.txt", "y\n")
    sh(ds, "add", "e.txt")
    edited = ('[DATALAD RUNCMD] hand edited\n\nA note added by hand.\n\n=== Do not change lines below ===\n'
              '{\n "cmd": "echo y > e.txt",\n "exit": 0,\n "inputs": [],\n "outputs": ["e.txt"],\n "pwd": ".",\n'
              ' "reviewed_by": "Ada"\n}\n^^^ Do not change lines above ^^^\n')
    sh(ds, "commit", "-q", "-m", edited)
    write(ds / "f.txt", "z\n")
    sh(ds, "add", "f.txt")
    sh(ds, "commit", "-q", "-m", "Fix typo in the message\n\n" + edited)  # DataLad: not a run (marker not first)
    h = History(ds)
    assert len(h.problems) == 1 and h.problems[0]["problem"].startswith("run record is not valid JSON")
    newest = h.runs[0]
    assert newest.message == "hand edited\n\nA note added by hand." and newest.extra == {"reviewed_by": "Ada"}
    assert newest.files == [("A", "e.txt")]
    assert [r.message for r in h.runs[1:]] == ["make c", "make b"]


def test_sidecar_records(chain_rw):
    import datalad.api as dl

    ds = dl.Dataset(str(chain_rw))
    ds.run("echo side > s.txt", outputs=["s.txt"], message="with sidecar", sidecar=True, result_renderer="disabled")
    ds.run("echo boxed > box.txt", outputs=["box.txt"], message="inline", result_renderer="disabled")
    h = History(chain_rw)
    boxed, side = h.runs[0], h.runs[1]
    assert side.sidecar and side.cmd == "echo side > s.txt" and side.outputs == ["s.txt"]
    assert h.problems == []
    # the sidecar is annexed (binary, xz): a clone without its content reports it and skips the run
    sidecar = chain_rw / ".datalad" / "runinfo" / side.sidecar
    assert sidecar.is_symlink()
    clone = dl.clone(source=str(chain_rw), path=str(chain_rw.parent / "clone"), result_renderer="disabled")
    h2 = History(clone.path)
    assert [p["commit"] for p in h2.problems] == [side.commit]
    assert "datalad get" in h2.problems[0]["problem"]
    assert side.commit not in [r.commit for r in h2.runs] and boxed.commit in [r.commit for r in h2.runs]


def test_merge_commits(chain_rw):
    import datalad.api as dl

    ds = chain_rw
    base = sh(ds, "rev-parse", "--abbrev-ref", "HEAD").strip()
    sh(ds, "checkout", "-q", "-b", "side")
    dl.Dataset(str(ds)).run("echo side > side.txt", outputs=["side.txt"], message="on a branch",
                            result_renderer="disabled")
    sh(ds, "checkout", "-q", base)
    write(ds / "main.txt", "main\n")
    dl.Dataset(str(ds)).save(message="main work", result_renderer="disabled")
    sh(ds, "merge", "-q", "--no-ff", "-m", "Merge side", "side")
    from neurodata_widgets.provenance.lineage import Provenance

    p = Provenance(ds)
    assert "on a branch" in [r.message for r in p.history.runs]
    assert p.producer("side.txt").message == "on a branch"
    assert p.producer("main.txt") is None


def test_refresh_reads_only_new_commits(chain_rw):
    import datalad.api as dl

    h = History(chain_rw)
    parsed = list(h.logs[""].runs)
    assert h.refresh() == 0 and [r.commit for r in h.runs] == [r.commit for r in parsed]
    dl.Dataset(str(chain_rw)).run("echo new > n.txt", outputs=["n.txt"], message="new run", result_renderer="disabled")
    assert h.refresh() == 1
    assert h.runs[0].message == "new run"
    # the records read before are kept as they are: nothing was parsed twice
    assert len(h.logs[""].runs) == 3 and all(a is b for a, b in zip(h.logs[""].runs[1:], parsed))
    # history rewritten: the refresh starts over
    sh(chain_rw, "reset", "-q", "--hard", "HEAD~2")
    h.refresh()
    assert [r.message for r in h.runs] == ["make b"]


def test_not_a_dataset(tmp_path):
    from neurodata_widgets.errors import UserError, describe

    try:
        History(tmp_path)
    except UserError as exc:
        assert "not a DataLad dataset" in describe(exc)[0]
    else:
        raise AssertionError("no error")


def test_diff_stats_tell_git_lines_from_annexed_files(demo):
    from neurodata_widgets.provenance.history import diff_stats

    h = History(demo["superdataset"])
    smooth = next(r for r in h.runs if r.message == "Smooth the T1w images")
    assert diff_stats(h, smooth) == {"insertions": 0, "deletions": 0, "annexed": 3, "binary": 0}
    rerun = h.runs[0]
    stats = diff_stats(h, rerun)
    assert stats["annexed"] == 0 and stats["insertions"] == stats["deletions"] == 4  # the table's rows, rewritten


def test_streamed_parse_equals_whole_parse_at_any_chunk_size(demo):
    from neurodata_widgets.provenance.gitlog import LOG_FORMAT, git, stream_log

    args = ["--raw", "--no-abbrev", "--no-renames"]
    whole = parse_log(git(demo["superdataset"], "log", "-z", f"--format={LOG_FORMAT}", *args))
    assert len(whole) > 10
    for size in (7, 64, 1 << 20):
        assert list(stream_log(demo["superdataset"], *args, chunk_size=size)) == whole
