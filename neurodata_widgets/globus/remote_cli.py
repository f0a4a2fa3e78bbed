"""The terminal side of ``git-annex-remote-globus``: ``setup`` (log in) and ``register`` (for maintainers).

``git-annex-remote-globus setup`` logs in with the toolkit's Globus login in copy-paste-code
mode (it works over SSH and in JupyterHub terminals): open the printed link, allow, paste
the code. ``--collection NAME_OR_ID`` also asks for what that collection needs (its HTTPS
download scope, and a data_access consent when it requires one). Run inside a dataset (or with
``--dataset``), it then enables the dataset's Globus remotes and, once you said yes to their
configuration, verifies them as git-annex asks (``git annex verifyremote <name> --safe <id>``);
``--yes`` says yes without asking. Without a Globus client id it says how to register one.

``git-annex-remote-globus register --endpoint NAME --fileprefix PREFIX [PATH...]`` is CONP's
registration step (initremote + registerurl + setpresentkey) with a check of every file on
the collection first.

Examples
--------
>>> from neurodata_widgets.globus.remote_cli import parser
>>> parser().parse_args(["setup", "--collection", "FRDR_Prod_2"]).collection
['FRDR_Prod_2']
"""
from __future__ import annotations

import argparse
import sys

from ..errors import UserError, describe
from .configured import toolkit_client


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="git-annex-remote-globus",
                                description="git-annex special remote for CONP datasets on Globus "
                                            "(run by git-annex; these commands are for you).")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("setup", help="log in to Globus (the neurodata-widgets login)")
    s.add_argument("--collection", action="append", default=[], metavar="NAME_OR_ID",
                   help="also consent to what this collection needs (repeatable)")
    s.add_argument("--logout", action="store_true", help="revoke and forget the stored login")
    s.add_argument("--dataset", default=".", help="enable and verify this dataset's Globus remotes (default: here)")
    s.add_argument("--yes", action="store_true", help="use the dataset's Globus remotes without asking")
    r = sub.add_parser("register", help="register a dataset's annexed files as living on a collection (CONP's way)")
    r.add_argument("--endpoint", required=True, help="collection display name (or id)")
    r.add_argument("--fileprefix", default="", help="path on the collection before the dataset's files")
    r.add_argument("--dataset", default=".", help="the dataset (default: here)")
    r.add_argument("--no-check", action="store_true", help="do not check the files on the collection first")
    r.add_argument("paths", nargs="*", help="files or folders (default: all annexed files)")
    return p


def run(argv) -> int:
    args = parser().parse_args(argv)
    if args.command == "setup":
        remotes = [] if args.logout else _dataset_remotes(args.dataset)
        then = ("Now: datalad get <path>." if remotes else
                "Now, in a clone of the dataset: git-annex-remote-globus setup again (or git annex enableremote "
                "globus), then datalad get <path>.")
        status = login(args.collection, logout=args.logout, then="" if remotes else then)
        if status == 0 and remotes:
            status = _reporting_errors(enable_and_verify, args.dataset, remotes, args.yes)
            if status == 0:
                print(then)
        return status
    return _reporting_errors(register, args)


def _dataset_remotes(dataset) -> list[dict]:
    """The Globus remotes of the dataset at ``dataset`` that still need enabling or verifying here."""
    from .. import repo
    from .conp import conp_remotes

    top = repo.run(dataset, "rev-parse", "--show-toplevel", check=False).strip()
    if not top:
        return []
    if not repo.config(top, "annex.uuid"):  # a plain `git clone` of a dataset: git-annex sets it up as it would
        if not repo.run(top, "for-each-ref", "--count=1", "refs/remotes/*/git-annex", check=False).strip():
            return []
        repo.annex(top, "init", "--quiet", check=False)
    try:
        remotes = conp_remotes(top)
    except Exception:  # noqa: BLE001 - not an annex with a git-annex branch: nothing to enable
        return []
    return [dict(r, top=top) for r in remotes
            if not r["enabled"] or repo.config(top, f"remote.{r['name']}.annex-verified") == "manual"]


def enable_and_verify(dataset, remotes, yes: bool = False) -> int:
    """``git annex enableremote`` each remote, show its configuration, and on yes verify it
    (``git annex verifyremote <name> --safe <id>``, the step this git-annex requires before it uses a
    remote someone else configured, and before it lets you push)."""
    from .. import repo
    from .conp import no_retry_pauses

    for r in remotes:
        top, name = r["top"], r["name"]
        no_retry_pauses(top)
        shown = repo.annex(top, "enableremote", name, hint="Check the dataset's git-annex branch is fetched.") \
            if not r["enabled"] else ""
        safe_id = repo.verification_id(shown, name)
        if not safe_id and repo.config(top, f"remote.{name}.annex-verified") == "manual":
            safe_id = repo.remote_to_verify(top, name, check=False)[1]
        if not safe_id:
            print(f"Enabled the dataset's Globus remote {name!r}.")
            continue
        where = f"collection {r['endpoint']!r}" + (f", files under {r['fileprefix']!r}" if r["fileprefix"] else "")
        print(f"The dataset's remote {name!r} reads from Globus {where} (read-only: nothing is ever sent there).")
        answer = "y" if yes else input(f"Use it (git annex verifyremote {name} --safe {safe_id})? [Y/n] ")
        if answer.strip().lower() not in ("", "y", "yes"):
            print(f"Not using {name!r} (left unverified): git-annex fetches nothing through it in this clone.")
            return 1
        repo.verify_remote(top, name, safe_id)
        print(f"Verified the dataset's Globus remote {name!r}.")
    return 0


def _reporting_errors(fn, *args, **kwargs) -> int:
    try:
        return fn(*args, **kwargs)
    except UserError as exc:
        print(f"error: {exc.message}" + (f"\n{exc.hint}" if exc.hint else ""), file=sys.stderr)
    except (KeyboardInterrupt, EOFError):
        print("error: Login cancelled.", file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - a terminal user gets words, the traceback is not for them
        message, hint = describe(exc)
        print(f"error: {message}\n{hint}", file=sys.stderr)
    return 1


def login(collections=(), logout: bool = False,
          then: str = "Now: git annex enableremote globus, then datalad get <path>.") -> int:
    """The toolkit's terminal login, behind both ``git-annex-remote-globus setup`` and
    ``python -m neurodata_widgets.globus.login``; returns the exit status (errors are printed)."""
    return _reporting_errors(_setup, list(collections), logout, then)


def _setup(collections: list[str], logout: bool, then: str) -> int:
    from .client import LOGIN_SCOPES, https_scope
    from .conp import is_collection_id

    client = toolkit_client()
    if logout:
        client.logout()
        print("Logged out of Globus.")
        return 0
    granted: set[str] = set()
    if not _still_logged_in(client):
        # a collection given by id needs no lookup: its HTTPS scope joins the login (one code to paste)
        granted = {c.strip() for c in collections if is_collection_id(c)}
        _login(client, list(LOGIN_SCOPES) + [https_scope(c) for c in sorted(granted)])
    extra = []
    for name in collections:
        extra += _collection_scopes(client, name, https_granted=name.strip() in granted)
    if extra:
        _login(client, list(LOGIN_SCOPES) + extra, why=f"for {', '.join(collections)}")
    user = client.user()
    print(f"Logged in to Globus as {user.get('preferred_username', '?')}. {then}".rstrip(), flush=True)
    return 0


def _still_logged_in(client) -> bool:
    """Whether the stored login still works (an expired or revoked one is forgotten: log in afresh)."""
    from .exceptions import LoginRequired

    if not client.logged_in:
        return False
    try:
        client.user()
    except LoginRequired:
        return False
    return True


def _collection_scopes(client, name: str, https_granted: bool = False) -> list[str]:
    """Scopes a collection still needs: its HTTPS scope (unless just granted, or it has no HTTPS server), and
    data_access when Transfer asks for consent. A collection whose security policy wants a new login (high
    assurance) gets that login here, at once."""
    from .client import ConsentRequired, LOGIN_SCOPES, SessionRequired, https_scope
    from .conp import find_collection

    collection = find_collection(client, name)
    scopes = [] if https_granted or not collection.get("https_server") else [https_scope(collection["id"])]
    for _ in range(2):  # a re-login its policy asks for, then whatever consent it still needs
        try:
            client.ls(collection["id"], "/", limit=1)
        except ConsentRequired as exc:
            scopes += exc.scopes
        except SessionRequired as exc:
            _login(client, list(LOGIN_SCOPES), why=f"again: the security policy of {name} asks for it",
                   session=exc.session)
            continue
        break
    return scopes


def _login(client, scopes, why: str = "", session: dict | None = None) -> None:
    url = client.start_login("code", scopes=scopes, session=session)
    print(f"Open this link to log in to Globus{' ' + why if why else ''}, press Allow, and paste the code it shows:")
    print(url, flush=True)
    code = input("Code: ")
    client.finish_login(code)


def register(args) -> int:
    from .conp import register_files

    client = None if args.no_check else toolkit_client()
    records = register_files(args.dataset, args.endpoint, args.fileprefix, args.paths, client=client)
    done = [r for r in records if r["registered"]]
    for r in records:
        if not r["registered"]:
            print(f"not registered: {r['path']}: {r['problem']}", file=sys.stderr)
    print(f"Registered {len(done)} of {len(records)} file(s) on {args.endpoint}. "
          "Publish the git-annex branch (datalad push) so users can get them.")
    return 0 if len(done) == len(records) else 1
