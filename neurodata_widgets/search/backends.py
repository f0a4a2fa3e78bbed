"""What to search: a catalog file, a registry URL, or the default (a running sandbox's registry, else the user's catalog).

Kept apart from the catalog, the registry client and ingest, which it chooses between, so
that none of those imports another.

Examples
--------
>>> from neurodata_widgets.search.catalog import Catalog
>>> cat = Catalog(":memory:")
>>> backend(cat) is cat
True
"""
from __future__ import annotations

from ..config import running_sandbox, setting
from .registry import RegistryClient


def backend(value=None):
    """What to search: a given catalog or client; a URL (registry) or a path (catalog file); else the default.

    The default is the registry from ``$NDW_REGISTRY_URL`` or the chosen sandbox, else the user's
    own catalog (``$NDW_CATALOG``; empty until they catalogue something), so a notebook works offline.
    """
    from .catalog import Catalog

    if value is not None and not isinstance(value, str):
        return value
    if isinstance(value, str):
        return RegistryClient(value) if value.startswith(("http://", "https://")) else Catalog(value)
    if running_sandbox().get("registry", {}).get("url") or setting("registry_url"):  # a gone sandbox says so
        return RegistryClient()
    from .ingest import default_catalog

    return default_catalog()
