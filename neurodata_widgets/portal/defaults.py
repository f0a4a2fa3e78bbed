"""Which dataset a dashboard opens when none is given (no widget library: every tab and notebook uses it).

Examples
--------
>>> default_dataset("/data/my-study")
'/data/my-study'
"""
from __future__ import annotations

from ..config import query_params, selected_sandbox, setting


def default_dataset(value=None) -> str:
    """The dataset a dashboard opens: argument, ``?dataset=``, ``$NDW_DATASET``, the chosen sandbox's demo
    superdataset, else the current folder (a notebook kept inside a dataset opens that dataset)."""
    return chosen_dataset(value) or "."


def chosen_dataset(value=None) -> str | None:
    """The dataset named by the argument, ``?dataset=``, ``$NDW_DATASET`` or the chosen sandbox; ``None`` when
    nothing names one (a dashboard then tries the current folder, and asks for a dataset if it is none)."""
    sandbox = selected_sandbox()  # first: a chosen sandbox that stopped says so (SandboxGone)
    chosen = value or query_params().get("dataset") or setting("dataset")
    return chosen or sandbox.get("demo", {}).get("superdataset") or None
