"""Collection HTTPS access with the collection's own scope: consent on first use, one token per collection,
public collections readable by anyone."""
from __future__ import annotations

import requests

from neurodata_widgets.globus.client import ConsentRequired, GlobusClient, https_scope


def _introspect(globus, token):
    """What the stand-in's Auth says about a token, asked as a registered confidential app would."""
    app = globus.register_client("resource server", confidential=True)
    return requests.post(globus.url + "/v2/oauth2/token/introspect", data={"token": token},
                         auth=(app["id"], app["secret"])).json()


def test_collection_wants_a_token_for_its_own_https_scope(client, globus, allow_collection):
    info = globus.info()
    src, guarded = info["source_collection"], info["consent_collection"]
    url = client.collection(src)["https_server"] + "/ds001/README"
    anonymous = requests.get(url)
    assert anonymous.status_code == 401
    assert f'scope="{https_scope(src)}"' in anonymous.headers["WWW-Authenticate"]
    transfer_token = requests.get(url, headers={"Authorization": f"Bearer {client.access_token()}"})
    assert transfer_token.status_code == 401 and 'error="invalid_token"' in transfer_token.headers["WWW-Authenticate"]
    other = allow_collection(client, guarded)
    assert requests.get(url, headers={"Authorization": f"Bearer {other}"}).status_code == 401
    own = allow_collection(client, src)
    ok = requests.get(url, headers={"Authorization": f"Bearer {own}"})
    assert ok.status_code == 200 and ok.text.startswith("Demo raw data")
    assert _introspect(globus, own)["aud"][0] == src and _introspect(globus, own)["scope"] == https_scope(src)


def test_first_use_asks_consent_and_the_login_widget_names_the_collection(client, globus, consent):
    from neurodata_widgets.globus.widgets import GlobusLogin

    src = globus.info()["source_collection"]
    login = GlobusLogin(client)
    try:
        client.https_headers(src)
    except ConsentRequired as exc:
        asked = exc
    else:
        raise AssertionError("expected ConsentRequired on first use")
    assert asked.scopes == [https_scope(src)] and "needs your consent" in str(asked)
    assert "ndw-globus-scopes" in login.link.value and f"reading collection <code>{src}</code>" in login.link.value
    consent_page = requests.get(asked.url).text
    assert "Access data on <b>NDW Demo Institutional Storage</b> over HTTPS" in consent_page
    client.finish_login(consent(asked.url))
    headers = client.https_headers(src)
    assert headers == {"Authorization": f"Bearer {client.collection_token(src)}"}
    assert headers["Authorization"][7:] != client.access_token()  # never the Transfer token
    me = client.user()["sub"]
    consents = requests.get(f"{globus.url}/v2/api/identities/{me}/consents",
                            headers={"Authorization": f"Bearer {client.access_token('auth.globus.org')}"}).json()
    assert https_scope(src) in [c["scope_name"] for c in consents["consents"]]


def test_public_collection_is_read_without_any_login(globus, tmp_path):
    public = globus.info()["public_collection"]
    nobody = GlobusClient(token_file=tmp_path / "nobody.json")
    https_server = f"{globus.url}/_https/{public}"
    assert not nobody.logged_in and nobody.collection_is_public(public, https_server)
    assert nobody.https_headers(public, https_server) == {}
    got = requests.get(https_server + "/ds001/participants.tsv")
    assert got.status_code == 200 and got.text.startswith("participant_id")
    private = globus.info()["source_collection"]
    assert not nobody.collection_is_public(private, f"{globus.url}/_https/{private}")
