"""An offline Voila template: Voila's ``lab`` template without its CDN stylesheet links.

Voila's stock template links Font Awesome from a CDN although its own bundle already
carries the icon font; dashboards must work offline and tests fail on any non-loopback
request. The template ``ndw`` extends the installed Voila's ``lab`` template (so it follows
Voila upgrades) and drops those lines. It ships in the package and the wheel installs it
where Voila looks (``<prefix>/share/jupyter/voila/templates/ndw``), so after
``pip install "neurodata-widgets[dashboards]"`` a plain shell can run::

    voila --template=ndw portal.ipynb

:func:`voila_environ` also points ``JUPYTER_PATH`` at the package's copy (an editable
install from a clone has no ``share/`` copy).

Examples
--------
>>> from neurodata_widgets.portal.voila_template import template_root
>>> (template_root() / "voila" / "templates" / "ndw" / "conf.json").is_file()
True
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

TEMPLATE = "ndw"


def template_root() -> Path:
    """The ``JUPYTER_PATH`` entry holding ``voila/templates/ndw`` inside the package."""
    return Path(__file__).resolve().with_name("jupyter")


def ensure_template(target_root=None) -> str:
    """Copy the ``ndw`` template into ``target_root`` (a ``JUPYTER_PATH`` entry; default: the package's own) and
    return that entry."""
    source = template_root()
    if target_root is None:
        return str(source)
    target = Path(target_root) / "voila" / "templates" / TEMPLATE
    shutil.copytree(source / "voila" / "templates" / TEMPLATE, target, dirs_exist_ok=True)
    return str(target_root)


def voila_environ(env=None) -> dict:
    """``env`` (default ``os.environ``) with ``JUPYTER_PATH`` extended to find the ``ndw`` template."""
    env = dict(os.environ if env is None else env)
    extra = str(template_root())
    paths = [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_PATH"] = os.pathsep.join([extra] + [p for p in paths if p != extra])
    return env
