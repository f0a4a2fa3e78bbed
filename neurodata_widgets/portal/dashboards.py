"""The dashboards (Voila notebooks) that ship inside the package, and copying them to change them.

An installed wheel carries them as ``neurodata_widgets/dashboards/*.ipynb``; in a clone of the
repository (an editable install) they are the repository's ``notebooks/`` folder. Either way
:func:`dashboards_dir` finds them, so ``neurodata-widgets demo`` and ``serve`` work from any folder.

Examples
--------
>>> from neurodata_widgets.portal.dashboards import dashboards_dir, dashboard_names
>>> (dashboards_dir() / "portal.ipynb").is_file()
True
>>> "portal" in dashboard_names()
True
"""
from __future__ import annotations

import shutil
from pathlib import Path

PORTAL = "portal.ipynb"
_PACKAGE = Path(__file__).resolve().parent.parent


def dashboards_dir() -> Path:
    """The folder holding the packaged dashboards (``portal.ipynb`` and the others).

    The wheel's ``neurodata_widgets/dashboards/`` first, else the repository's ``notebooks/`` next to the
    package (an editable install from a clone).
    """
    for candidate in (_PACKAGE / "dashboards", _PACKAGE.parent / "notebooks"):
        if (candidate / PORTAL).is_file():
            return candidate
    raise FileNotFoundError(f"the packaged dashboards are missing (no {PORTAL} in {_PACKAGE / 'dashboards'}); "
                            "reinstall neurodata-widgets")


def portal_notebook() -> Path:
    """The packaged portal dashboard."""
    return dashboards_dir() / PORTAL


def dashboard_names(folder=None) -> list[str]:
    """The dashboards' names (``portal``, ``search``, …) in ``folder`` (default: the packaged ones)."""
    return sorted(p.stem for p in Path(folder or dashboards_dir()).glob("*.ipynb"))


def copy_dashboards(target, names=None) -> list[Path]:
    """Copy the packaged dashboards (or only ``names``) into ``target`` to change them; returns the new files.

    Never overwrites: when one of them is already in ``target`` nothing is copied and
    :class:`FileExistsError` names the files in the way.

    Examples
    --------
    >>> [p.name for p in copy_dashboards(tmp / "mine", ["portal"])]
    ['portal.ipynb']
    >>> copy_dashboards(tmp / "mine", ["portal"])
    Traceback (most recent call last):
    ...
    FileExistsError: ... already exist...
    """
    source = dashboards_dir()
    available = dashboard_names(source)
    wanted = [n.removesuffix(".ipynb") for n in (names or available)]
    unknown = [n for n in wanted if n not in available]
    if unknown:
        raise ValueError(f"no dashboard named {', '.join(unknown)}; the dashboards are: {', '.join(available)}")
    target = Path(target).expanduser()
    if target.exists() and not target.is_dir():
        raise FileExistsError(f"{target} is a file, not a folder; name a folder to copy the dashboards into")
    clashes = [target / f"{n}.ipynb" for n in wanted if (target / f"{n}.ipynb").exists()]
    if clashes:
        raise FileExistsError(f"{', '.join(str(p) for p in clashes)} already exist{'s' if len(clashes) == 1 else ''}; "
                              "nothing was copied. Move them away or choose another folder.")
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in wanted:
        copied.append(Path(shutil.copy2(source / f"{name}.ipynb", target / f"{name}.ipynb")))
    return copied
