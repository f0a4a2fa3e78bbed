"""Every kind of Globus collection, through our client and widgets.

Against the stand-in over HTTP: Globus Connect Personal and GCSv4 collections (no HTTPS server) say so in a
sentence; a high-assurance collection's 403 ``AuthPolicyFailed`` leads to the re-login its policy asks for (client,
login widget, ``git-annex-remote-globus setup``); the browser's first view helps a user who owns nothing.
With recorded documents (globus-cli's and globus-sdk's fixtures, answered by ``responses``): the client and the
browser take every recorded endpoint kind, and a recorded multi-line GridFTP error becomes one sentence.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import globus_sdk
import pytest

from neurodata_widgets.errors import UserError, describe
from neurodata_widgets.globus.client import GlobusClient, SessionRequired
from neurodata_widgets.globus.widgets import GlobusBrowser, GlobusLogin, RegisterBox
from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent

RECORDED = json.loads((Path(__file__).parent / "fixtures" / "recorded_endpoints.json").read_text())


def test_every_kind_is_listed_and_the_ones_without_https_say_so(client, globus):
    info = globus.info()
    kinds = {cid: client.collection(cid)["entity_type"] for cid in globus.collections}
    assert set(kinds.values()) == {"GCSv5_mapped_collection", "GCSv5_guest_collection", "GCP_mapped_collection",
                                   "GCSv4_host"}
    for cid in (info["gcp_collection"], info["gcsv4_collection"]):
        assert client.ls(cid, "/").entries  # Transfer reaches them
        with pytest.raises(UserError) as raised:
            client.https_headers(cid)  # was a KeyError / AttributeError
        message, hint = describe(raised.value)
        assert "offers no HTTPS access" in message and "\n" not in message and "Transfer the files" in hint
    with pytest.raises(UserError, match="Globus Connect Personal collection"):
        client.collection_is_public(info["gcp_collection"])


def test_registering_from_a_personal_collection_says_to_transfer_first(client, globus, tmp_path):
    import datalad.api as dl

    from neurodata_widgets.globus import annex

    ds = dl.create(tmp_path / "ds", result_renderer="disabled")
    with pytest.raises(UserError, match="offers no HTTPS access"):
        annex.register(ds.path, client, globus.info()["gcp_collection"], ["/ds001/README"])


def test_high_assurance_collection_asks_for_a_re_login_that_satisfies_its_policy(client, globus, consent, tmp_path):
    info = globus.info()
    ha, policy = info["high_assurance_collection"], info["high_assurance_policy"]
    assert client.collection(ha)["high_assurance"] is True
    with pytest.raises(SessionRequired) as raised:
        client.ls(ha, "/")
    exc = raised.value
    assert exc.session["session_required_policies"] == [policy]
    asked = parse_qs(urlsplit(exc.url).query)
    assert asked["session_required_policies"] == [policy] and asked["prompt"] == ["login"]
    message, hint = describe(exc)
    assert "security policy asks you to log in again" in message and "paste the code" in hint
    # a plain login (no policy asked) does not satisfy the policy: Transfer still refuses
    plain = GlobusClient(token_file=tmp_path / "plain.json")
    plain.finish_login(consent(plain.start_login("code")))
    with pytest.raises(SessionRequired):
        plain.ls(ha, "/")
    client.finish_login(consent(exc.url))
    assert [e["name"] for e in client.ls(ha, "/").entries] == ["ds001", "README.txt"]


def test_login_widget_and_browser_lead_to_the_re_login(client, globus, consent):
    ha = globus.info()["high_assurance_collection"]
    login, browser = GlobusLogin(client), GlobusBrowser(client)
    browser.wait_background()
    browser.source.open_collection(ha)
    assert "ndw-globus-relogin-link" in browser.source.banner.value
    assert "security policy asks you to log in again" in browser.source.error
    # the login box shows the same link with one sentence about why
    assert login.status == "waiting" and "security policy asks you to log in again" in login.banner.message
    href = login.link.value.split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert "session_required_policies=" in href
    login.submit(consent(href))
    browser.source.refresh()
    assert browser.source.error == "" and browser.source.total == 2


def test_setup_logs_in_again_for_a_high_assurance_collection(globus, tmp_path, monkeypatch):
    """``git-annex-remote-globus setup --collection <high-assurance>``: each link it prints is opened and allowed."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    ha = globus.info()["high_assurance_collection"]
    setup = subprocess.Popen(["git-annex-remote-globus", "setup", "--collection", ha], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    printed, links = [], []
    for line in setup.stdout:
        printed.append(line)
        if line.startswith("http"):
            links.append(line.strip())
            setup.stdin.write(code_shown(press_consent(line.strip())) + "\n")
            setup.stdin.flush()
    setup.wait(60)
    assert setup.returncode == 0, "".join(printed) + setup.stderr.read()
    assert any("session_required_policies=" in link and "prompt=login" in link for link in links)
    assert any("security policy" in line for line in printed) and "Logged in to Globus" in printed[-1]
    client = GlobusClient()  # the login setup stored satisfies the policy
    assert client.ls(ha, "/").entries


def test_first_view_helps_a_user_who_owns_and_bookmarked_nothing(client, globus):
    from neurodata_widgets.sandbox.globus_collections import INSTITUTION

    saved = {cid: (c["owner"], c["shared"]) for cid, c in globus.collections.items()}
    bookmarks, recent = dict(globus.bookmarks), list(globus.recent)
    try:
        for c in globus.collections.values():
            if c["owner"]["sub"] == client.user()["sub"]:
                c["owner"] = INSTITUTION
        globus.bookmarks.clear()
        globus.recent.clear()
        assert client.search(scope="my-endpoints") == []
        browser = GlobusBrowser(client)
        browser.wait_background()
        offered = {c["id"]: c["why"] for c in browser.collections}
        assert offered == {globus.info()["public_collection"]: "shared with you",
                           globus.info()["guest_collection"]: "shared with you"}
        assert browser.source.collection in offered and browser.source.total >= 1
        assert "(shared with you)" in dict((v, k) for k, v in browser.source.picker.options)[browser.source.collection]
        for c in globus.collections.values():
            c["shared"] = False
        globus.recent.clear()  # listing them just now made them recently used
        browser.search()
        assert browser.collections == [] and "search box" in browser.banner.hint
    finally:
        for cid, (owner, shared) in saved.items():
            globus.collections[cid].update(owner=owner, shared=shared)
        globus.bookmarks.update(bookmarks)
        globus.recent[:] = recent


def test_recently_used_follows_use(client, globus):
    gcsv4 = globus.info()["gcsv4_collection"]
    client.ls(gcsv4, "/")
    assert client.search(scope="recently-used")[0]["id"] == gcsv4
    with pytest.raises(globus_sdk.TransferAPIError) as raised:
        client.transfer.endpoint_search(filter_scope="everything")
    assert raised.value.http_status == 400


# -- recorded documents --------------------------------------------------------------------------
def _recorded_client(responses_mock, docs, ls_answer, tmp_path):
    """A client whose Transfer answers with recorded documents (``responses``), as real Globus would."""
    base = "https://transfer.recorded.invalid/"
    client = GlobusClient(auth_url="https://auth.recorded.invalid/", transfer_url=base, client_id="recorded-app",
                          token_file=tmp_path / "never-written.json")
    client._transfer = globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer("recorded"),
                                                 base_url=base)
    responses_mock.get(base + "v0.10/endpoint_search", json={"DATA_TYPE": "endpoint_list", "DATA": docs,
                                                             "offset": 0, "limit": 50, "has_next_page": False})
    responses_mock.get(base + "v0.10/bookmark_list", json={"DATA_TYPE": "bookmark_list", "DATA": []})
    for doc in docs:
        responses_mock.get(base + f"v0.10/endpoint/{doc['id']}", json=doc)
        responses_mock.get(base + f"v0.10/operation/endpoint/{doc['id']}/ls", **ls_answer)
    return client


@pytest.fixture
def recorded():
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _recorded_docs():
    from globus_sdk.testing.data.transfer.get_endpoint import ENDPOINT_DOC

    docs = [entry["document"] for kind, entry in sorted(RECORDED.items()) if not kind.startswith("_")]
    sdk = dict(ENDPOINT_DOC, id="0e5f6a7b-0000-4000-8000-00000000000a")  # GCSv4, no https_server key at all
    return docs + [sdk]


def test_recorded_endpoint_documents_of_every_kind_feed_the_browser(recorded, tmp_path):
    docs = _recorded_docs()
    assert {d["entity_type"] for d in docs} >= {"GCSv5_mapped_collection", "GCSv5_guest_collection", "GCSv5_endpoint",
                                               "GCP_mapped_collection", "GCP_guest_collection", "GCSv4_host",
                                               "GCSv4_share"}
    client = _recorded_client(recorded, docs, {"json": RECORDED["_ls"]["document"]}, tmp_path)
    browser = GlobusBrowser(client)
    assert browser.search() and len(browser.collections) == len({d["id"] for d in docs})
    for doc in docs:
        browser.source.open_collection(doc["id"])
        assert browser.source.error == "", (doc["entity_type"], browser.source.error)
        assert browser.source.total == len(RECORDED["_ls"]["document"]["DATA"])
        if not doc.get("https_server"):  # GCP, GCSv4 (key absent or null), a GCSv5 endpoint
            with pytest.raises(UserError, match="offers no HTTPS access"):
                client.https_headers(doc["id"])
    box = RegisterBox(client, browser=browser, dataset="/nonexistent")
    browser.source.open_collection(docs[-1]["id"])
    browser.source.select("home")
    assert box.register() == [] and box.error  # a folder is not registered: said in a sentence


def test_recorded_gridftp_error_and_policy_error_become_one_sentence(recorded, tmp_path):
    from globus_sdk.testing.data.transfer.operation_stat import RESPONSES

    not_found = RESPONSES.lookup("not_found").json
    doc = RECORDED["GCSv5_mapped_collection"]["document"]
    client = _recorded_client(recorded, [doc], {"json": not_found, "status": 404}, tmp_path)
    browser = GlobusBrowser(client)
    browser.search()
    browser.source.open_collection(doc["id"])
    banner = browser.source.banner
    assert "\n" not in banner.message and "No such file or directory" not in banner.message
    assert "Path not found on Globus Tutorial Collection 1: no such file or directory" in banner.message
    assert "GridFTP" in banner.details or "550" in banner.details  # the server's report stays, folded
    # globus-cli's recorded AuthPolicyFailed (tests/functional/test_session_hooks) through our client
    policy = "7b6bd6cd-3f1a-4e5c-9d2c-3c7a2a0f8f01"
    recorded.replace("GET", f"https://transfer.recorded.invalid/v0.10/operation/endpoint/{doc['id']}/ls", status=403,
                     json={"authorization_parameters": {"session_message": "Failing collection authentication policy",
                                                        "session_required_policies": policy},
                           "code": "AuthPolicyFailed", "message": "Failing collection authentication policy",
                           "request_id": "MSbPbMR9n", "resource": f"/operation/endpoint/{doc['id']}/ls"})
    with pytest.raises(SessionRequired) as raised:
        client.ls(doc["id"], "/")
    assert raised.value.session == {"session_required_policies": [policy]}
    assert f"session_required_policies={policy}" in raised.value.url
