"""The Globus browser remembers, per user, each pane's collection and folder and the direction, and opens
that way on the next visit (a reload: a new client and browser), through globus-sdk over HTTP to the sandbox.
A remembered collection that is gone, or a folder that is gone, gives a calm sentence, never an error."""
from __future__ import annotations

import json
import stat

from neurodata_widgets.config import config_dir
from neurodata_widgets.globus.client import GlobusClient
from neurodata_widgets.globus.widgets import GlobusBrowser


def _reopen(consent, tmp_path, name):
    """A reload: a new kernel's client (logged in again) and browser."""
    fresh = GlobusClient(token_file=tmp_path / f"{name}.json")
    fresh.finish_login(consent(fresh.start_login("code")))
    browser = GlobusBrowser(fresh)
    browser.wait_background()
    return browser


def test_panes_and_direction_come_back_after_a_reload(client, globus, consent, tmp_path):
    info = globus.info()
    src, dst = info["source_collection"], info["destination_collection"]
    browser = GlobusBrowser(client)
    browser.wait_background()
    browser.left.picker.value = dst  # the user's own choice, not the first view's
    browser.right.picker.value = src
    browser.wait_background()
    browser.right.go("/ds001/sub-01/")
    browser.swap()
    saved = config_dir() / "globus-panes.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert "ds001/sub-01" in saved.read_text() and "token" not in saved.read_text()
    assert "ds001/sub-01" not in json.dumps(browser.get_state())  # never in widget state

    again = _reopen(consent, tmp_path, "reload")
    assert again.activity == "panes restored" or again.left.collection == dst
    assert again.direction == "←" and again.source is again.right
    assert again.left.collection == dst and again.right.collection == src
    assert again.right.path == "/ds001/sub-01/" and "anat" in [e["name"] for e in again.right.entries]
    assert again.status != "error" and again.right.status != "error"


def test_a_gone_collection_or_folder_is_said_calmly(client, globus, consent, tmp_path):
    info = globus.info()
    src = info["source_collection"]
    browser = GlobusBrowser(client)
    browser.wait_background()
    client.mkdir(src, "/soon-gone/")
    browser.left.picker.value = src
    browser.wait_background()
    browser.left.go("/soon-gone/")
    (globus.collection_dir(src) / "soon-gone").rmdir()  # the folder goes away between visits
    saved = config_dir() / "globus-panes.json"
    state = json.loads(saved.read_text())
    key = next(iter(state))
    state[key]["right"] = {"collection": "6f1e3f0c-0000-4000-8000-00000000dead", "name": "Retired lab share",
                           "path": "/~/"}  # a collection deleted since
    saved.write_text(json.dumps(state))

    again = _reopen(consent, tmp_path, "gone")
    right, left = again.right, again.left
    assert right.collection == "" and right.picker.value is None and right.status != "error"
    assert "Retired lab share" in right.banner.message and right.banner.kind == "info"
    assert left.collection == src and left.path in ("/~/", "/") and left.status != "error"
    assert "/soon-gone/" in left.banner.message and left.banner.kind != "error"
    assert "ds001" in [e["name"] for e in left.entries]
