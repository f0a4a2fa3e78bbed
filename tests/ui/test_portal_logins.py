"""While a slow login runs in the portal's login card, the other tabs say a login is in progress ("Logging in to
XNAT…"), then what came of it: the projects or collections when it worked, "Log in to …" when it failed. Real
xnatpy and globus-sdk over HTTP to the sandbox stand-ins, held back by their faults."""
from __future__ import annotations

import ipywidgets as widgets

from neurodata_widgets.globus.client import GlobusClient
from neurodata_widgets.globus.widgets import GlobusLogin
from neurodata_widgets.portal.widgets import LoginPanel, Portal
from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent
from neurodata_widgets.xnat.widgets import XnatLogin

from ..globus.test_globus_actions import _wait


def _portal(tmp_path, globus_login):
    logins = LoginPanel(xnat=XnatLogin(), globus=globus_login)
    light = {title: (lambda: widgets.HTML("")) for title in ("Search", "Explorer", "Provenance")}
    return Portal(dataset=str(tmp_path), logins=logins, factories=light)


def test_other_tabs_say_a_slow_login_is_in_progress_then_what_came_of_it(sandbox, faults, tmp_path):
    info = sandbox.info()
    globus_login = GlobusLogin(GlobusClient(token_file=tmp_path / "tokens.json"))
    portal = _portal(tmp_path, globus_login)
    xnat_login, (xnat_card, globus_card) = portal.logins.xnat, portal.logins.children
    xnat_tab = portal.open_tab("XNAT")
    assert xnat_tab.banner.message == "Log in to browse XNAT."

    # XNAT: a login the server holds back
    xnat_login.url.value, xnat_login.user.value = info["xnat"]["url"], "demo"
    xnat_login.password.value = "not the password"
    faults["xnat"].faults.set(hang=30)
    xnat_login.login(wait=False)
    _wait(lambda: xnat_tab.banner.message == "Logging in to XNAT…")
    assert xnat_tab.table.empty_text == "Logging in to XNAT…" and xnat_card.title == "XNAT: logging in…"
    faults["xnat"].faults.clear()  # the server answers: that password is refused
    xnat_login.wait_background()
    _wait(lambda: xnat_tab.banner.message == "Log in to browse XNAT.")
    assert xnat_card.title == "XNAT: not logged in" and xnat_login.status == "error"

    xnat_login.password.value = info["xnat"]["password"]
    faults["xnat"].faults.set(hang=30)
    xnat_login.login(wait=False)
    _wait(lambda: xnat_tab.banner.message == "Logging in to XNAT…")
    faults["xnat"].faults.clear()
    xnat_login.wait_background()
    _wait(lambda: xnat_tab.roots)  # logged in: the tab lists the projects
    assert "Logging in" not in xnat_tab.banner.message and xnat_tab.status != "error"
    assert xnat_card.title == "XNAT: logged in as demo"

    # Globus: the code is exchanged while Globus Auth holds the request back
    globus_tab = portal.open_tab("Globus").children[0]
    url = globus_login.start()
    assert globus_tab.banner.message.startswith("Logging in to Globus…")  # the user is on Globus' page
    code = code_shown(press_consent(url))
    faults["globus"].faults.set(hang=30, pattern="/token$")
    globus_login.code_box.value = code
    globus_login.submit_button.click()
    _wait(lambda: globus_tab.banner.message == "Logging in to Globus…")
    assert globus_tab.left.table.empty_text == "Logging in to Globus…" and globus_card.title == "Globus: logging in…"
    faults["globus"].faults.clear()
    globus_login.wait_background()
    globus_tab.wait_background()
    _wait(lambda: globus_tab.left.collection != "")  # logged in: the collections fill the panes
    assert "Logging in" not in globus_tab.banner.message and globus_tab.status != "error"
    assert globus_tab.left.table.empty_text != "Logging in to Globus…"
    globus_login.logout()
    xnat_login.logout()
