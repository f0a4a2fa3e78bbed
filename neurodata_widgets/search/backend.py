"""What a search runs against: an embedded catalog or a remote DataLad-Registry.

Examples
--------
>>> backend("http://127.0.0.1:8765").base_url
'http://127.0.0.1:8765'
"""
from __future__ import annotations

from ..config import running_sandbox, setting
from .catalog import Catalog
from .ingest import default_catalog
from .registry import RegistryClient


def backend(value=None):
    """What to search: a given catalog or client; a URL (registry) or a path (catalog file); else the default.

    The default is the registry from ``$NDW_REGISTRY_URL`` or a running sandbox, else the user's
    own catalog (built from the demo datasets when empty), so a notebook works offline.
    """
    if value is not None and not isinstance(value, str):
        return value
    if isinstance(value, str):
        return RegistryClient(value) if value.startswith(("http://", "https://")) else Catalog(value)
    if setting("registry_url") or running_sandbox().get("registry", {}).get("url"):
        return RegistryClient()
    return default_catalog()
