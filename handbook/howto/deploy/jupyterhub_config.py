# JupyterHub for a lab on one server, with neurodata-widgets for every user.
#
# Copy this file to /etc/jupyterhub/jupyterhub_config.py, adapt the settings in the first block,
# and start the hub as root:   jupyterhub -f /etc/jupyterhub/jupyterhub_config.py
#
# - Users log in with their account on this machine (PAM: the system's own passwords), if they are
#   members of the group GROUP (groupadd neurodata; usermod -aG neurodata alice).
# - Each user's server runs as that operating-system account (LocalProcessSpawner), from the shared
#   environment ENV (a venv every user can read, e.g. /opt/neurodata-widgets, with
#   `pip install "neurodata-widgets[dashboards]" jupyterhub`). Make home folders 700 (chmod 700 /home/*):
#   tokens, keyrings, DataLad credentials and downloads live there.
# - The portal opens from JupyterLab's launcher ("Neurodata portal").
# - TRAINING_SANDBOX = True adds a shared practice sandbox (stand-ins of XNAT, Globus and DataLad-Registry)
#   as a hub service, with an XNAT account of their own for each member of GROUP. Set it to False and set
#   NDW_XNAT_URL / NDW_GLOBUS_CLIENT_ID / NDW_REGISTRY_URL below to serve your real servers.
import grp
import os

c = get_config()  # noqa: F821  (JupyterHub provides it)

# --- adapt these -------------------------------------------------------------------------------------------
GROUP = "neurodata"                               # who may log in
ENV = "/opt/neurodata-widgets"                    # the users' environment (a venv readable by all of them)
STATE = "/srv/jupyterhub"                         # the hub's database and cookie secret (root only)
SANDBOX_DIR = "/srv/neurodata-widgets"            # the practice sandbox's files (one per user, 0600)
TRAINING_SANDBOX = True
SERVICES = {
    # "NDW_XNAT_URL": "https://xnat.example.org",
    # "NDW_GLOBUS_CLIENT_ID": "<your lab's native app client id>",   # one registration for the whole hub
    # "NDW_REGISTRY_URL": "https://registry.example.org",            # your DataLad-Registry instance
}
c.JupyterHub.bind_url = "http://:8000"            # put HTTPS in front (a reverse proxy) or set ssl_cert/ssl_key
c.JupyterHub.hub_bind_url = "http://127.0.0.1:8081"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:8001"
c.ConfigurableHTTPProxy.command = ["configurable-http-proxy"]   # npm install -g configurable-http-proxy
# ------------------------------------------------------------------------------------------------------------

c.JupyterHub.db_url = f"sqlite:///{STATE}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{STATE}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = f"{STATE}/jupyterhub.pid"

c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {GROUP}
c.PAMAuthenticator.open_sessions = False          # no login session (utmp, systemd) per server

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [f"{ENV}/bin/jupyterhub-singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "PATH": f"{ENV}/bin:/usr/local/bin:/usr/bin:/bin",  # terminals and the launcher find the environment's tools
    **SERVICES,
}
c.JupyterHub.shutdown_on_logout = False           # logging out of the hub leaves the user's running work alone


def _members(group):
    try:
        return sorted(grp.getgrnam(group).gr_mem)
    except KeyError:
        return []


services, roles = [], []
if TRAINING_SANDBOX:
    services.append({
        "name": "neurodata-sandbox",
        "command": [f"{ENV}/bin/neurodata-widgets", "sandbox", "--file", f"{SANDBOX_DIR}/sandbox.json",
                    "--accounts", ",".join(_members(GROUP)), "--accounts-dir", f"{SANDBOX_DIR}/users"],
        "environment": {"NDW_DEMO_DIR": f"{SANDBOX_DIR}/demo", "HOME": SANDBOX_DIR,
                        "PATH": f"{ENV}/bin:/usr/local/bin:/usr/bin:/bin"},
    })
    # each user's server uses the sandbox through the file holding their account alone
    c.Spawner.environment["NDW_SANDBOX"] = lambda spawner: f"{SANDBOX_DIR}/users/{spawner.user.name}.json"

# the hub's own admin API for your scripts (stop, start, list servers); keep the token secret
if os.environ.get("NDW_HUB_ADMIN_TOKEN"):
    services.append({"name": "lab-admin", "api_token": os.environ["NDW_HUB_ADMIN_TOKEN"]})
    roles.append({"name": "lab-admin", "scopes": ["admin:users", "admin:servers", "list:users"],
                  "services": ["lab-admin"]})
c.JupyterHub.services = services
c.JupyterHub.load_roles = roles
