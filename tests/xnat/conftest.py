"""Fixtures of the XNAT tests: a private sandbox XNAT per test module and logged-in clients."""
import pytest


@pytest.fixture(scope="module")
def xnat_server():
    """A fresh XNAT sandbox for this module (tests may add files and inject faults)."""
    from neurodata_widgets.sandbox.xnat_server import XnatServer

    server = XnatServer(seed=7).start()
    yield server
    server.stop()


@pytest.fixture
def server(xnat_server):
    """The module's server with faults cleared (and restarted) after the test."""
    yield xnat_server
    xnat_server.faults.clear()
    if not xnat_server.running:
        xnat_server.start()


@pytest.fixture
def client(server):
    """An :class:`XnatClient` logged in as the demo user (short timeouts)."""
    from neurodata_widgets.xnat.client import XnatClient

    c = XnatClient(server.url, timeout=(2.0, 2.0))
    c.login(server.info()["user"], server.info()["password"])
    yield c
    c.logout()
