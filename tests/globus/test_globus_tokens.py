"""Two notebooks (two clients) sharing one token file never destroy each other's newer tokens."""
from __future__ import annotations

import json
import stat
import threading

from neurodata_widgets.globus.client import TRANSFER_RS, GlobusClient


def _tab(path):
    """Another notebook tab of the same user: its own client object on the same token file."""
    return GlobusClient(token_file=path)


def _stored_refresh(path, rs=TRANSFER_RS):
    doc = json.loads(path.read_text())
    return [entries[rs]["refresh_token"] for entries in doc["data"].values() if rs in entries]


def test_stale_tab_adopts_the_new_login_instead_of_wiping_it(client, globus, consent, tmp_path):
    path = tmp_path / "globus-tokens.json"
    src = globus.info()["source_collection"]
    assert client.ls(src, "/").entries  # tab A has a live Transfer client
    tab_b = _tab(path)
    tab_b.logout()  # revokes A's tokens too: they were the same login
    tab_b.finish_login(consent(tab_b.start_login("code")))
    newer = _stored_refresh(path)
    assert client.ls(src, "/").entries  # A's token was refused; it renews with B's login, not a dead one
    assert _stored_refresh(path) == newer and client.logged_in and tab_b.logged_in
    assert tab_b.ls(src, "/").entries


def test_stale_logout_or_forget_keeps_another_tabs_newer_login(client, globus, consent, tmp_path):
    path = tmp_path / "globus-tokens.json"
    tab_b = _tab(path)
    tab_b.logout()
    tab_b.finish_login(consent(tab_b.start_login("code")))
    newer = _stored_refresh(path)
    client.forget()  # A only knows the old login, which is gone
    client.logout()
    assert _stored_refresh(path) == newer
    assert tab_b.logged_in and tab_b.user()["preferred_username"] == "demo@globusid.org"
    assert tab_b.ls(globus.info()["source_collection"], "/").entries


def test_a_refresh_in_one_tab_keeps_the_other_working(client, globus, tmp_path):
    path = tmp_path / "globus-tokens.json"
    src = globus.info()["source_collection"]
    tab_b = _tab(path)
    assert client.ls(src, "/").entries and tab_b.ls(src, "/").entries
    globus.expire()
    client.access_token(fresh=True)  # A renews; B finds A's new token in the file
    assert tab_b.ls(src, "/").entries
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_concurrent_writes_lose_nothing(tmp_path):
    from globus_sdk.token_storage import TokenStorageData

    from neurodata_widgets.globus.tokens import SharedTokenFile

    path = tmp_path / "shared.json"

    def write(i):
        store = SharedTokenFile(path, namespace="ns")
        store.store_token_data_by_resource_server({f"rs-{i}": TokenStorageData(
            resource_server=f"rs-{i}", identity_id=None, scope="s", access_token=f"a{i}", refresh_token=f"r{i}",
            expires_at_seconds=2_000_000_000, token_type="Bearer")})

    threads = [threading.Thread(target=write, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(SharedTokenFile(path, namespace="ns").get_token_data_by_resource_server()) == sorted(
        f"rs-{i}" for i in range(24))
