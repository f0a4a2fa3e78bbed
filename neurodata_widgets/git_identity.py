"""Who the toolkit's commits are made by when the account has no git identity (a fresh Binder or hub account).

git refuses to commit without ``user.name`` and ``user.email`` ("Author identity unknown"), and
git-annex, which commits to its ``git-annex`` branch on every ``get``, fails the same way
("failed to read sha from git commit-tree"). A fresh account has neither, and git's guess from
the host name is either refused or a made-up address. So the toolkit keeps a
**per-environment identity** in its own config folder (``identity.json`` in
:func:`neurodata_widgets.config.config_dir`) and hands it to every git, git-annex and DataLad
process it starts, without ever writing the user's ``~/.gitconfig``:

- it is git configuration at the lowest level, *system* (``GIT_CONFIG_SYSTEM`` points to a small
  file of the toolkit's that sets ``user.name``/``user.email`` and then includes the machine's
  own system file), so **a user's own identity always wins**: one in ``~/.gitconfig``, in a
  dataset's ``.git/config``, the machine's ``/etc/gitconfig`` or ``GIT_AUTHOR_*`` variables;
- importing :mod:`neurodata_widgets` (and the command-line entry points) applies it to
  ``os.environ``, which every subprocess inherits (DataLad's Python API runs git in subprocesses);
- until the user chooses, it defaults to the account's full name (or user name; a JupyterHub
  user's name) and ``user@host`` (or ``$EMAIL``). The page shows it once with a Change form,
  ``neurodata-widgets identity --name … --email …`` changes it, and so does :func:`set_identity`.

Examples
--------
>>> import neurodata_widgets as ndw
>>> me = ndw.identity()                 # your own git identity if you have one, else the toolkit's
>>> me.source in ("git", "toolkit")
True
>>> Identity("Ada Lovelace", "ada@example.org").line()
'Changes are saved as Ada Lovelace <ada@example.org>'
>>> ndw.set_identity("", "ada@example.org")    # ndw.set_identity("Ada Lovelace", "ada@example.org") keeps one
Traceback (most recent call last):
...
neurodata_widgets.user_error.UserError: A name is needed: git records it with every change.
"""
from __future__ import annotations

import json
import os
import zlib
from collections import namedtuple
from pathlib import Path

from .user_error import UserError

WRAPPER_PREFIX = "ndw-git-system-"
_ORIGINAL = "NDW_ORIGINAL_GIT_CONFIG_SYSTEM"  # the system config file in effect before ours ("" when none)
_ENV_KEYS = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")
_FALLBACK = "NDW_GIT_IDENTITY_ENV"  # set when the identity went into GIT_AUTHOR_* (system config switched off)


class Identity(namedtuple("Identity", "name email source chosen", defaults=("toolkit", False))):
    """The name and email commits are made with, and where they come from.

    ``source`` is ``"toolkit"`` (this toolkit's per-environment identity) or ``"git"`` (the user's
    own git configuration or ``GIT_AUTHOR_*`` variables, which win); ``chosen`` says whether the
    user confirmed or set the toolkit's identity (the page asks once while it is ``False``).
    """

    __slots__ = ()

    def line(self) -> str:
        """What the page shows: ``Changes are saved as Name <email>``."""
        return f"Changes are saved as {self.name} <{self.email}>"


def _store() -> Path:
    from .config import config_dir

    return config_dir() / "identity.json"


def _account() -> tuple[str, str]:
    """The account's user name and full name (GECOS), as far as the system knows them."""
    user = os.environ.get("JUPYTERHUB_USER") or ""
    full = ""
    try:
        import pwd

        entry = pwd.getpwuid(os.getuid())
        full = entry.pw_gecos.split(",")[0].strip()
        user = user or entry.pw_name
    except (ImportError, KeyError, OSError):
        pass
    if not user:  # pragma: no cover - a process without an account
        user = os.environ.get("USER") or os.environ.get("LOGNAME") or "user"
    return user, full


def default_identity() -> Identity:
    """The identity offered before the user chooses one: full name or user name, ``$EMAIL`` or ``user@host``."""
    user, full = _account()
    hub = os.environ.get("JUPYTERHUB_USER")
    name = hub or full or user
    host = os.uname().nodename or "localhost"
    if "." not in host:
        host += ".local"  # git itself refuses an address without a domain
    email = os.environ.get("EMAIL") or f"{''.join(c for c in user if c.isalnum() or c in '._-') or 'user'}@{host}"
    return Identity(name=name, email=email, source="toolkit", chosen=False)


def _stored() -> Identity | None:
    try:
        found = json.loads(_store().read_text())
    except (OSError, ValueError):
        return None
    if isinstance(found, dict) and found.get("name") and found.get("email"):
        return Identity(name=str(found["name"]), email=str(found["email"]), source="toolkit", chosen=True)
    return None


def toolkit_identity() -> Identity:
    """The per-environment identity: the one the user chose, else the default."""
    return _stored() or default_identity()


def _clean(value: str, what: str) -> str:
    value = " ".join(str(value or "").split())
    if any(c in value for c in "<>\n\0"):
        raise UserError(f"The {what} cannot contain < or >.", f"Type the {what} alone, e.g. Ada Lovelace.")
    return value


def set_identity(name: str, email: str) -> Identity:
    """Choose the identity the toolkit's commits are made with (kept for this environment) and apply it.

    Your own git identity (``git config --global user.name``) still wins where you have one.
    """
    name, email = _clean(name, "name"), _clean(email, "email")
    if not name:
        raise UserError("A name is needed: git records it with every change.", "Type your name, e.g. Ada Lovelace.")
    if "@" not in email or " " in email:
        raise UserError(f"{email or 'An empty email'} is not an email address.",
                        "Type an address such as ada@example.org (it is stored in the dataset's history).")
    store = _store()
    store.parent.mkdir(parents=True, exist_ok=True)
    temporary = store.with_name(f".{store.name}.{os.getpid()}")
    temporary.write_text(json.dumps({"name": name, "email": email}, indent=1) + "\n")
    os.replace(temporary, store)
    chosen = Identity(name=name, email=email, source="toolkit", chosen=True)
    for wrapper in store.parent.glob(WRAPPER_PREFIX + "*.gitconfig"):  # running processes see it at once
        _write_wrapper(wrapper, _included(wrapper), chosen)
    apply()
    return chosen


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrapper_text(original: str, ident: Identity) -> str:
    text = ("# neurodata-widgets: the identity its commits are made with when you have configured none.\n"
            "# Change it with `neurodata-widgets identity --name ... --email ...`; your own git identity\n"
            "# (git config --global user.name / user.email) always wins over this file.\n"
            f"[user]\n\tname = {_quote(ident.name)}\n\temail = {_quote(ident.email)}\n")
    if original:
        text += f"[include]\n\tpath = {_quote(original)}\n"  # the machine's own system config, after: it wins
    return text


def _included(wrapper: Path) -> str:
    for line in wrapper.read_text().splitlines():
        if line.strip().startswith("path = "):
            return json.loads(line.strip()[len("path = "):])
    return ""


def _write_wrapper(path: Path, original: str, ident: Identity) -> None:
    text = _wrapper_text(original, ident)
    try:
        if path.read_text() == text:
            return
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(text)
    os.replace(temporary, path)


def _truthy(value: str | None) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def _original_system() -> str:
    """The system git config file in effect without the toolkit (``""``: git's built-in default)."""
    current = os.environ.get("GIT_CONFIG_SYSTEM", "")
    if current and Path(current).name.startswith(WRAPPER_PREFIX):
        return os.environ.get(_ORIGINAL, "")
    return current


def _default_system_file() -> str:
    """git's own system config file (``/etc/gitconfig`` on most systems), read from git when it has one."""
    import subprocess

    try:
        out = subprocess.run(["git", "config", "--system", "--list", "--show-origin", "-z"], capture_output=True,
                             text=True, timeout=20, env={k: v for k, v in os.environ.items()
                                                         if k not in ("GIT_CONFIG_SYSTEM", _ORIGINAL)}).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    origin = out.split("\0", 1)[0]
    return origin[len("file:"):] if origin.startswith("file:") else ""


def apply() -> None:
    """Make every git process this one starts use the per-environment identity where the user has none.

    Idempotent and cheap when already applied; never writes the user's git configuration.
    """
    if _truthy(os.environ.get("GIT_CONFIG_NOSYSTEM")):
        _apply_by_environment()
        return
    ident = toolkit_identity()
    current = os.environ.get("GIT_CONFIG_SYSTEM", "")
    original = _original_system()
    if current and Path(current).name.startswith(WRAPPER_PREFIX) and _ORIGINAL in os.environ:
        target_original = original
    else:
        target_original = original or _default_system_file()
    digest = f"{zlib.crc32(target_original.encode('utf-8', 'surrogateescape')):08x}"
    try:
        wrapper = _store().parent / f"{WRAPPER_PREFIX}{digest}.gitconfig"
        _write_wrapper(wrapper, target_original, ident)
    except OSError:  # a read-only config folder: keep it to this process
        import tempfile

        wrapper = Path(tempfile.gettempdir()) / f"{WRAPPER_PREFIX}{os.getuid()}-{digest}.gitconfig"
        try:
            _write_wrapper(wrapper, target_original, ident)
        except OSError:
            _apply_by_environment()
            return
    os.environ[_ORIGINAL] = target_original
    os.environ["GIT_CONFIG_SYSTEM"] = str(wrapper)


def _apply_by_environment() -> None:
    """System config is switched off (``GIT_CONFIG_NOSYSTEM``): use ``GIT_AUTHOR_*`` when git has no identity."""
    if os.environ.get(_FALLBACK):  # ours from before: refresh
        for key in _ENV_KEYS:
            os.environ.pop(key, None)
    if any(os.environ.get(k) for k in _ENV_KEYS) or _configured("user.name") and _configured("user.email"):
        return
    ident = toolkit_identity()
    os.environ.update({"GIT_AUTHOR_NAME": ident.name, "GIT_COMMITTER_NAME": ident.name,
                       "GIT_AUTHOR_EMAIL": ident.email, "GIT_COMMITTER_EMAIL": ident.email, _FALLBACK: "1"})


def _configured(key: str, cwd=None) -> tuple[str, str] | None:
    """``(value, origin file)`` of ``key`` in git's configuration as seen from ``cwd``, or ``None``."""
    import subprocess

    try:
        proc = subprocess.run(["git", "config", "--show-origin", "-z", "--get", key], capture_output=True, text=True,
                              timeout=20, cwd=str(cwd) if cwd else None)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0 or "\0" not in proc.stdout:
        return None
    origin, value = proc.stdout.split("\0")[:2]
    return value, origin[len("file:"):] if origin.startswith("file:") else origin


def identity(path=None) -> Identity:
    """The identity a commit made by the toolkit gets (in dataset ``path`` when given): yours, or the toolkit's.

    ``source`` says which: ``"git"`` when your own git configuration or ``GIT_AUTHOR_*`` provide it.
    """
    ours = toolkit_identity()
    if os.environ.get("GIT_AUTHOR_NAME") and os.environ.get("GIT_AUTHOR_EMAIL") and not os.environ.get(_FALLBACK):
        return Identity(os.environ["GIT_AUTHOR_NAME"], os.environ["GIT_AUTHOR_EMAIL"], source="git", chosen=True)
    name, email = _configured("user.name", path), _configured("user.email", path)
    if name is None or email is None:
        return ours
    own = not (Path(name[1]).name.startswith(WRAPPER_PREFIX) and Path(email[1]).name.startswith(WRAPPER_PREFIX))
    if own:
        return Identity(name[0], email[0], source="git", chosen=True)
    return Identity(name[0], email[0], source="toolkit", chosen=ours.chosen)


# -- errors: git's and git-annex's ways of saying they do not know who you are -----------------------------------
IDENTITY_SYMPTOMS = ("author identity unknown", "committer identity unknown", "please tell me who you are",
                     "unable to auto-detect email address", "empty ident name", "auto-detection is disabled",
                     "failed to read sha from git commit-tree", "configure git before using datalad")


def is_identity_problem(text: str) -> bool:
    """Whether an error text is git (or git-annex) failing for want of a name and email."""
    low = str(text or "").lower()
    return any(symptom in low for symptom in IDENTITY_SYMPTOMS)


def identity_hint() -> tuple[str, str]:
    """The sentence and hint for an identity failure."""
    return ("git needs to know who you are to record this change, and no name and email are set up for it.",
            "Set them once in the page (Change, next to \"Changes are saved as\") or run "
            "`neurodata-widgets identity --name \"Your Name\" --email you@example.org`, then try again.")
