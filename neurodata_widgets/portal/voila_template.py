"""An offline Voila template: Voila's ``lab`` template without its CDN stylesheet links.

Voila's stock template links Font Awesome from a CDN although its own bundle already
carries the icon font; dashboards must work offline and tests fail on any non-loopback
request. :func:`ensure_template` derives the template ``ndw`` from the installed Voila
(so it follows Voila upgrades) into our cache and returns the ``JUPYTER_PATH`` entry
that makes Voila find it::

    voila --template=ndw notebooks/portal.ipynb
"""
from __future__ import annotations

import json
import os
from pathlib import Path

TEMPLATE = "ndw"


def _voila_templates_dir() -> Path:
    from jupyter_core.paths import jupyter_path

    for base in jupyter_path("voila", "templates"):
        if (Path(base) / "lab" / "index.html.j2").exists():
            return Path(base)
    raise FileNotFoundError("Voila's 'lab' template was not found; is voila installed?")


def ensure_template(target_root=None) -> str:
    """Write the ``ndw`` template (idempotent) and return the directory to add to ``JUPYTER_PATH``."""
    from ..config import cache_dir

    root = Path(target_root or cache_dir() / "jupyter")
    target = root / "voila" / "templates" / TEMPLATE
    source = _voila_templates_dir() / "lab" / "index.html.j2"
    text = "".join(line for line in source.read_text().splitlines(keepends=True) if "cdn.jsdelivr.net" not in line)
    target.mkdir(parents=True, exist_ok=True)
    index = target / "index.html.j2"
    if not index.exists() or index.read_text() != text:
        index.write_text(text)
    conf = target / "conf.json"
    conf.write_text(json.dumps({"base_template": "lab"}))
    return str(root)


def voila_environ(env=None) -> dict:
    """``env`` (default ``os.environ``) with ``JUPYTER_PATH`` extended to find the ``ndw`` template."""
    env = dict(os.environ if env is None else env)
    extra = ensure_template()
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (extra, env.get("JUPYTER_PATH", "")) if p)
    return env
