"""The error whose message is already written for the user: below both :mod:`.errors` and :mod:`.config`.

:mod:`neurodata_widgets.errors` words every other exception and names it as its own
(``from neurodata_widgets.errors import UserError``); it lives here so that the
configuration can raise one without importing the module that describes errors.

Examples
--------
>>> err = UserError("The catalog file is locked.", "Close the other program using it.")
>>> err.message, err.hint
('The catalog file is locked.', 'Close the other program using it.')
"""
from __future__ import annotations


class UserError(Exception):
    """An error whose message is already written for the user (with an optional hint)."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint
