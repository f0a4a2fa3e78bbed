"""globus-sdk against the Globus sandbox over HTTP: login, tokens, listings, errors."""
from __future__ import annotations

import json
import os
import stat

import globus_sdk
import pytest
import requests

from neurodata_widgets.errors import describe
from neurodata_widgets.globus.client import ConsentRequired, GlobusClient, LoginRequired


def test_code_login_stores_tokens_0600_and_knows_the_user(client, globus):
    assert client.logged_in
    assert client.user()["preferred_username"] == "demo@globusid.org"
    mode = stat.S_IMODE(os.stat(client.storage.filepath).st_mode)
    assert mode == 0o600
    stored = json.load(open(client.storage.filepath))["data"]
    (tokens,) = stored.values()
    assert set(tokens) == {"auth.globus.org", "transfer.api.globus.org"}
    assert tokens["transfer.api.globus.org"]["refresh_token"]


def test_callback_login_finishes_by_itself(globus, tmp_path, press_allow):
    c = GlobusClient(token_file=tmp_path / "t.json")
    seen = []
    c.on_login(seen.append)
    url = c.start_login("callback")
    assert "redirect_uri=http%3A%2F%2F127.0.0.1" in url
    answer = press_allow(url)  # follows the redirect to the loopback receiver
    assert answer.status_code == 200 and "Logged in" in answer.text
    assert seen and seen[0]["preferred_username"] == "demo@globusid.org"
    assert c.logged_in


def test_wrong_code_is_a_readable_error(globus, tmp_path):
    c = GlobusClient(token_file=tmp_path / "t.json")
    c.start_login("code")
    with pytest.raises(Exception) as info:
        c.finish_login("not-a-code")
    message, hint = describe(info.value)
    assert "did not accept" in message and "Login again" in hint


def test_search_collection_and_https_server(client, globus):
    found = client.search("NDW demo")
    assert {c["display_name"] for c in found} >= {"NDW Demo Institutional Storage", "NDW Demo Compute Scratch"}
    doc = client.collection(globus.info()["source_collection"])
    assert doc["https_server"].startswith("http://127.0.0.1:")


def test_ls_hidden_filter_and_mkdir(client, globus):
    src = globus.info()["source_collection"]
    names = [e["name"] for e in client.ls(src, "/ds001/").entries]
    assert names[:4] == ["code", "sub-01", "sub-02", "sub-03"] and ".bidsignore" not in names
    assert ".bidsignore" in [e["name"] for e in client.ls(src, "/ds001/", show_hidden=True).entries]
    only = client.ls(src, "/ds001/", filter="name:~*.tsv")
    assert [e["name"] for e in only.entries] == ["participants.tsv"]
    dst = globus.info()["destination_collection"]
    client.mkdir(dst, "/made-by-test")
    assert "made-by-test" in [e["name"] for e in client.ls(dst, "/").entries]


def test_ten_thousand_entries_are_paged_one_request_per_page(client, globus):
    src = globus.info()["source_collection"]
    globus.make_many(src, "/many", 10_000)
    globus.reset_stats()
    first = client.ls(src, "/many/", limit=100)
    ls_requests = [r for r in globus.requests if r[1].endswith("/ls")]
    assert len(ls_requests) == 1
    assert len(first.entries) == 100 and first.total == 10_000 and first.has_next
    last = client.ls(src, "/many/", limit=100, offset=9_900)
    assert last.entries[-1]["name"] == "file-09999.dat" and not last.has_next


def test_expired_access_token_is_refreshed_silently(client, globus):
    src = globus.info()["source_collection"]
    before = client.storage.get_token_data("transfer.api.globus.org")
    client.ls(src, "/")
    globus.expire()  # the server ends every access token; the stored expiry still looks fine
    globus.reset_stats()
    assert client.ls(src, "/").total >= 1
    after = client.storage.get_token_data("transfer.api.globus.org")
    assert after.access_token != before.access_token and after.refresh_token == before.refresh_token
    assert globus.stats["POST /v2/oauth2/token"] == 1  # one 401, one refresh, one retry


def test_revoked_refresh_token_asks_to_log_in_again(client, globus):
    data = client.storage.get_token_data("transfer.api.globus.org")
    client.auth.oauth2_revoke_token(data.refresh_token)
    globus.expire()
    with pytest.raises(LoginRequired) as info:
        client.ls(globus.info()["source_collection"], "/")
    message, hint = describe(info.value)
    assert "expired or was revoked" in message and "Log in again" in hint
    assert not client.logged_in


def test_logout_revokes_tokens(client, globus):
    token = client.storage.get_token_data("transfer.api.globus.org").access_token
    client.logout()
    assert not client.logged_in
    answer = requests.get(globus.url + "/v0.10/task_list", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401 and answer.json()["code"] == "AuthenticationFailed"


def test_consent_required_gives_a_link_that_resolves_it(new_app_client, globus, consent):
    client = new_app_client
    guarded = globus.info()["consent_collection"]
    with pytest.raises(ConsentRequired) as info:
        client.ls(guarded, "/")
    assert "data_access" in info.value.scopes[0] and info.value.url in info.value.message
    client.finish_login(consent(info.value.url))
    assert "ds001" in [e["name"] for e in client.ls(guarded, "/").entries]


def test_errors_have_globus_shapes_and_readable_words(client, globus):
    src = globus.info()["source_collection"]
    with pytest.raises(globus_sdk.TransferAPIError) as info:
        client.ls(src, "/no/such/dir/")
    assert info.value.http_status == 404 and info.value.code == "ClientError.NotFound"
    assert describe(info.value)[0].startswith("Not found on Globus")
    with pytest.raises(globus_sdk.TransferAPIError) as info:
        client.ls(src, "/README.txt")
    assert info.value.code.startswith("ExternalError.DirListingFailed")


def test_responses_match_recorded_shapes(client, globus):
    """Our documents carry every key of globus_sdk.testing's recorded responses."""
    from globus_sdk.testing.data.auth._common import UNAUTHORIZED_AUTH_RESPONSE
    from globus_sdk.testing.data.transfer.submit_transfer import RESPONSES as SUBMIT
    from globus_sdk.testing.data.transfer.task_list import TASK_LIST_DOC

    info = globus.info()
    data = globus_sdk.TransferData(source_endpoint=info["source_collection"],
                                   destination_endpoint=info["destination_collection"])
    data.add_item("/README.txt", "/shape/README.txt")
    submitted = client.transfer.submit_transfer(data).data
    assert set(SUBMIT.lookup("default").json) <= set(submitted)
    task = client.transfer.get_task(submitted["task_id"]).data
    assert set(TASK_LIST_DOC["DATA"][0]) <= set(task)
    listed = client.transfer.task_list(limit=5).data
    assert set(TASK_LIST_DOC) <= set(listed)
    failure = requests.post(globus.url + "/v0.10/transfer", json={"DATA_TYPE": "transfer", "DATA": []},
                            headers={"Authorization": f"Bearer {info['access_token']}"})
    assert set(SUBMIT.lookup("failure").json) <= set(failure.json())
    assert failure.json()["code"] == "ClientError.BadRequest.NoTransferItems"
    anonymous = requests.get(globus.url + "/v2/oauth2/userinfo")
    assert anonymous.status_code == 401 and set(UNAUTHORIZED_AUTH_RESPONSE.json) <= set(anonymous.json())
    assert anonymous.json()["errors"][0]["code"] == "UNAUTHORIZED"


def test_sdk_paginator_walks_endpoint_search_pages(client, globus):
    pages = client.transfer.paginated.endpoint_search("NDW demo", limit=1)
    names = [doc["display_name"] for doc in pages.items()]
    assert len(names) == len(globus.collections) and len(set(names)) == len(names)
