"""The terminal side of ``git-annex-remote-globus``: ``setup`` (log in) and ``register`` (for maintainers).

``git-annex-remote-globus setup`` logs in with the toolkit's Globus login in copy-paste-code
mode (it works over SSH and in JupyterHub terminals): open the printed link, allow, paste
the code. ``--collection NAME_OR_ID`` also asks for what that collection needs (its HTTPS
download scope, and a data_access consent when it requires one).

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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="git-annex-remote-globus",
                                description="git-annex special remote for CONP datasets on Globus "
                                            "(run by git-annex; these commands are for you).")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("setup", help="log in to Globus (the neurodata-widgets login)")
    s.add_argument("--collection", action="append", default=[], metavar="NAME_OR_ID",
                   help="also consent to what this collection needs (repeatable)")
    s.add_argument("--logout", action="store_true", help="revoke and forget the stored login")
    r = sub.add_parser("register", help="register a dataset's annexed files as living on a collection (CONP's way)")
    r.add_argument("--endpoint", required=True, help="collection display name (or id)")
    r.add_argument("--fileprefix", default="", help="path on the collection before the dataset's files")
    r.add_argument("--dataset", default=".", help="the dataset (default: here)")
    r.add_argument("--no-check", action="store_true", help="do not check the files on the collection first")
    r.add_argument("paths", nargs="*", help="files or folders (default: all annexed files)")
    return p


def run(argv) -> int:
    args = parser().parse_args(argv)
    try:
        return setup(args) if args.command == "setup" else register(args)
    except UserError as exc:
        print(f"error: {exc.message}" + (f"\n{exc.hint}" if exc.hint else ""), file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - a terminal user gets words, the traceback is not for them
        message, hint = describe(exc)
        print(f"error: {message}\n{hint}", file=sys.stderr)
    return 1


def setup(args) -> int:
    from .client import LOGIN_SCOPES
    from .remote import toolkit_client

    client = toolkit_client()
    if args.logout:
        client.logout()
        print("Logged out of Globus.")
        return 0
    if not client.logged_in:
        _login(client, list(LOGIN_SCOPES))
    extra = []
    for name in args.collection:
        extra += _collection_scopes(client, name)
    if extra:
        _login(client, list(LOGIN_SCOPES) + extra, why=f"for {', '.join(args.collection)}")
    user = client.user()
    print(f"Logged in to Globus as {user.get('preferred_username', '?')}. "
          "Now: git annex enableremote globus, then datalad get <path>.")
    return 0


def _collection_scopes(client, name: str) -> list[str]:
    """Scopes a collection needs: its HTTPS scope, and data_access when Transfer asks for consent."""
    from .client import ConsentRequired, https_scope
    from .conp import find_collection

    collection = find_collection(client, name)
    scopes = [https_scope(collection["id"])]
    try:
        client.ls(collection["id"], "/", limit=1)
    except ConsentRequired as exc:
        scopes += exc.scopes
    return scopes


def _login(client, scopes, why: str = "") -> None:
    url = client.start_login("code", scopes=scopes)
    print(f"Open this link to log in to Globus{' ' + why if why else ''}, allow, and copy the code it shows:")
    print(url, flush=True)
    code = input("Code: ")
    client.finish_login(code)


def register(args) -> int:
    from .conp import register_files
    from .remote import toolkit_client

    client = None if args.no_check else toolkit_client()
    records = register_files(args.dataset, args.endpoint, args.fileprefix, args.paths, client=client)
    done = [r for r in records if r["registered"]]
    for r in records:
        if not r["registered"]:
            print(f"not registered: {r['path']}: {r['problem']}", file=sys.stderr)
    print(f"Registered {len(done)} of {len(records)} file(s) on {args.endpoint}. "
          "Publish the git-annex branch (datalad push) so users can get them.")
    return 0 if len(done) == len(records) else 1
