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


REGISTER_APP = ("Register one, once, at https://app.globus.org/settings/developers: choose \"Register a thick "
                "client or script that will be installed and run by users on their devices\", give it any name, "
                "and copy its Client UUID. Put it in the environment as NDW_GLOBUS_CLIENT_ID=<id>, or in "
                "~/.config/neurodata-widgets/config.toml as globus_client_id = \"<id>\" (for a whole hub: "
                "in <environment>/etc/neurodata-widgets/config.toml or /etc/neurodata-widgets/config.toml).")


def not_configured() -> str:
    """What to do when no Globus is configured (said by the remote, its command line and the login widget)."""
    return ("Globus needs a client id for neurodata-widgets before you can log in. " + REGISTER_APP
            + " (To try the toolkit without Globus: `neurodata-widgets sandbox`.)")


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
