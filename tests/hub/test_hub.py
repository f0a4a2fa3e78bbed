"""Two lab members on one real JupyterHub (PAM, LocalProcessSpawner, configurable-http-proxy, the shared sandbox).

In Chromium, through the hub's proxy, each user logs in, opens the portal from JupyterLab's launcher, logs in to
XNAT (remembered in their own keyring) and to Globus (pasting a code: on a hub there is no loopback login),
browses and downloads. Then, as the operating-system accounts themselves: neither can read the other's token
file, keyring, DataLad credentials, caches, downloads or sandbox account, nor reach the other's Voila; one
user's logout leaves the other logged in; a server stopped by the hub's API and started again finds its logins.
"""
from __future__ import annotations

import json
import os
import re
import stat
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .harness import ARTIFACTS, USERS, as_user, user_processes, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]
ANN, BEN = USERS
PAGE_TIMEOUT = 180_000  # a loaded 2-core machine starts a server, JupyterLab and Voila in well under this


def account(hub, user) -> dict:
    return json.loads((hub.sandbox_dir / "users" / f"{user}.json").read_text())


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"hub-{name}.png"), full_page=True)


def test_each_user_has_a_sandbox_account_only_they_can_read(hub):
    passwords = {}
    for user in USERS:
        path = hub.sandbox_dir / "users" / f"{user}.json"
        st = path.stat()
        assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == os.stat(hub.home(user)).st_uid, path
        info = account(hub, user)
        assert info["services"]["xnat"]["user"] == user and "access_token" not in info["services"]["globus"]
        passwords[user] = info["services"]["xnat"]["password"]
        assert as_user(user, "cat", path).returncode == 0
    assert passwords[ANN] != passwords[BEN]
    for owner, other in ((ANN, BEN), (BEN, ANN)):
        denied = as_user(other, "cat", hub.sandbox_dir / "users" / f"{owner}.json")
        assert denied.returncode != 0 and "Permission denied" in denied.stderr
        assert passwords[owner] not in (hub.sandbox_dir / "users" / f"{other}.json").read_text()
    # the shared sandbox's own file (the demo account's password and token) is the hub's alone
    assert as_user(ANN, "cat", hub.sandbox_dir / "sandbox.json").returncode != 0


# ------------------------------------------------------------------------------------------------------------
# the browser journey
# ------------------------------------------------------------------------------------------------------------
def hub_login(context, hub, user):
    """Log in on the hub's page; the hub starts the user's server and opens JupyterLab."""
    page = context.new_page()
    page.goto(hub.url + "/hub/login", timeout=PAGE_TIMEOUT)
    page.locator("#username_input").fill(user)
    page.locator("#password_input").fill(hub.passwords[user])
    page.locator("#login_submit").click()
    page.locator(".jp-LauncherCard").first.wait_for(timeout=PAGE_TIMEOUT)
    return page


def open_portal(context, lab):
    """Click the launcher's "Neurodata portal" tile; the portal opens in a new tab when ready."""
    card = lab.locator(".jp-LauncherCard", has_text="Neurodata portal")
    expect(card).to_be_visible(timeout=60_000)
    with context.expect_page(timeout=PAGE_TIMEOUT) as new:
        card.click()
    portal = new.value
    portal.wait_for_selector(".ndw-ready", state="attached", timeout=PAGE_TIMEOUT)
    return portal


CARDS = {"XNAT": ".ndw-xnat-login", "Globus": ".ndw-globus-login-widget"}


def card(portal, title):
    """The login panel's card of ``title`` (XNAT or Globus), opened."""
    panel = portal.locator(".ndw-login-panel")
    header = panel.locator(".ndw-login-card-toggle", has_text=f"{title}:").first  # the card's button
    header.wait_for(timeout=60_000)
    body = panel.locator(CARDS[title]).first
    if not body.is_visible():
        header.click()
    expect(body).to_be_visible(timeout=30_000)
    return body


def xnat_login(portal, password, remember=True):
    panel = card(portal, "XNAT")
    panel.locator(".ndw-xnat-password input").fill(password)
    if remember:
        panel.locator(".ndw-xnat-remember input").check()
    panel.locator(".ndw-xnat-login-button").click()


def globus_login(context, portal):
    """The paste-a-code login: open the link, press Allow, copy the code shown, paste it."""
    login = card(portal, "Globus")
    login.locator(".ndw-globus-login").click()
    link = login.locator("a.ndw-globus-login-link")
    expect(link).to_be_visible(timeout=60_000)
    # the widget knows it is on a hub: no "Automatic" (loopback) mode is offered
    expect(login.get_by_text("Automatic", exact=True)).to_have_count(0)
    consent = context.new_page()
    consent.goto(link.get_attribute("href"), timeout=60_000)
    consent.locator("#allow").click()
    code = consent.locator("#auth-code").inner_text(timeout=30_000).strip()
    consent.close()
    login.locator(".ndw-globus-code input").fill(code)
    login.locator(".ndw-globus-submit-code").click()
    expect(portal.locator(".ndw-login-panel")).to_contain_text("Globus: logged in as", timeout=60_000)


def expand(portal, text):
    row = portal.locator(".ndw-xnat-tree .ndw-dt-table tbody tr", has_text=text).first
    row.wait_for(timeout=60_000)
    row.locator(".ndw-dt-twist").click()
    expect(row.locator(".ndw-dt-twist")).to_have_attribute("aria-expanded", "true", timeout=60_000)
    return row


def browse_and_download(portal, target: Path):
    portal.get_by_role("tab", name="XNAT").click()
    expand(portal, "DEMO_PRIVATE")
    expand(portal, "sub-001")
    expand(portal, "sub-001_MR1")
    row = portal.locator(".ndw-xnat-tree .ndw-dt-table tbody tr", has_text="bold").first
    row.locator("input[type=checkbox]").click()
    portal.locator(".ndw-xnat-folder input").fill(str(target))
    portal.locator(".ndw-xnat-folder input").press("Enter")
    portal.locator(".ndw-xnat-download").click()
    portal.get_by_text("Download: done").wait_for(timeout=120_000)


LOGIN_NOTEBOOK = {
    "cells": [{"cell_type": "code", "execution_count": None, "id": "login", "metadata": {}, "outputs": [],
               "source": ["from neurodata_widgets.xnat.widgets import XnatLogin\n", "XnatLogin()"]}],
    "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5}


def save_a_login_notebook(hub, lab, user, password) -> str:
    """In JupyterLab: the user's notebook with an XNAT login widget is run, the password typed, Log in, saved.

    The notebook is the user's own file (as if they had written it earlier); the journey opens it by its address,
    so no launcher click or typed code can go astray on a loaded machine. Returns the saved file's text.
    """
    path = hub.home(user) / "login.ipynb"
    made = as_user(user, "sh", "-c", f"cat > {path}", input=json.dumps(LOGIN_NOTEBOOK))
    assert made.returncode == 0, made.stderr
    before = path.read_text()
    lab.bring_to_front()
    lab.goto(f"{hub.url}/user/{user}/lab/tree/login.ipynb", timeout=PAGE_TIMEOUT)
    cell = lab.locator(".jp-Notebook .jp-Cell .cm-content", has_text="XnatLogin()").first
    cell.wait_for(timeout=PAGE_TIMEOUT)
    # JupyterLab runs nothing until the notebook's kernel is connected (a first start of a fresh environment's
    # kernel takes a while on a loaded machine): wait for "Idle" in the status bar, as a user would
    expect(lab.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"\|\s*Idle"))).to_be_visible(
        timeout=PAGE_TIMEOUT)
    out = lab.locator(".jp-OutputArea .ndw-xnat-login").first
    for _ in range(3):
        cell.click()
        lab.keyboard.press("Shift+Enter")
        try:
            out.wait_for(timeout=60_000)
            break
        except Exception:  # noqa: BLE001  (not run: the kernel was busy starting; run it again)
            continue
    out.wait_for(timeout=PAGE_TIMEOUT)
    out.locator(".ndw-xnat-password input").fill(password)
    out.locator(".ndw-xnat-login-button").click()
    expect(out.locator(".ndw-xnat-user-name")).to_be_visible(timeout=60_000)
    lab.keyboard.press("Control+s")
    wait_for(lambda: path.read_text() != before and "application/vnd.jupyter.widget-view" in path.read_text(), 60,
             f"JupyterLab did not save {path} with the widget's output")
    shot(lab, "notebook-saved")
    return path.read_text()


def voila_sockets(user) -> list[str]:
    """The unix sockets the user's launcher-started Voila listens on (from its command line)."""
    found = []
    for pid in user_processes(user):
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        for arg in args:
            if arg.startswith(b"--sock="):
                found.append(arg[len(b"--sock="):].decode())
    return found


CONNECT = ("import socket, sys\ns = socket.socket(socket.AF_UNIX)\n"
           "try:\n    s.connect(sys.argv[1]); s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n'); print(s.recv(12).decode())\n"
           "except OSError as e:\n    print(type(e).__name__, e); sys.exit(3)")


def private_files(hub, user) -> dict:
    """What a user's work leaves in their home that no one else may read."""
    home = hub.home(user)
    return {
        "Globus token file": home / ".config/neurodata-widgets/globus-tokens.json",
        "keyring": next((home / ".local/share").rglob("keyring_pass.cfg"), home / ".local/share/python_keyring"),
        "DataLad credentials (git config)": home / ".gitconfig",
        # the caches (and whatever else the toolkit keeps at home) sit in a folder only its owner can list
        "home folder": home,
        "downloads": home / "xnat-downloads",
    }


def test_two_users_on_one_hub(hub, browser):
    contexts, labs, portals = {}, {}, {}
    try:
        for user in USERS:
            contexts[user] = browser.new_context(viewport={"width": 1280, "height": 900})
            labs[user] = hub_login(contexts[user], hub, user)
            shot(labs[user], f"{user}-lab")
            portals[user] = portal = open_portal(contexts[user], labs[user])
            assert f"/user/{user}/neurodata-portal/" in portal.url
            xnat_login(portal, account(hub, user)["services"]["xnat"]["password"])
            expect(portal.locator(".ndw-login-panel")).to_contain_text(f"XNAT: logged in as {user}", timeout=60_000)
            browse_and_download(portal, hub.home(user) / "xnat-downloads")
            globus_login(contexts[user], portal)
            shot(portal, f"{user}-portal")

        # --- what each one's work left at home is theirs alone --------------------------------------------
        for owner, other in ((ANN, BEN), (BEN, ANN)):
            files = private_files(hub, owner)
            assert list((files["downloads"]).rglob("*.dcm")), f"{owner}'s download left no file"
            for what, path in files.items():
                assert path.exists(), f"{owner}'s {what} ({path}) was not written: the journey did not reach it"
                tried = as_user(other, "cat" if path.is_file() else "ls", path)
                assert tried.returncode != 0 and "Permission denied" in tried.stderr, \
                    f"{other} could read {owner}'s {what}: {tried.stdout[:200]!r}"
            assert as_user(owner, "cat" if files["Globus token file"].is_file() else "ls",
                           files["Globus token file"]).returncode == 0
            assert stat.S_IMODE(files["Globus token file"].stat().st_mode) == 0o600

        # --- nor reach the other's Voila (a unix socket in a private folder) ------------------------------
        python = str(hub.venv / "bin" / "python")
        for owner, other in ((ANN, BEN), (BEN, ANN)):
            sockets = voila_sockets(owner)
            assert sockets, f"no Voila of {owner} listens on a unix socket"
            mine = as_user(owner, python, "-c", CONNECT, sockets[0])
            assert mine.returncode == 0 and mine.stdout.startswith("HTTP/1."), mine.stdout + mine.stderr
            theirs = as_user(other, python, "-c", CONNECT, sockets[0])
            assert theirs.returncode == 3 and "PermissionError" in theirs.stdout, theirs.stdout + theirs.stderr

        # --- a notebook saved after logging in holds no secret -------------------------------------------------
        saved = save_a_login_notebook(hub, labs[ANN], ANN, account(hub, ANN)["services"]["xnat"]["password"])
        for secret in (account(hub, ANN)["services"]["xnat"]["password"], hub.passwords[ANN]):
            assert secret not in saved, "a saved notebook holds a password"
        assert not re.search(r'"(access|refresh)_token"|Bearer |JSESSIONID=', saved), "a saved notebook holds a token"

        # --- one user's expired XNAT session changes nothing for the other -----------------------------------
        xnat_url = account(hub, ANN)["services"]["xnat"]["url"]
        expired = urllib.request.Request(xnat_url + "/_sandbox/expire", data=json.dumps({"user": ANN}).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        assert json.load(urllib.request.urlopen(expired, timeout=30))["user"] == ANN
        portals[BEN].get_by_role("tab", name="XNAT").click()
        expand(portals[BEN], "DEMO_PUBLIC")  # ben's session lists on
        portals[ANN].get_by_role("tab", name="XNAT").click()
        expand(portals[ANN], "DEMO_PUBLIC")  # ann's, renewed from her login, too
        expect(portals[ANN].locator(".ndw-login-panel")).to_contain_text(f"XNAT: logged in as {ANN}")

        # --- one user's logout changes nothing for the other ----------------------------------------------
        ann, ben = portals[ANN], portals[BEN]
        card(ann, "XNAT").locator(".ndw-xnat-logout-button").click()
        card(ann, "Globus").locator(".ndw-globus-logout").click()
        expect(ann.locator(".ndw-login-panel")).to_contain_text("XNAT: not logged in", timeout=60_000)
        expect(ann.locator(".ndw-login-panel")).to_contain_text("Globus: not logged in", timeout=60_000)
        expect(ben.locator(".ndw-login-panel")).to_contain_text(f"XNAT: logged in as {BEN}")
        expect(ben.locator(".ndw-login-panel")).to_contain_text("Globus: logged in as")
        ben.get_by_role("tab", name="XNAT").click()
        expand(ben, "DEMO_PROTECTED")  # ben's XNAT session still lists
        assert private_files(hub, BEN)["Globus token file"].exists()
        shot(ben, f"{BEN}-after-{ANN}-logout")

        # --- ben's server is stopped (as the idle culler does) and started again: it finds its logins --------
        for page in (portals[BEN], labs[BEN]):
            page.close()
        hub.stop_server(BEN)
        status, _ = hub.api("POST", f"/users/{BEN}/server")
        assert status in (201, 202)
        wait_for(lambda: hub.server_ready(BEN), 180, f"{BEN}'s server did not start again within 180 s")
        lab = contexts[BEN].new_page()
        lab.goto(f"{hub.url}/user/{BEN}/lab", timeout=PAGE_TIMEOUT)
        lab.locator(".jp-LauncherCard").first.wait_for(timeout=PAGE_TIMEOUT)
        portal = open_portal(contexts[BEN], lab)
        # the Globus login is back (the token file); the XNAT login offers the remembered account (the keyring)
        expect(portal.locator(".ndw-login-panel")).to_contain_text("Globus: logged in as", timeout=60_000)
        expect(card(portal, "XNAT").locator(".ndw-xnat-user input")).to_have_attribute(
            "placeholder", f"saved: {BEN}", timeout=60_000)
        shot(portal, f"{BEN}-after-restart")
    except BaseException:
        for user, context in contexts.items():
            for i, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(ARTIFACTS / f"hub-failure-{user}-{i}.png"), full_page=True)
                except Exception:  # noqa: BLE001  (a closed page)
                    pass
        raise
    finally:
        for context in contexts.values():
            context.close()
