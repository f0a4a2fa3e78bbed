"""Widgets taken off the page are kept referenced a while, so the browser never draws a widget already closed.

ipywidgets 8 closes a widget when Python garbage-collects it (``Widget.__del__``), and closing deletes its model
in the browser. By default ipywidgets keeps every widget in its own registry, so nothing is collected; but where
weak references are turned on (``ipywidgets.enable_weakreference()``, which a deployment may do to save memory),
a box whose children were just replaced may still be drawing the old ones when they are collected. Keeping the
last few thousand retired widgets referenced costs little and closes that window.

Examples
--------
>>> import ipywidgets as widgets
>>> box = widgets.HBox([widgets.Button(description="old")])
>>> old = box.children[0]
>>> set_children(box, [widgets.Button(description="new")])
>>> old in _KEPT and old.comm is not None
True
"""
from __future__ import annotations

import collections

#: the widgets most recently taken off a page (a bounded queue: the oldest are let go first)
_KEPT: collections.deque = collections.deque(maxlen=4096)


def retire(*taken) -> None:
    """Keep ``taken`` (widgets just removed from a page) referenced for a while."""
    _KEPT.extend(w for w in taken if w is not None)


def set_children(box, children) -> None:
    """``box.children = children``, keeping the children it no longer shows alive for a while."""
    old = tuple(box.children)
    box.children = tuple(children)
    shown = {id(c) for c in box.children}
    retire(*(c for c in old if id(c) not in shown))


__all__ = ["retire", "set_children"]
