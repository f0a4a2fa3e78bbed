"""The Globus client the toolkit is configured for, as git-annex-remote-globus and its command line use it.

Examples
--------
>>> "NDW_GLOBUS_CLIENT_ID" in not_configured()
True
"""
from __future__ import annotations

import os

from .. import errors
from ..config import running_sandbox, setting
from .client import GlobusClient


def not_configured() -> str:
    """What to do when no Globus is configured (said by the remote and its command line)."""
    return ("Globus is not configured for neurodata-widgets: set NDW_GLOBUS_CLIENT_ID to your native app's "
            "client id (or start `neurodata-widgets sandbox` to use the sandbox).")


def toolkit_client(required: bool = True):
    """The toolkit's Globus client for the remote, or ``None`` (``required=False``) if Globus is not configured.

    A remote must never start a sandbox of its own: it uses the Globus the toolkit is
    configured for (environment, a running ``neurodata-widgets sandbox``, or a client id).
    """
    if not (os.environ.get("GLOBUS_SDK_SERVICE_URL_AUTH") or running_sandbox().get("globus")
            or setting("globus_client_id")):
        if required:
            raise errors.UserError(not_configured(), "")
        return None
    return GlobusClient()
