"""Fixtures for the Globus slice: the sandbox service, a consent helper, logged-in clients."""
from __future__ import annotations

import html
import re

import pytest
import requests


@pytest.fixture
def globus(sandbox):
    """The running Globus sandbox service (faults and expiry cleared afterwards)."""
    service = sandbox["globus"]
    yield service
    service.faults.clear()


def allow(login_url: str) -> requests.Response:
    """Do what a user does on the sandbox consent page: open it and press Allow."""
    s = requests.Session()
    page = s.get(login_url, timeout=10)
    page.raise_for_status()
    fields = {k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page.text)}
    fields["decision"] = "allow"
    base = login_url.split("/v2/")[0]
    return s.post(base + "/_consent", data=fields, timeout=10)


def code_from(response: requests.Response) -> str:
    return re.search(r'id="auth-code"[^>]*>([^<]+)<', response.text).group(1)


@pytest.fixture
def consent():
    """``consent(url) -> code``: allow on the consent page and read the code it shows."""
    return lambda url: code_from(allow(url))


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
    return allow
