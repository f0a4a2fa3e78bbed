"""Fixtures for the Globus slice: the sandbox service, a consent helper, logged-in clients."""
from __future__ import annotations

import pytest

from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent


@pytest.fixture
def globus(sandbox):
    """The running Globus sandbox service (faults and expiry cleared afterwards)."""
    service = sandbox["globus"]
    yield service
    service.faults.clear()


@pytest.fixture
def consent():
    """``consent(url) -> code``: allow on the consent page and read the code it shows."""
    return lambda url: code_shown(press_consent(url))


@pytest.fixture
def client(globus, consent, tmp_path):
    """A GlobusClient logged in through the copy-paste-code flow, with its own token file."""
    from neurodata_widgets.globus.client import GlobusClient

    c = GlobusClient(token_file=tmp_path / "globus-tokens.json")
    c.finish_login(consent(c.start_login("code")))
    return c


@pytest.fixture
def toolkit_client(globus, consent, tmp_path, monkeypatch):
    """The toolkit's own login (``GlobusClient()``, the default token file of a fresh configuration folder),
    the one ``git-annex-remote-globus`` reads in git-annex's processes."""
    from neurodata_widgets.globus.client import GlobusClient

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "toolkit-config"))
    c = GlobusClient()
    c.finish_login(consent(c.start_login("code")))
    return c


@pytest.fixture
def new_app_client(globus, consent, tmp_path):
    """A logged-in GlobusClient of a newly registered native app: Globus Auth remembers consents per
    user and app, so this one has granted nothing beyond the login yet."""
    from neurodata_widgets.globus.client import GlobusClient

    app = globus.register_client("another notebook app")
    c = GlobusClient(client_id=app["id"], token_file=tmp_path / "new-app-tokens.json")
    c.finish_login(consent(c.start_login("code")))
    return c


@pytest.fixture
def press_allow():
    """``press_allow(url) -> response`` after pressing Allow (the redirect is followed)."""
    return press_consent


@pytest.fixture
def allow_collection(consent):
    """``allow_collection(client, collection_id)``: consent once to the collection's HTTPS scope, as a user
    does after the first :class:`ConsentRequired`; returns the collection's token."""
    from neurodata_widgets.globus.client import ConsentRequired

    def allow(client, collection_id):
        try:
            return client.collection_token(collection_id)
        except ConsentRequired as exc:
            client.finish_login(consent(exc.url))
        return client.collection_token(collection_id)

    return allow
