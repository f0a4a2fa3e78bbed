"""The Globus login error, shared by the client and its token file (neither imports the other for it).

Examples
--------
>>> from neurodata_widgets.errors import describe
>>> describe(LoginRequired("Your Globus login has expired.", "Log in again."))
('Your Globus login has expired.', 'Log in again.')
"""
from __future__ import annotations

from .. import errors


class LoginRequired(errors.UserError):
    """No (longer a) valid login: the user must log in again."""
