"""The credential store: DataLad credentials via datalad-next, keyring underneath.

Names follow DataLad's conventions, so a credential saved here is the one
``datalad xnat-init``/``xnat-update`` and ``datalad get`` use, and back:

* the default name of a server's credential is its URL's host part (``netloc``),
  as datalad-xnat chooses it (``https://xnat.example.org`` -> ``xnat.example.org``);
* properties live in ``datalad.credential.<name>.user`` (global git config), the secret
  in the keyring under ``datalad-<name>``;
* ``DATALAD_CREDENTIAL_<NAME>_USER`` / ``_PASSWORD`` environment variables win
  (``<NAME>`` upper-cased, other characters than letters and digits become ``_``).

Examples
--------
>>> from neurodata_widgets.auth.credentials import credential_name, env_prefix
>>> credential_name("https://xnat.example.org/xnat")
'xnat.example.org'
>>> env_prefix("xnat.example.org")
'DATALAD_CREDENTIAL_XNAT_EXAMPLE_ORG'
"""
from __future__ import annotations

import logging
import os
import re
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

ANONYMOUS = "anonymous"


def credential_name(url: str) -> str:
    """Default credential name of a server: the host part of its URL (datalad-xnat's choice)."""
    return urlsplit(url).netloc or url


def env_prefix(name: str) -> str:
    """Prefix of the environment variables that provide credential ``name``."""
    return "DATALAD_CREDENTIAL_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


ENCRYPTED_BACKENDS = {  # keyring backends (by module) that keep secrets encrypted or in the system's vault
    "keyring.backends.SecretService": "the desktop keyring (Secret Service), encrypted",
    "keyring.backends.kwallet": "KWallet, encrypted",
    "keyring.backends.macOS": "the macOS Keychain, encrypted",
    "keyring.backends.Windows": "the Windows Credential Manager, encrypted",
    "keyring.backends.libsecret": "the desktop keyring (libsecret), encrypted",
}


def storage_description() -> tuple[str, bool]:
    """Where "Remember" puts a password, in words, and whether it is encrypted there.

    keyring picks the backend with the highest priority, so a system keyring (encrypted) wins over the
    plain-text file of keyrings.alt whenever the system has one; this says which one it was.

    >>> text, encrypted = storage_description()
    >>> isinstance(text, str) and isinstance(encrypted, bool)
    True
    """
    try:
        import keyring

        backend = keyring.get_keyring()
    except Exception:  # no keyring at all
        return "nowhere: no keyring is available, so the password cannot be remembered", False
    backends = getattr(backend, "backends", None) or [backend]  # a ChainerBackend writes to its first
    first = backends[0] if backends else backend
    module = type(first).__module__
    for prefix, words in ENCRYPTED_BACKENDS.items():
        if module.startswith(prefix):
            return words, True
    path = getattr(first, "file_path", "")
    if type(first).__name__ == "EncryptedKeyring":
        return f"an encrypted file ({path})", True
    if path:
        return f"a plain-text file readable by your user account ({path}; encoded, not encrypted)", False
    return f"the keyring backend {type(first).__name__}", False


class CredentialStore:
    """Read, save and remove user/password credentials in DataLad's credential store.

    Parameters
    ----------
    manager : datalad_next.credman.CredentialManager, optional
        Default: one bound to DataLad's global configuration.

    Examples
    --------
    >>> store = CredentialStore()                                   # doctest: +SKIP
    >>> store.save("xnat.example.org", "alice", "s3cret")           # doctest: +SKIP
    >>> store.get("xnat.example.org")["user"]                       # doctest: +SKIP
    'alice'
    """

    def __init__(self, manager=None):
        self._manager = manager

    @property
    def manager(self):
        if self._manager is None:
            import datalad
            from datalad_next.credman import CredentialManager

            self._manager = CredentialManager(datalad.cfg)
        return self._manager

    def get(self, name: str) -> dict | None:
        """``{"name", "user", "password", "source"}`` for ``name``, or ``None`` if nothing is stored."""
        prefix = env_prefix(name)
        user, password = os.environ.get(prefix + "_USER"), os.environ.get(prefix + "_PASSWORD")
        if password:
            return {"name": name, "user": user, "password": password, "source": "environment"}
        cred = self.manager.get(name, _prompt=None, _type_hint="user_password")
        if not cred or not cred.get("secret"):
            return None
        return {"name": name, "user": cred.get("user") or user, "password": cred["secret"],
                "source": "legacy keyring" if cred.get("_from_backend") == "legacy" else "credential store"}

    def save(self, name: str, user: str, password: str, **properties) -> None:
        """Store a user/password credential (``properties`` such as ``realm`` are kept with it)."""
        self.manager.set(name, type="user_password", user=user, secret=password, _lastused=True,
                         **{k: v for k, v in properties.items() if v})
        # the config cache keys on ~/.gitconfig's mtime; the write may have gone elsewhere
        # (GIT_CONFIG_GLOBAL), so make this process see it now
        self.manager._cfg.reload(force=True)
        # datalad-core's downloaders (the `datalad` special remote behind `datalad get`, and
        # datalad-xnat) read the keyring fields `user`/`password`, not datalad-next's `secret`.
        from datalad.support.keyring_ import keyring

        keyring.set(name, "user", user)
        keyring.set(name, "password", password)

    def remove(self, name: str) -> bool:
        """Forget credential ``name``; ``True`` if there was one."""
        from datalad.support.keyring_ import keyring

        removed = bool(self.manager.remove(name, type_hint="user_password"))
        for field in ("password", "user"):
            try:
                if keyring.get(name, field) is not None:
                    keyring.delete(name, field)
                    removed = True
            except Exception:  # a keyring without the field is what we want
                log.debug("could not delete %s/%s from the keyring", name, field, exc_info=True)
        self.manager._cfg.reload(force=True)
        return removed
