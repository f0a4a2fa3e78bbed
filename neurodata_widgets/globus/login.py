"""Log in to Globus from a terminal: ``python -m neurodata_widgets.globus.login``.

The same login the notebook widgets use (the same token file), for when a command-line
``datalad get`` of Globus-registered files says the login expired. It prints a link; open it,
press Allow, paste the code shown. ``--collection <id>`` also grants a collection's HTTPS
access (its own scope) in the same step.

Examples
--------
::

    $ python -m neurodata_widgets.globus.login --collection 1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a001
    Open this link, press Allow, and paste the code shown:
    http://127.0.0.1:.../v2/oauth2/authorize?...
    Code: ...
    Logged in to Globus as demo@globusid.org
"""
from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    from ..errors import describe
    from .client import LOGIN_SCOPES, GlobusClient, https_scope

    parser = argparse.ArgumentParser(prog="python -m neurodata_widgets.globus.login", description=__doc__.split("\n")[0])
    parser.add_argument("--collection", action="append", default=[], help="also allow HTTPS access to this collection")
    args = parser.parse_args(argv)
    try:
        client = GlobusClient()
        url = client.start_login("code", scopes=list(LOGIN_SCOPES) + [https_scope(c) for c in args.collection])
        print("Open this link, press Allow, and paste the code shown:", url, sep="\n", flush=True)
        user = client.finish_login(input("Code: "))
    except (Exception, KeyboardInterrupt) as exc:
        message, hint = describe(exc) if isinstance(exc, Exception) else ("Login cancelled.", "")
        print(f"error: {message} {hint}".rstrip(), file=sys.stderr)
        return 1
    print(f"Logged in to Globus as {user.get('preferred_username')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
