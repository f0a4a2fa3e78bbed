"""Configuration: arguments first, then ``NDW_*`` environment variables, then defaults.

Defaults point at the sandbox and the demo data, so a notebook opened with
nothing configured still has something to talk to.

==========================  ===================================================
variable                    meaning
==========================  ===================================================
``NDW_DEMO_DIR``            where the demo datasets are built (cache dir)
``NDW_SANDBOX_FILE``        JSON file a running sandbox writes its URLs to
``NDW_DATASET``             dataset a dashboard opens by default
``NDW_XNAT_URL``            XNAT server a dashboard connects to
``NDW_REGISTRY_URL``        DataLad-Registry base URL
``NDW_CATALOG``             embedded catalog file
==========================  ===================================================
"""
from __future__ import annotations

import json
import os
from pathlib import Path

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
    """Resolve one setting: explicit ``value``, else ``$NDW_<NAME>``, else ``default``."""
    if value not in (None, ""):
        return value
    env = os.environ.get("NDW_" + name.upper())
    if env not in (None, ""):
        return env
    return default


def demo_dir(value=None) -> Path:
    """Directory holding the demo datasets."""
    return Path(setting("demo_dir", value, cache_dir() / "demo")).expanduser().resolve()


def sandbox_file(value=None) -> Path:
    """File where ``neurodata-widgets sandbox`` publishes its service URLs."""
    return Path(setting("sandbox_file", value, cache_dir() / "sandbox.json")).expanduser()


def running_sandbox() -> dict:
    """Service info of a sandbox started by ``neurodata-widgets sandbox``, or ``{}``.

    The file is only trusted while the process that wrote it is alive.
    """
    path = sandbox_file()
    try:
        info = json.loads(path.read_text())
        os.kill(int(info.get("pid", -1)), 0)
    except (OSError, ValueError, TypeError):
        return {}
    return info.get("services", {})


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
