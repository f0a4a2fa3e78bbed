"""Configuration: arguments, then ``NDW_*`` environment variables, then configuration files, then the chosen sandbox.

A configuration file is TOML with the settings' names in lower case, without ``NDW_``
(``globus_client_id = "..."``). The first file that names a setting wins: the user's
(``~/.config/neurodata-widgets/config.toml``), then the installation's
(``<sys.prefix>/etc/neurodata-widgets/config.toml``, one per environment: a hub's), then the
machine's (``/etc/neurodata-widgets/config.toml``). So an administrator sets a hub's Globus
client id once, for every user.

The sandbox is never stumbled into: a widget talks to a stand-in only when one was chosen,
by starting a :class:`~neurodata_widgets.sandbox.runner.Sandbox` in this process or with
``NDW_SANDBOX`` (``1`` for the file ``neurodata-widgets sandbox`` publishes, or that file's
path). With nothing configured a widget asks for what it needs. A notebook whose chosen
sandbox went away says so (:class:`SandboxGone`) instead of quietly talking to something else.

==========================  ===================================================
variable                    meaning
==========================  ===================================================
``NDW_SANDBOX``             the sandbox to use: ``1`` (default file) or a path
``NDW_SANDBOX_FILE``        JSON file ``neurodata-widgets sandbox`` publishes to
``NDW_DEMO_DIR``            where the demo datasets are built (cache dir)
``NDW_DATASET``             dataset a dashboard opens by default
``NDW_XNAT_URL``            XNAT server a dashboard connects to
``NDW_REGISTRY_URL``        DataLad-Registry base URL
``NDW_CATALOG``             embedded catalog file
``NDW_LOG_FILE``            file the toolkit's log (with tracebacks) goes to
==========================  ===================================================

Examples
--------
>>> from neurodata_widgets import config
>>> config.setting("dataset", "/data/my-study")          # an argument wins over NDW_DATASET
'/data/my-study'
>>> config.setting("example_only", default="the default")  # nothing given, no NDW_EXAMPLE_ONLY set
'the default'
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .user_error import UserError

APP_NAME = "neurodata-widgets"


def cache_dir() -> Path:
    """The user's cache directory for this toolkit (``$XDG_CACHE_HOME/neurodata-widgets``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / APP_NAME


def config_dir() -> Path:
    """The user's configuration directory (tokens live here, mode 0600)."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / APP_NAME


def setting(name: str, value=None, default=None):
    """Resolve one setting: explicit ``value``, else ``$NDW_<NAME>``, else a configuration file, else ``default``."""
    if value not in (None, ""):
        return value
    env = os.environ.get("NDW_" + name.upper())
    if env not in (None, ""):
        return env
    for path in config_files():
        found = _read_config_file(path).get(name.lower())
        if found not in (None, ""):
            return str(found)
    return default


def config_files() -> list[Path]:
    """The configuration files read, first wins: the user's, this installation's (``sys.prefix``), the machine's."""
    import sys

    return [config_dir() / "config.toml", Path(sys.prefix) / "etc" / APP_NAME / "config.toml",
            Path("/etc") / APP_NAME / "config.toml"]


_PARSED: dict = {}  # path -> (mtime, settings)


def _read_config_file(path: Path) -> dict:
    """The settings of one TOML file (``{}`` when it is missing); a broken file says where it is broken."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return {}
    cached = _PARSED.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"The configuration file {path} cannot be read: {exc}.",
                        'Fix it (TOML: one `name = "value"` per line) or remove it.') from exc
    _PARSED[path] = (mtime, data)
    return data


def demo_dir(value=None) -> Path:
    """Directory holding the demo datasets."""
    return Path(setting("demo_dir", value, cache_dir() / "demo")).expanduser().resolve()


def sandbox_file(value=None) -> Path:
    """File where ``neurodata-widgets sandbox`` publishes its service URLs."""
    return Path(setting("sandbox_file", value, cache_dir() / "sandbox.json")).expanduser()


class SandboxGone(UserError):
    """The sandbox chosen with ``NDW_SANDBOX`` is not running (stopped, or never started)."""

    def __init__(self, path: Path, why: str):
        super().__init__(f"The demo sandbox this notebook was set to use is not running ({why}).",
                         f"Start it again (`neurodata-widgets sandbox` or `make demo`) and restart the kernel, "
                         f"or unset NDW_SANDBOX to use real servers. Its file: {path}")
        self.path = path


_SANDBOX_WORDS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False,
                  "off": False}
_STARTED_HERE: dict = {}  # service name -> info of sandbox services this process started (explicitly)


def chosen_sandbox_file() -> Path | None:
    """The published file ``NDW_SANDBOX`` chooses (``1``: the default file; a path: that file), else ``None``."""
    choice = setting("sandbox")
    if choice is None:
        return None
    word = _SANDBOX_WORDS.get(str(choice).strip().lower())
    if word is False:
        return None
    return sandbox_file() if word else Path(choice).expanduser()


def read_published(path: Path) -> dict | None:
    """The content of a sandbox's published file while the process that wrote it is alive, else ``None``."""
    try:
        info = json.loads(Path(path).read_text())
        os.kill(int(info.get("pid", -1)), 0)
    except PermissionError:  # alive, but another account's (a hub's shared sandbox, run as a service)
        return info
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    return info


def on_jupyterhub() -> bool:
    """Whether this process runs in a JupyterHub user's server (the hub sets ``JUPYTERHUB_*`` variables there).

    On a hub the browser and the kernel are on different machines: a login that waits for a loopback
    callback cannot work, so logins default to pasting a code.
    """
    return bool(os.environ.get("JUPYTERHUB_API_URL") or os.environ.get("JUPYTERHUB_SERVICE_PREFIX"))


def selected_sandbox() -> dict:
    """Service info (``{"xnat": {"url", ...}, ...}``) of the sandbox chosen for this process, or ``{}``.

    Chosen means started in this process, or named by ``NDW_SANDBOX``; a chosen file whose
    sandbox is not running raises :class:`SandboxGone`.
    """
    path = chosen_sandbox_file()
    if path is None:
        return dict(_STARTED_HERE)
    info = read_published(path)
    if info is None:
        why = "its file is gone" if not path.exists() else "the process that published it has ended"
        raise SandboxGone(path, why)
    return {**_STARTED_HERE, **info.get("services", {})}


# the name the clients use
running_sandbox = selected_sandbox


def remember_sandbox(services: dict) -> None:
    """Called by a sandbox started in this process: its services count as chosen."""
    _STARTED_HERE.update(services)


def forget_sandbox(services: dict) -> None:
    """Called by a sandbox of this process when it stops (another one's services stay chosen)."""
    for name, info in services.items():
        if _STARTED_HERE.get(name) == info:
            del _STARTED_HERE[name]


def is_sandbox(url: str | None) -> bool:
    """Whether ``url`` is one of the chosen sandbox's stand-ins (then widgets show a "demo sandbox" badge)."""
    if not url:
        return False
    try:
        services = selected_sandbox()
    except SandboxGone:
        return False
    url = url.rstrip("/")
    for entry in services.values():
        for key in ("url", "auth_url", "transfer_url"):
            if isinstance(entry, dict) and str(entry.get(key) or "").rstrip("/") == url:
                return True
    return False


def sandbox_login(service: str, url: str | None) -> dict | None:
    """The demo login of the chosen sandbox's ``service`` when ``url`` is that stand-in, else ``None``.

    The demo password lives only in the sandbox process and the file it publishes (mode 0600).
    """
    try:
        entry = selected_sandbox().get(service) or {}
    except SandboxGone:
        return None
    if url and str(entry.get("url", "")).rstrip("/") == url.rstrip("/") and entry.get("password"):
        return {"user": entry.get("user"), "password": entry["password"], "source": "sandbox"}
    return None


def log_file(value=None) -> Path | None:
    """The file the toolkit logs to (``$NDW_LOG_FILE``), named by error messages; ``None`` when not set."""
    found = setting("log_file", value)
    return Path(found).expanduser() if found else None


def setup_log_file() -> None:
    """Send the toolkit's log (tracebacks included) to :func:`log_file` when one is set (idempotent)."""
    import logging

    path = log_file()
    if path is None:
        return
    logger = logging.getLogger("neurodata_widgets")
    if any(getattr(h, "_ndw_log_file", None) == str(path) for h in logger.handlers):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return
    handler._ndw_log_file = str(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(name)s %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)


def query_params() -> dict:
    """URL query parameters of the page when running under Voila (``?dataset=...``), else ``{}``.

    In a preheated Voila kernel (``--preheat_kernel``) the page's request has not arrived
    yet: this call waits for it, so everything a dashboard does before reading its
    parameters (imports, building widgets) is done ahead of the visitor.
    """
    from urllib.parse import parse_qs

    if os.environ.get("VOILA_PREHEAT") == "True" and "QUERY_STRING" not in os.environ:
        from voila.utils import wait_for_request

        wait_for_request()
    raw = os.environ.get("QUERY_STRING", "")
    return {k: v[-1] for k, v in parse_qs(raw).items()}


def read_user_json(name: str) -> dict:
    """A JSON file of the user's configuration directory (``{}`` when absent or unreadable)."""
    try:
        found = json.loads((config_dir() / name).read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def write_user_json(name: str, data: dict) -> None:
    """Write a JSON file of the user's configuration directory: mode 0600 (it is the user's own), atomically."""
    import tempfile

    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=folder)  # created 0600
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh)
        os.replace(temporary, folder / name)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
