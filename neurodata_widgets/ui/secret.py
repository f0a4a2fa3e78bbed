"""A password box whose text never reaches a widget's saved state.

JupyterLab writes every widget's state into the ``.ipynb`` when it saves a notebook (its "save widget
state" setting), and an ``ipywidgets.Password`` keeps the typed text in its synced ``value``: a password
typed but not yet submitted would be saved to disk. :class:`SecretInput` keeps the text in the browser's
input element and in a private attribute of the kernel-side object only; it travels as a custom message,
which is never saved. ``value`` reads and writes that private text, so code and tests use it as they would
a ``Password``.

Examples
--------
>>> box = SecretInput(description="Password")
>>> box.value = "s3cret"
>>> box.value, "s3cret" in str(box.get_state())
('s3cret', False)
>>> box._handle_message(box, {"kind": "secret", "value": "typed"}, [])   # what the browser sends on each key
>>> box.value
'typed'
>>> box.value = ""          # also empties the box in the browser
>>> box.value
''
"""
from __future__ import annotations

from pathlib import Path

import anywidget
from traitlets import Bool, Unicode


class SecretInput(anywidget.AnyWidget):
    """A labelled password input; :attr:`value` lives in the kernel only, never in synced state."""

    _esm = Path(__file__).with_name("secret.js").read_text()
    description = Unicode("", help="the label shown before the box").tag(sync=True)
    placeholder = Unicode("", help="the grey text shown while the box is empty").tag(sync=True)
    disabled = Bool(False, help="whether typing is blocked").tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._secret = ""
        self._on_submit = []
        self.on_msg(self._handle_message)

    @property
    def value(self) -> str:
        """The text typed (or set from Python); ``""`` when empty."""
        return self._secret

    @value.setter
    def value(self, text: str) -> None:
        self._secret = text or ""
        if not self._secret:
            self.send({"kind": "clear"})

    def on_submit(self, callback) -> None:
        """Call ``callback(self)`` when the user presses Enter in the box."""
        self._on_submit.append(callback)

    def _handle_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return
        if content.get("kind") == "secret" and isinstance(content.get("value"), str):
            self._secret = content["value"]
        elif content.get("kind") == "submit":
            for callback in list(self._on_submit):
                callback(self)
