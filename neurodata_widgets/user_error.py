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


class NotADataset(UserError):
    """The folder asked for is not a DataLad dataset (a dashboard then asks for one rather than failing).

    Examples
    --------
    >>> err = NotADataset("/home/ada")
    >>> err.path, err.message
    ('/home/ada', '/home/ada is not a DataLad dataset.')
    """

    def __init__(self, path, hint: str = "Choose the folder of a dataset (it has a .datalad folder), "
                                          "or clone one first."):
        self.path = str(path)
        super().__init__(f"{self.path} is not a DataLad dataset.", hint)

    #: what a dashboard says when it opened on such a folder by default (nothing was chosen yet)
    WELCOME_HINT = ("Install one from the Search tab, clone one with Clone (a URL or a path), "
                    "or choose a dataset's folder.")
