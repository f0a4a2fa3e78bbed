"""The "Neurodata portal" entry of JupyterLab's launcher (through jupyter-server-proxy).

Installing ``neurodata-widgets[dashboards]`` registers :func:`portal_server` under the entry point group
``jupyter_serverproxy_servers``. JupyterLab (or a JupyterHub single-user server) then shows a
"Neurodata portal" tile; clicking it starts, for that user only, Voila on the packaged portal and opens
``<server>/neurodata-portal/``. The server's own login guards that address; Voila itself listens on a
unix socket in a private folder (mode 0600), so no other account on the machine can reach it or its
kernels. The portal uses what the user's environment configures (``NDW_XNAT_URL`` …) and otherwise asks
for its servers; it never starts a sandbox.

Examples
--------
>>> from neurodata_widgets.portal.launcher import portal_server
>>> cfg = portal_server()
>>> cfg["unix_socket"], cfg["launcher_entry"]["title"]
(True, 'Neurodata portal')
>>> [a for a in cfg["command"] if a.startswith(("--sock", "--Voila.base_url", "--Voila.server_url"))]
['--sock={unix_socket}', '--Voila.base_url={base_url}neurodata-portal/', '--Voila.server_url=/']
"""
from __future__ import annotations

from pathlib import Path

#: the path under the Jupyter server (and the entry point's name: jupyter-server-proxy serves it there)
NAME = "neurodata-portal"
TITLE = "Neurodata portal"
ICON = Path(__file__).with_name("static") / "portal-icon.svg"
#: seconds Voila may take to answer the first time (it imports the toolkit; a loaded hub is slow)
START_TIMEOUT = 120


def portal_server() -> dict:
    """jupyter-server-proxy's configuration of the portal process (``{unix_socket}``, ``{base_url}`` filled in by it)."""
    from .dashboards import portal_notebook
    from .serve import voila_command

    return {
        "command": voila_command(portal_notebook(), sock="{unix_socket}", base_url="{base_url}" + NAME + "/",
                                 server_url="/"),
        "unix_socket": True,
        "timeout": START_TIMEOUT,
        "launcher_entry": {"title": TITLE, "icon_path": str(ICON), "category": "Notebook"},
    }
