"""Log in to Globus from a terminal: the same login as ``git-annex-remote-globus setup``.

``python -m neurodata_widgets.globus.login [--collection ID] [--logout]`` runs
:func:`neurodata_widgets.globus.remote_cli.login`, the one terminal login of the toolkit (the
token file the notebook widgets use). Use this form when the environment's scripts folder is
not on ``PATH``. It prints a link; open it, press Allow, paste the code shown. ``--collection``
also grants that collection's HTTPS access; given by id before you are logged in, it is asked
for in the same link.

Examples
--------
>>> from neurodata_widgets.globus.login import parser
>>> parser().parse_args(["--collection", "FRDR_Prod_2"]).collection
['FRDR_Prod_2']
"""
from __future__ import annotations

import argparse
import sys


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m neurodata_widgets.globus.login",
                                description="Log in to Globus (the same login as `git-annex-remote-globus setup`).")
    p.add_argument("--collection", action="append", default=[], metavar="NAME_OR_ID",
                   help="also allow HTTPS access to this collection (repeatable)")
    p.add_argument("--logout", action="store_true", help="revoke and forget the stored login")
    return p


def main(argv=None) -> int:
    from .remote_cli import login

    args = parser().parse_args(argv)
    return login(args.collection, logout=args.logout, then="Now run the get again.")


if __name__ == "__main__":
    sys.exit(main())
