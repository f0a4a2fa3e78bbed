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
def press_allow():
    """``press_allow(url) -> response`` after pressing Allow (the redirect is followed)."""
    return press_consent
