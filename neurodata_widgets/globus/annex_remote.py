"""``git-annex-remote-ndw-globus``: DataLad's ``uncurl`` remote for ``globus://`` URLs, resolved when you get.

Datasets registered with :func:`neurodata_widgets.globus.annex.register` record files as
``globus://<collection id>/<path>``. This special remote is datalad-next's ``uncurl`` remote
with two things added, at the moment ``datalad get`` (or ``git annex get``) runs:

* the collection's HTTPS address is looked up again through Globus Transfer (with the login stored
  by the toolkit), so a dataset keeps working when the server moved (a restarted sandbox has a new
  port), and the credential git-annex sends is renewed with the collection's own HTTPS token
  (nothing for a public collection);
* when a download fails, the message says why (not logged in, consent missing, login expired)
  and how to log in again, on the command line too.

Without a Globus configuration it behaves exactly like ``uncurl`` with the recorded address.

Examples
--------
Set up by ``register()``; by hand it is::

    git annex initremote globus-1c5e4a52 type=external externaltype=ndw-globus encryption=none \\
        autoenable=true 'match=globus://<collection id>/(?P<path>.*)$' 'url=<https_server>/{path}'
"""
from __future__ import annotations

import os
import re

from annexremote import RemoteError
from datalad_next.annexremotes import super_main as _super_main
from datalad_next.annexremotes.uncurl import UncurlRemote

LOGIN_COMMAND = "git-annex-remote-globus setup"
_COLLECTION = re.compile(r"globus://([0-9a-fA-F-]{36})/")


def login_advice(collection_id: str = "") -> str:
    """What to do when a get fails for want of a login: the toolkit's one terminal login.

    >>> login_advice("1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a001")
    'Log in to Globus again (`git-annex-remote-globus setup --collection 1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a001` in a terminal, or the Globus login widget in a notebook), then run the get again.'
    """
    command = f"{LOGIN_COMMAND} --collection {collection_id}" if collection_id else LOGIN_COMMAND
    return (f"Log in to Globus again (`{command}` in a terminal, or the Globus login widget in a "
            "notebook), then run the get again.")


class GlobusHttpsRemote(UncurlRemote):
    """``uncurl`` plus a Globus lookup of the collection's HTTPS address and token at get time."""

    def prepare(self) -> None:
        super().prepare()
        self.problem: str | None = None
        self.collection_id = ""
        found = _COLLECTION.search(" ".join(m.pattern for m in self.match or []))
        if not found:
            return
        collection_id = self.collection_id = found.group(1)
        try:
            if not _globus_configured():
                return
            from .annex import refresh_credential
            from .client import GlobusClient

            client = GlobusClient()
            https_server = client.collection(collection_id)["https_server"].rstrip("/")
            self.url_tmpl = https_server + "/{path}"  # the address now, not the one recorded
            refresh_credential(self.repo.pathobj, client, collection_id, https_server)
        except Exception as exc:  # keep the recorded address; the reason goes into any failure message
            from ..errors import describe

            message, hint = describe(exc)
            self.problem = f"{message} {hint}".strip()
            self.message(f"Globus lookup of {collection_id} failed: {self.problem}", type="debug")

    def transfer_retrieve(self, key: str, filename: str) -> None:
        try:
            super().transfer_retrieve(key, filename)
        except Exception as exc:  # RemoteError, or a connection error uncurl lets through
            why = f"Globus: {self.problem} " if getattr(self, "problem", None) else \
                "The Globus collection refused the download (your login may have expired). "
            raise RemoteError(f"{exc}. {why}{login_advice(getattr(self, 'collection_id', ''))}") from exc


def _globus_configured() -> bool:
    """Only talk to Globus if the user configured one (never start anything from a special remote)."""
    from ..config import running_sandbox, setting

    return bool(os.environ.get("GLOBUS_SDK_SERVICE_URL_AUTH") or running_sandbox().get("globus")
                or setting("globus_client_id", None))


def main():
    """Entry point of ``git-annex-remote-ndw-globus``."""
    _super_main(cls=GlobusHttpsRemote, remote_name="ndw-globus",
                description="Globus collection files over HTTPS, address and token looked up at get time")
