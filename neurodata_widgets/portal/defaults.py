"""Which dataset a dashboard opens when none is given (no widget library: every tab and notebook uses it).

Examples
--------
>>> default_dataset("/data/my-study")
'/data/my-study'
"""
from __future__ import annotations

from ..config import query_params, setting


def default_dataset(value=None) -> str:
    """The dataset a dashboard opens: argument, ``?dataset=``, ``$NDW_DATASET``, else the demo superdataset."""
    chosen = value or query_params().get("dataset") or setting("dataset")
    if chosen:
        return chosen
    from ..sandbox.demo_data import build_demo_datasets  # the demo is built on first use only (it takes DataLad)

    return build_demo_datasets()["superdataset"]
