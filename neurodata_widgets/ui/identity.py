""""Changes are saved as Name <email> · Change": who the toolkit's commits are made by, shown once in the page.

A fresh account has no git identity; the toolkit then commits with its per-environment one
(:mod:`neurodata_widgets.git_identity`). This line says which, and a small form changes it. While
the default was never confirmed, the line asks once: "Keep" confirms it, "Change" opens the form.
A user whose own git configuration has an identity sees it here, and it wins.

Examples
--------
>>> line = IdentityLine()
>>> "Changes are saved as" in line.text.value and line.value in line.text.value.replace("&lt;", "<").replace("&gt;", ">")
True
>>> line.open_form(); line.form.layout.display is None
True
>>> line.name.value = ""; line.save(); line.error.value
'A name is needed: git records it with every change. Type your name, e.g. Ada Lovelace.'
"""
from __future__ import annotations

import ipywidgets as widgets
from traitlets import Unicode

from ..errors import UserError
from ..git_identity import identity, set_identity
from .html import escape


class IdentityLine(widgets.VBox):
    """The identity commits are made with, and a form to change it (asked once while it is the default)."""

    value = Unicode("", help="'Name <email>' the toolkit's commits are made with").tag(sync=True)
    source = Unicode("", help="'git' (your own git identity) or 'toolkit' (this environment's)").tag(sync=True)

    def __init__(self, **kwargs):
        self.text = widgets.HTML()
        self.keep_button = widgets.Button(description="Keep", tooltip="Keep this name and email for your changes",
                                          layout=widgets.Layout(width="auto"))
        self.change_button = widgets.Button(description="Change", tooltip="Change the name and email git records",
                                            layout=widgets.Layout(width="auto"))
        self.name = widgets.Text(description="Name", placeholder="Ada Lovelace")
        self.email = widgets.Text(description="Email", placeholder="ada@example.org")
        self.save_button = widgets.Button(description="Save", button_style="primary",
                                          layout=widgets.Layout(width="auto"))
        self.cancel_button = widgets.Button(description="Cancel", layout=widgets.Layout(width="auto"))
        self.error = widgets.HTML()
        self.form = widgets.HBox([self.name, self.email, self.save_button, self.cancel_button],
                                 layout=widgets.Layout(flex_flow="row wrap", gap="4px"))
        self.form.add_class("ndw-identity-form")
        self.keep_button.on_click(lambda _: self.keep())
        self.change_button.on_click(lambda _: self.open_form())
        self.save_button.on_click(lambda _: self.save())
        self.cancel_button.on_click(lambda _: self.close_form())
        self.name.on_submit(lambda _: self.save())
        self.email.on_submit(lambda _: self.save())
        self.line = widgets.HBox([self.text, self.keep_button, self.change_button],
                                 layout=widgets.Layout(align_items="center", gap="6px", flex_flow="row wrap"))
        super().__init__([self.line, self.error], **kwargs)
        self.add_class("ndw-identity")
        self.close_form()
        self.refresh()

    def refresh(self) -> None:
        """Read the identity again and show it."""
        found = identity()
        self.value, self.source = f"{found.name} <{found.email}>", found.source
        where = (" (your git identity)" if found.source == "git"
                 else "" if found.chosen else " (a default for this environment: is this you?)")
        self.text.value = (f'<span class="ndw-identity-line">Changes are saved as <b>{escape(self.value)}</b>'
                           f'{escape(where)}</span>')
        self.keep_button.layout.display = None if found.source == "toolkit" and not found.chosen else "none"
        self.change_button.layout.display = None if found.source == "toolkit" else "none"
        self.name.value, self.email.value = found.name, found.email

    def keep(self) -> None:
        """Confirm the default (it is then kept for this environment and not asked again)."""
        found = identity()
        self._set(found.name, found.email)

    def open_form(self) -> None:
        self._show_form(True)
        self.error.value = ""

    def close_form(self) -> None:
        self._show_form(False)
        self.error.value = ""

    def _show_form(self, shown: bool) -> None:
        # a closed form is left out of the page, not only hidden: the browser draws it when it is opened
        self.form.layout.display = None if shown else "none"
        self.children = [self.line, self.form, self.error] if shown else [self.line, self.error]

    def save(self) -> None:
        """Keep the name and email typed in the form; a refused value is said under the form, nothing changes."""
        self._set(self.name.value, self.email.value)

    def _set(self, name: str, email: str) -> None:
        try:
            set_identity(name, email)
        except UserError as exc:
            self._show_form(True)
            self.error.value = escape(f"{exc.message} {exc.hint}".strip())
            return
        self.close_form()
        self.refresh()
