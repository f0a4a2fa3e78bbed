"""The stand-in's Auth and Transfer documents carry every field of globus_sdk.testing's recorded responses."""
from __future__ import annotations

import requests


def _keys_cover(recorded: dict, ours: dict, where: str):
    missing = set(recorded) - set(ours)
    assert not missing, f"{where}: fields of the recorded response missing from ours: {sorted(missing)}"


def test_transfer_stat_and_delete_documents(client, globus):
    from globus_sdk.testing.data.transfer.operation_stat import RESPONSES as STAT
    from globus_sdk.testing.data.transfer.submit_delete import RESPONSES as DELETE

    src, dst = globus.info()["source_collection"], globus.info()["destination_collection"]
    _keys_cover(STAT.lookup("default").json, client.transfer.operation_stat(src, "/ds001/README").data, "stat")
    import globus_sdk

    try:
        client.transfer.operation_stat(src, "/ds001/absent")
    except globus_sdk.TransferAPIError as exc:
        assert exc.http_status == 404 and exc.code == STAT.lookup("not_found").json["code"]
        _keys_cover(STAT.lookup("not_found").json, exc.raw_json, "stat not found")
    else:
        raise AssertionError("stat of a missing path must fail")
    client.mkdir(dst, "/fidelity-delete")
    data = globus_sdk.DeleteData(endpoint=dst, recursive=True)
    data.add_item("/fidelity-delete")
    answer = client.transfer.submit_delete(data).data
    _keys_cover(DELETE.lookup("default").json, answer, "submit_delete")
    assert answer["DATA_TYPE"] == "delete_result" and answer["code"] == "Accepted"


def test_auth_identities_consents_and_introspect(client, globus):
    from globus_sdk.testing.data.auth.get_consents import RESPONSES as CONSENTS
    from globus_sdk.testing.data.auth.get_identities import RESPONSES as IDENTITIES
    from globus_sdk.testing.data.auth.oauth2_token_introspect import RESPONSES as INTROSPECT

    auth = {"Authorization": f"Bearer {client.access_token('auth.globus.org')}"}
    me = client.user()["sub"]
    found = requests.get(globus.url + "/v2/api/identities", params={"ids": me}, headers=auth).json()
    _keys_cover(IDENTITIES.lookup("default").json["identities"][0], found["identities"][0], "identity")
    assert found["identities"][0]["username"] == "demo@globusid.org"
    consents = requests.get(f"{globus.url}/v2/api/identities/{me}/consents", headers=auth).json()["consents"]
    _keys_cover(CONSENTS.lookup("default").json["consents"][0], consents[0], "consent")
    app = globus.register_client("introspecting service", confidential=True)
    doc = requests.post(globus.url + "/v2/oauth2/token/introspect", data={"token": client.access_token()},
                        auth=(app["id"], app["secret"])).json()
    _keys_cover(INTROSPECT.lookup("default").json, doc, "introspect")
    assert doc["active"] and doc["aud"][0] == "transfer.api.globus.org"
    unauthenticated = requests.post(globus.url + "/v2/oauth2/token/introspect", data={"token": "x"})
    assert unauthenticated.status_code == 401 and unauthenticated.json()["error"] == "invalid_client"


def test_app_instance_registration_and_client_credentials(globus):
    import globus_sdk
    from globus_sdk.testing.data.auth.create_native_app_instance import make_app_response_body

    recorded = make_app_response_body({"name": "x", "template_id": "t"})
    native = globus_sdk.NativeAppAuthClient("33b6a241-bce4-4359-9c6d-09f88b3c9eef", base_url=globus.url + "/")
    made = native.post("/v2/api/clients", data={"client": {"template_id": native.client_id, "name": "a CLI"}}).data
    _keys_cover(recorded["client"], made["client"], "client")
    _keys_cover(recorded["included"]["client_credential"], made["included"]["client_credential"], "credential")
    credential = made["included"]["client_credential"]
    confidential = globus_sdk.ConfidentialAppAuthClient(credential["client"], credential["secret"],
                                                        base_url=globus.url + "/")
    tokens = confidential.oauth2_client_credentials_tokens(
        requested_scopes="urn:globus:auth:scope:transfer.api.globus.org:all")
    transfer = tokens.by_resource_server["transfer.api.globus.org"]
    assert "refresh_token" not in transfer or transfer["refresh_token"] is None
    tc = globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(transfer["access_token"]),
                                   base_url=globus.url + "/")
    assert tc.endpoint_search("NDW")["DATA"]
    unknown = requests.get(globus.url + "/v2/oauth2/authorize", params={"client_id": "not-registered"})
    assert unknown.status_code == 400 and "Unknown application" in unknown.text


def test_id_token_is_signed_with_the_published_key(globus, consent):
    import globus_sdk

    native = globus_sdk.NativeAppAuthClient(globus.client_id, base_url=globus.url + "/")
    native.oauth2_start_flow(["openid", "profile", "email"])
    tokens = native.oauth2_exchange_code_for_tokens(consent(native.oauth2_get_authorize_url()))
    claims = tokens.decode_id_token()  # fetches the OpenID configuration and JWK set, verifies RS512
    assert claims["sub"] == "b7c1a0d2-3c4e-4f5a-8b9c-0d1e2f3a4b5c" and claims["aud"] == globus.client_id
    assert claims["preferred_username"] == "demo@globusid.org" and claims["iss"] == globus.url
