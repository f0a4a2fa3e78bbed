"""The DatasetExplorer driven from Python, on real clones."""
import threading

from neurodata_widgets.datasets.state import DatasetState
from neurodata_widgets.datasets.widgets import DatasetExplorer

FIGURE = "figures/mean_intensity.png"


def _wait(explorer, job):
    assert explorer.wait(120), "the action did not finish"
    return job


def test_listing_badges_and_storage_bar(demo_clone):
    ex = DatasetExplorer(str(demo_clone))
    assert list(ex.table.data.index[:2]) == ["derivatives", "raw"]
    assert "ndw-badge-warn" in ex.table.html.value and "absent" in ex.table.html.value
    assert 'data-present="' in ex.storage.value
    ex.selected = ["figures"]
    assert "get selection adds" in ex.storage.value and "398 B" in ex.storage.value
    ex.open_folder("figures")
    assert "<td>398 B</td><td>0 B</td>" in ex.table.html.value  # size of absent content, nothing on disk


def test_get_then_drop_changes_the_storage_bar(demo_clone):
    ex = DatasetExplorer(str(demo_clone))
    ex.open_folder("figures")
    before = ex.totals["present_bytes"]
    ex.selected = [FIGURE]
    _wait(ex, ex.get())
    assert ex.status == "done"
    assert ex.totals["present_bytes"] == before + 398
    assert f'data-present="{before + 398}"' in ex.storage.value
    assert ex.listing.set_index("path").loc[FIGURE, "state"] == "present"
    ex.selected = [FIGURE]
    ex.drop_button.click()
    _wait(ex, ex.progress.job)
    assert ex.totals["present_bytes"] == before
    assert "Drop: done" in ex.banner.message


def test_whereis_detail_and_provenance_link(demo_clone):
    ex = DatasetExplorer(str(demo_clone))
    ex.open_folder("raw/sub-01/anat")
    ex.selected = ["raw/sub-01/anat/sub-01_T1w.nii.gz"]
    ex.whereis_button.click()  # git-annex is asked off the main thread
    ex.wait_background()
    assert "store-storage" in ex.detail.value
    seen = []
    ex.on_open_provenance(lambda dataset, path: seen.append((dataset, path)))
    ex.provenance_button.click()
    assert seen == [(str(demo_clone), "raw/sub-01/anat/sub-01_T1w.nii.gz")]


def test_install_from_the_widget(bare_clone):
    ex = DatasetExplorer(bare_clone)
    ex.open_folder("raw")
    assert ex.banner.kind == "warn" and "not installed" in ex.banner.message
    ex.install_button.click()
    _wait(ex, ex.progress.job)
    assert len(ex.listing) > 0 and "sub-01" in set(ex.listing["name"])


def test_unsafe_drop_asks_and_names_the_files(solo):
    ex = DatasetExplorer(solo)
    ex.selected = ["only-here.bin"]
    ex.drop_button.click()
    _wait(ex, ex.progress.job)
    assert ex.listing.set_index("name").loc["only-here.bin", "state"] == "present"
    assert "last available copy" in ex.report.value
    ex.unsafe.value = True
    ex.selected = ["only-here.bin"]
    ex.drop_button.click()  # returns while git-annex is asked where the other copies are
    ex.wait_background(120)
    assert ex.status == "waiting"
    assert ex.confirm_box.layout.display is None and "only-here.bin" in ex.confirm_text.value
    ex.confirm_button.click()
    _wait(ex, ex.progress.job)
    assert ex.listing.set_index("name").loc["only-here.bin", "state"] == "absent"


def test_dataset_change_and_errors(demo_clone, tmp_path):
    ex = DatasetExplorer(str(demo_clone))
    changed = []
    ex.on_dataset_change(changed.append)
    ex.value = str(tmp_path)
    assert ex.status == "failed" and "not a DataLad dataset" in ex.error
    ex.value = str(demo_clone / "raw")
    assert changed == [str(demo_clone / "raw")]
    assert "sub-01" in set(ex.listing["name"])


def test_clone_and_jump_between_datasets(demo, tmp_path):
    ex = DatasetExplorer(demo["superdataset"])
    ex.clone_source.value = demo["superdataset"]
    ex.clone_target.value = str(tmp_path / "mine")
    ex.clone_button.click()
    _wait(ex, ex.progress.job)
    assert ex.value == str(tmp_path / "mine") and ex.status == "done"
    labels = dict((v, k) for k, v in ex.datasets_dropdown.options)
    assert "not installed" in labels["raw"]
    ex.datasets_dropdown.value = "raw"
    ex.wait_background(120)
    assert ex.path == "raw" and "not installed" in ex.banner.message


def test_cancel_from_the_widget(big_source):
    import subprocess

    ex = DatasetExplorer(big_source)
    ex.get()
    ex.progress.cancel_button.click()
    _wait(ex, ex.progress.job)
    assert ex.status == "cancelled" and ex.banner.kind == "warn"
    assert subprocess.run(["git", "annex", "fsck", "--quiet"], cwd=big_source).returncode == 0
    assert ex.totals["present_annexed_files"] < 16


def test_names_from_the_dataset_are_escaped(tmp_path):
    import datalad.api as dl

    ds = dl.create(tmp_path / "evil", result_renderer="disabled")
    name = '<img src=x onerror="alert(1)">.bin'
    (ds.pathobj / name).write_bytes(b"\0" * 64)
    ds.save(result_renderer="disabled")
    ex = DatasetExplorer(ds.path)
    assert "<img" not in ex.table.html.value and "&lt;img src=x" in ex.table.html.value
    ex.selected = [name]
    ex.whereis_button.click()  # git-annex is asked off the main thread
    ex.wait_background()
    assert "<img" not in ex.detail.value


class GatedState(DatasetState):
    """A dataset whose listing of some folders waits until the test opens their gate (a slow git)."""

    def __init__(self, root):
        super().__init__(root)
        self.gates: dict[str, threading.Event] = {}

    def listing(self, path: str = ""):
        gate = self.gates.get(path)
        if gate is not None:
            assert gate.wait(120), "the test never opened the gate"
        return super().listing(path)


def test_opening_a_folder_returns_before_git_answers_and_shows_it_is_busy(demo_clone):
    state = GatedState(demo_clone)
    ex = DatasetExplorer(state)
    top = list(ex.listing["name"])
    gate = state.gates["figures"] = threading.Event()
    ex.selected = ["figures"]
    ex.open_button.click()  # returns although git has not answered yet
    assert ex.path == "figures" and ex.status == "loading" and ex.activity == "listing figures"
    assert list(ex.listing["name"]) == top  # the old listing stays until the new one is there
    gate.set()
    ex.wait_background(120)
    assert ex.status == "ready" and "mean_intensity.png" in set(ex.listing["name"])


def test_a_late_listing_does_not_overwrite_a_newer_one(demo_clone):
    state = GatedState(demo_clone)
    ex = DatasetExplorer(state)
    gate = state.gates["figures"] = threading.Event()
    ex.open_folder("figures", wait=False)
    slow = ex.__dict__["_background"]
    ex.up(wait=False)  # the user moved on before figures/ was listed
    ex.wait_background(120)
    top = list(ex.listing["name"])
    assert ex.path == "" and ex.status == "ready" and "figures" in top
    gate.set()
    slow.join(120)
    assert not slow.is_alive() and ex.path == "" and list(ex.listing["name"]) == top


def test_checking_last_copies_happens_off_the_main_thread(solo, monkeypatch):
    from neurodata_widgets.datasets import ops

    gate, real = threading.Event(), ops.last_copies

    def slow_last_copies(*args, **kwargs):
        assert gate.wait(120)
        return real(*args, **kwargs)

    monkeypatch.setattr(ops, "last_copies", slow_last_copies)  # our own code slowed, not the user's environment
    ex = DatasetExplorer(solo)
    ex.unsafe.value = True
    ex.selected = ["only-here.bin"]
    ex.drop_button.click()
    assert ex.status == "loading" and ex.activity == "checking for last copies"
    assert ex.confirm_box.layout.display == "none"
    gate.set()
    ex.wait_background(120)
    assert ex.status == "waiting" and "only-here.bin" in ex.confirm_text.value


def test_first_listing_waits_off_the_main_thread_then_shows(demo_clone, monkeypatch):
    """A slow git (a huge dataset, a network file system): the constructor returns at once, the table says
    what it waits for, then the listing shows."""
    release, listing = threading.Event(), threading.Event()
    real = DatasetState.listing

    def slow_listing(state, path=""):
        listing.set()
        assert release.wait(60)
        return real(state, path)

    monkeypatch.setattr(DatasetState, "listing", slow_listing)
    ex = DatasetExplorer(str(demo_clone), wait=False)
    assert listing.wait(30)
    assert ex.status == "loading" and ex.table.busy and ex.table.cancellable
    assert ex.table.busy_text.startswith("Listing ") and ex.listing is None
    release.set()
    ex.wait_background()
    assert ex.status == "ready" and not ex.table.busy
    assert list(ex.table.data.index[:2]) == ["derivatives", "raw"]


def test_cancel_stops_a_listing_and_refresh_lists_again(demo_clone, monkeypatch):
    release, listing, totals = threading.Event(), threading.Event(), []
    real_listing, real_totals = DatasetState.listing, DatasetState.totals

    def hanging_listing(state, path=""):
        listing.set()
        release.wait(60)
        return real_listing(state, path)

    def counted_totals(state, path=""):
        totals.append(path)
        return real_totals(state, path)

    monkeypatch.setattr(DatasetState, "listing", hanging_listing)
    monkeypatch.setattr(DatasetState, "totals", counted_totals)
    changes = []
    ex = DatasetExplorer(str(demo_clone), wait=False)
    ex.on_dataset_change(changes.append)
    assert listing.wait(30)
    worker = ex.__dict__["_background"]
    ex.table.cancel()  # the Cancel of the loading bar
    assert ex.status == "ready" and not ex.table.busy
    assert ex.banner.kind == "info" and "Refresh" in ex.banner.hint
    release.set()
    worker.join(60)
    # the work stopped at its next step: no totals asked, nothing shown, no dataset announced
    assert totals == [] and ex.listing is None and changes == []
    monkeypatch.setattr(DatasetState, "listing", real_listing)
    ex.refresh_button.click()
    ex.wait_background()
    assert ex.status == "ready" and ex.banner.kind == "" and len(ex.listing) > 0
    assert changes == [str(demo_clone)]


def test_a_dataset_that_is_not_one_says_so_without_freezing(tmp_path):
    ex = DatasetExplorer(str(tmp_path), wait=False)
    ex.wait_background()
    assert ex.status == "failed" and "not a DataLad dataset" in ex.error
    assert not ex.table.busy and ex.banner.kind == "error"


def test_save_and_push_from_the_explorer_show_the_datalad_commands(demo_clone, tmp_path):
    """Every action that changes a dataset says the datalad command that does the same; Save and Push work."""
    import subprocess

    ex = DatasetExplorer(str(demo_clone))
    ex.selected = ["figures/mean_intensity.png"]
    ex.get()
    assert ex.wait(120) and ex.status == "done"
    assert ex.last_command.startswith("datalad get -d") and "figures/mean_intensity.png" in ex.last_command
    assert "The same in a terminal" in ex.command.value
    assert "nothing to save" in ex.changes.value
    (demo_clone / "notes on it.txt").write_text("what I saw\n")
    ex.refresh()
    assert "1 unsaved change" in ex.changes.value
    ex.save_message.value = "Add my notes"
    ex.save()
    assert ex.wait(120) and ex.status == "done", ex.banner.message
    log = subprocess.run(["git", "-C", str(demo_clone), "log", "-1", "--format=%s"], capture_output=True, text=True)
    assert log.stdout.strip() == "Add my notes" and "nothing to save" in ex.changes.value
    assert ex.last_command == f"datalad save -d {demo_clone} -m 'Add my notes'"
    # a sibling to push to: a bare repository
    bare = tmp_path / "shared.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    subprocess.run(["git", "-C", str(demo_clone), "remote", "add", "lab", str(bare)], check=True)
    ex.refresh()
    assert "lab" in ex.push_to.options and not ex.push_button.disabled
    ex.push("lab")
    assert ex.wait(120) and ex.status == "failed"  # git-annex guards a dataset's special remotes
    assert "special remote 'store-storage' is unverified" in ex.banner.message
    assert "git annex verifyremote store-storage" in ex.banner.hint
    # the explorer shows what git-annex asks, and trusts the remote only when the user says so
    assert ex.verify_box.layout.display is None and "ria+file://" in ex.verify_text.value
    ex.trust_button.click()
    assert ex.wait(120) and ex.status == "done", ex.banner.message
    assert ex.verify_box.layout.display == "none"
    pushed = subprocess.run(["git", "-C", str(bare), "log", "-1", "--format=%s"], capture_output=True, text=True)
    assert pushed.stdout.strip() == "Add my notes"
    assert ex.last_command == f"datalad push -d {demo_clone} --to lab"
