"""Groups of buttons drawn in the browser from data: a breadcrumb, a search's facets.

Redrawing them changes one value instead of opening a widget per button. That matters for buttons redrawn
from a background thread (a folder listed in the background moves the breadcrumb, a search's facets arrive
with its results): widgets opened while a dashboard's page is still connecting can reference widgets the
browser has not received yet, which the browser reports as "widget model not found".

Examples
--------
>>> row = ButtonGroups(inline=True)
>>> row.show(["/", "ds001"], titles=["Open /", "Open /ds001/"], name="In:")
>>> clicked = []
>>> row.on_click(lambda group, index: clicked.append((group, index)))
>>> row.click(0, 1); clicked
[(0, 1)]
>>> row.labels
['/', 'ds001']
"""
from __future__ import annotations

import uuid
from pathlib import Path

import anywidget
import ipywidgets as widgets
from traitlets import Bool, Dict, List, Unicode


class ButtonGroups(anywidget.AnyWidget):
    """Named groups of buttons under an optional heading; a click calls :meth:`on_click`'s callbacks."""

    _esm = Path(__file__).with_name("buttons.js").read_text()
    _css = (".ndw-buttons { display: flex; flex-direction: column; gap: 2px; }\n"
            ".ndw-buttons-row { display: flex; flex-wrap: wrap; align-items: center; }\n"
            ".ndw-buttons-row > .jupyter-button { width: auto; margin: var(--jp-widgets-margin, 2px); }\n"
            ".ndw-buttons-inline .ndw-buttons-name { margin-right: 4px; }")
    groups = List(Dict(), help="[{'name': ..., 'labels': [...], 'titles': [...]}], in the order shown").tag(sync=True)
    heading = Unicode("", help="a bold heading above the groups").tag(sync=True)
    note = Unicode("", help="a note under the heading").tag(sync=True)
    inline = Bool(False, help="each group's name on its buttons' line (else above them)").tag(sync=True)
    button_class = Unicode("", help="CSS class of every button").tag(sync=True)
    _id_prefix = Unicode(help="prefix of the element ids naming each group").tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(_id_prefix=f"ndw-buttons-{uuid.uuid4().hex[:8]}", **kwargs)
        self._clicked = widgets.CallbackDispatcher()
        self.on_msg(self._message)

    def show(self, labels, titles=(), name: str = "") -> None:
        """Draw one group: a button for each of ``labels`` (tooltips ``titles``) after ``name``."""
        self.show_groups([(name, labels, titles)])

    def show_groups(self, groups) -> None:
        """Draw ``groups``: ``(name, labels, titles)`` each; groups without labels are left out."""
        self.groups = [{"name": str(name), "labels": [str(x) for x in labels],
                        "titles": [str(t) for t in titles] + [""] * (len(labels) - len(titles))}
                       for name, labels, titles in groups if labels]

    @property
    def labels(self) -> list[str]:
        """The labels of every button, in order."""
        return [label for group in self.groups for label in group["labels"]]

    def on_click(self, callback, remove: bool = False) -> None:
        """Call ``callback(group, index)`` when the ``index``-th button of the ``group``-th group is clicked."""
        self._clicked.register_callback(callback, remove=remove)

    def click(self, group: int, index: int) -> None:
        """As a click on that button does."""
        self._clicked(group, index)

    def _message(self, _widget, content, _buffers) -> None:
        try:
            group, index = int(content["group"]), int(content["index"])
            shown = self.groups[group]["labels"][index]
        except (KeyError, IndexError, TypeError, ValueError):
            return
        if shown == content.get("label"):
            self.click(group, index)  # else the buttons were redrawn since: not what the user clicked


__all__ = ["ButtonGroups"]
