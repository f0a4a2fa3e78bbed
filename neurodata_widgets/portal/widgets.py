"""Widgets that compose the portal dashboard."""
from __future__ import annotations

import ipywidgets as widgets
from traitlets import Unicode

from .. import jobs
from ..config import selected_sandbox, setting
from ..ui.banner import StatusBanner
from ..ui.html import escape
from ..ui.retire import set_children
from .defaults import default_dataset


def _banners(widget):
    """Every status banner in a widget tree (a tab's own and those of its parts)."""
    seen, todo = set(), [widget]
    while todo:
        w = todo.pop()
        if id(w) in seen:
            continue
        seen.add(id(w))
        if isinstance(w, StatusBanner):
            yield w
            continue
        todo.extend(c for c in getattr(w, "children", ()) or () if isinstance(c, widgets.Widget))


def login_progress(login, service: str) -> str | None:
    """What a login widget is in the middle of, as the other tabs say it ("Logging in to XNAT…"), or ``None``.

    A login is under way while the widget waits on its server for a login (or for a stored one to be checked),
    and while it waits for the user to bring back a code from the service's login page.
    """
    status, phase = str(login.status), getattr(login, "login_phase", "")
    if status == "waiting":
        return f"Logging in to {service}… (finish it in the login above)"
    if status in ("loading", "running") and phase == "checking":
        return f"Checking your {service} login…"
    if status in ("loading", "running") and phase == "logging in":
        return f"Logging in to {service}…"
    return None


def service_urls() -> list:
    """The XNAT, registry and Globus Auth addresses the portal's widgets talk to (``None`` where unset)."""
    from ..globus.client import resolve_service
    from ..search.registry import registry_url
    from ..xnat.client import default_url

    chosen = selected_sandbox()
    registry = registry_url() if setting("registry_url") or chosen.get("registry") else None
    return [default_url(), registry, resolve_service()["auth_url"]]


class StatusBar(widgets.VBox):
    """One bar for the whole portal: every running job (progress + Cancel) and the latest error of any tab.

    It listens to every :class:`~neurodata_widgets.jobs.Job` started, and to the banners of the tabs the portal
    hands it (:meth:`watch`): it repeats a tab's error and clears it when that tab's banner clears (its next
    action succeeded), so slices need not know about it.
    """

    message = Unicode("", help="the latest error shown anywhere in the portal ('' if none)").tag(sync=True)

    def __init__(self, **kwargs):
        self.error_html = widgets.HTML()
        self.jobs_box = widgets.VBox()
        self.dismiss = widgets.Button(description="Dismiss", icon="times", layout=widgets.Layout(width="100px"))
        self.dismiss.on_click(lambda _: self.clear_error())
        self.dismiss.layout.display = "none"
        self.error_html.layout = widgets.Layout(flex="1 1 auto", min_width="0")
        self.dismiss.layout.flex = "0 0 auto"
        super().__init__([widgets.HBox([self.error_html, self.dismiss], layout=widgets.Layout(width="100%")),
                          self.jobs_box], **kwargs)
        self.add_class("ndw-status-bar")
        self._rows: dict = {}
        self._watched: list = []
        self._places: dict = {}  # id(banner) -> tab title
        self.place = ""
        self._source = None  # the banner whose error is shown
        jobs.on_any_job_started(self._job_started)

    def watch(self, widget, place: str = "") -> None:
        """Mirror the errors of every banner inside ``widget`` (``place``: the tab it is on, '' if always shown)."""
        for banner in _banners(widget):
            banner.on_change(self._banner_changed)
            self._watched.append(banner)
            self._places[id(banner)] = place

    def shown(self, place: str) -> None:
        """Tab ``place`` is on screen: its errors are visible there, so the bar needs not repeat them."""
        self.place = place
        if self._source is not None and self._places.get(id(self._source)) == place:
            self.clear_error()

    def close(self):
        jobs.remove_job_listener(self._job_started)
        for banner in self._watched:
            banner.on_change(self._banner_changed, remove=True)
        self._watched = []
        super().close()

    def _banner_changed(self, banner) -> None:
        place = self._places.get(id(banner), "")
        if banner.kind == "error" and place and place == self.place:
            return  # the tab shown says it itself
        if banner.kind == "error":
            self._source = banner
            self.show_error(banner.message, banner.hint)
        elif banner is self._source:  # the tab that failed has since succeeded
            self.clear_error()

    def show_error(self, message: str, hint: str = "") -> None:
        self.message = message
        hint_html = f'<span class="ndw-hint">{escape(hint)}</span>' if hint else ""
        self.error_html.value = (f'<div class="ndw ndw-banner ndw-banner-error ndw-status-error">'
                                 f'{escape(message)}{hint_html}</div>')
        self.dismiss.layout.display = None

    def clear_error(self) -> None:
        self._source = None
        self.message = ""
        self.error_html.value = ""
        self.dismiss.layout.display = "none"

    def _job_started(self, job) -> None:
        bar = widgets.FloatProgress(min=0, max=1, layout=widgets.Layout(width="200px"))
        label = widgets.HTML(f'<span class="ndw-muted">{escape(job.label)}</span>')
        cancel = widgets.Button(description="Cancel", icon="stop", layout=widgets.Layout(width="90px"))
        cancel.on_click(lambda _: job.cancel())
        row = widgets.HBox([label, bar, cancel], layout=widgets.Layout(align_items="center"))
        self._rows[id(job)] = row
        self.jobs_box.children = self.jobs_box.children + (row,)

        def update(j):
            frac = j.progress.fraction
            bar.value = frac if frac is not None else bar.value
            if j.done:
                row_now = self._rows.pop(id(j), None)
                if row_now is not None:
                    set_children(self.jobs_box, [c for c in self.jobs_box.children if c is not row_now])

        job.on_change(update)
        update(job)


class Portal(widgets.VBox):
    """The whole journey in one page: logins, then Search → Explorer → Provenance, plus XNAT and Globus.

    Tabs are built the first time they are opened, so the page is usable at once. A dataset chosen in
    one tab (installed from Search, opened in the Explorer) is handed to the others through ``dataset``.

    Parameters
    ----------
    dataset : str, optional
        Dataset the Explorer and Provenance tabs open (default: :func:`default_dataset`).
    factories : dict, optional
        Tab title -> function building that tab's widget; tests and deployments swap these.

    Examples
    --------
    >>> portal = Portal(dataset=demo["superdataset"])
    >>> portal.open_tab("Explorer").value == portal.dataset
    True
    """

    dataset = Unicode("", help="the dataset every tab works on").tag(sync=True)
    tab = Unicode("", help="title of the tab shown").tag(sync=True)

    TABS = ("Search", "Explorer", "Provenance", "XNAT", "Globus")

    def __repr__(self) -> str:  # not ipywidgets' walk through every child's traits (see WidgetBase.__repr__)
        return f"Portal(tab={self.tab!r}, dataset={self.dataset!r})"

    def __init__(self, dataset: str | None = None, factories: dict | None = None, logins=None, **kwargs):
        from ..ui import theme

        self.factories = {**self._default_factories(), **(factories or {})}
        self.built: dict = {}
        self.browsers: dict = {}  # service -> the tab's browser, told while a login is in progress
        self._login_pending: dict = {}  # service -> whether its browser was last told a login is under way
        self.status_bar = StatusBar()
        self.logins = logins if logins is not None else LoginPanel()
        self.status_bar.watch(self.logins)
        for service in ("XNAT", "Globus"):
            login = getattr(self.logins, service.lower(), None)
            if login is not None:
                login.observe(lambda _, service=service: self._login_changed(service), names="status")
        self.tabs = widgets.Tab(children=[widgets.VBox() for _ in self.TABS])
        for i, title in enumerate(self.TABS):
            self.tabs.set_title(i, title)
        self.tabs.observe(self._on_tab, names="selected_index")
        from ..ui.badge import SandboxBadge

        self.badge = SandboxBadge()
        self.badge.update(*service_urls())  # visible at once, not only inside the folded login cards
        from ..ui.identity import IdentityLine

        self.identity = IdentityLine()  # who the changes are saved as (asked once on a fresh account)
        super().__init__([theme.header("Neurodata portal", "Find data, get at it, see how results came to be"),
                          self.badge, self.identity, self.logins, self.tabs, self.status_bar], **kwargs)
        self.add_class("ndw-portal")
        self.observe(self._on_dataset, names="dataset")
        self.dataset = default_dataset(dataset)
        self.tabs.selected_index = 0
        self.open_tab(self.TABS[0])

    # -- tabs -----------------------------------------------------------------------------------
    def _default_factories(self) -> dict:
        def search():
            from ..search.widgets import DatasetSearch

            w = DatasetSearch(wait=False)  # the tab shows at once; the first results follow
            w.on_install(self._installed)
            w.on_select(self._selected)
            return w

        def explorer():
            from ..datasets.widgets import DatasetExplorer

            w = DatasetExplorer(self.dataset, wait=False)  # the tab shows at once; the listing follows
            w.on_open_provenance(self._open_provenance)
            w.on_dataset_change(lambda path: setattr(self, "dataset", path))
            return w

        def provenance():
            from ..provenance.widgets import ProvenanceViewer

            return ProvenanceViewer(self.dataset, wait=False)  # the runs follow when git has answered

        def xnat():
            from ..xnat.widgets import XnatBrowser

            browser = XnatBrowser(self.logins.xnat.client if self.logins.xnat is not None else None)
            self.browsers["XNAT"] = browser
            self._login_changed("XNAT")
            return browser

        def globus():
            from ..globus.widgets import GlobusBrowser, TransferPanel

            browser = GlobusBrowser(self.logins.globus.client if self.logins.globus is not None else None)
            self.browsers["Globus"] = browser
            self._login_changed("Globus")
            return widgets.VBox([browser, TransferPanel(browser.client, browser=browser)])

        return {"Search": search, "Explorer": explorer, "Provenance": provenance, "XNAT": xnat, "Globus": globus}

    def open_tab(self, title: str):
        """Show tab ``title`` (building it on first use) and return its widget."""
        index = self.TABS.index(title)
        if title not in self.built:
            box = self.tabs.children[index]
            try:
                self.built[title] = self.factories[title]()
                box.children = [self.built[title]]
                self.status_bar.watch(self.built[title], title)
            except Exception as exc:  # one broken tab must not take the portal down
                banner = StatusBanner()
                box.children = [banner]
                self.status_bar.watch(banner, title)
                banner.show_error(exc, f"Opening the {title} tab")
                self.built[title] = None
        if self.tabs.selected_index != index:
            self.tabs.selected_index = index
        self.tab = title
        self.status_bar.shown(title)
        return self.built[title]

    def _on_tab(self, change) -> None:
        if change["new"] is not None:
            self.open_tab(self.TABS[change["new"]])

    def _login_changed(self, service: str) -> None:
        """A login card's state changed: its tab says a login is in progress, then what came of it."""
        login, browser = getattr(self.logins, service.lower(), None), self.browsers.get(service)
        if login is None or browser is None:
            return
        text = login_progress(login, service)
        if text is not None or self._login_pending.get(service):
            browser.login_in_progress(text)
        self._login_pending[service] = text is not None

    # -- hand-over between tabs -------------------------------------------------------------------
    def _on_dataset(self, change) -> None:
        for title in ("Explorer", "Provenance"):
            widget = self.built.get(title)
            if widget is not None and widget.value != change["new"]:
                widget.open_dataset(change["new"], wait=False)

    def _selected(self, record) -> None:
        # a result that is a dataset on this machine opens at once; remote ones need Install first
        from pathlib import Path

        url = record.get("url", "")
        if url and Path(url).is_dir() and (Path(url) / ".datalad").is_dir():
            self.dataset = url

    def _installed(self, path) -> None:
        self.dataset = str(path)
        self.open_tab("Explorer")

    def _open_provenance(self, dataset_path, file_path) -> None:
        self.dataset = str(dataset_path)
        viewer = self.open_tab("Provenance")
        if viewer is not None:
            viewer.show_file(file_path, wait=False)


class LoginCard(widgets.VBox):
    """A login folded under a button saying who is logged in; the button opens it (a click, Enter or Space).

    A button rather than an accordion header: it takes the keyboard's focus and says whether it is open
    (``aria-pressed``), so the login is reachable without a mouse.
    """

    def __init__(self, login, **kwargs):
        self.toggle = widgets.ToggleButton(value=False, icon="chevron-right",
                                           layout=widgets.Layout(width="100%", margin="2px 0"))
        self.toggle.add_class("ndw-login-card-toggle")
        self.login = login
        self.toggle.observe(self._fold, names="value")
        # a folded login is not in the page at all (not merely hidden): the browser draws its ~50 controls only
        # when the card is opened, so the portal's first page comes sooner
        super().__init__([self.toggle], layout=widgets.Layout(flex="1 1 320px", min_width="280px"), **kwargs)
        self.add_class("ndw-login-card")

    @property
    def title(self) -> str:
        return self.toggle.description

    @title.setter
    def title(self, text: str) -> None:
        self.toggle.description = text
        self.toggle.tooltip = f"{text} (press to {'close' if self.toggle.value else 'open'} the login)"

    @property
    def opened(self) -> bool:
        return self.toggle.value

    def unfold(self, opened: bool = True) -> None:
        """Open (or with ``False`` close) the card, as its button does."""
        self.toggle.value = opened

    def _fold(self, change) -> None:
        self.children = [self.toggle, self.login] if change["new"] else [self.toggle]
        self.toggle.icon = "chevron-down" if change["new"] else "chevron-right"
        self.title = self.title


class LoginPanel(widgets.HBox):
    """XNAT and Globus logins side by side (each a collapsible card showing who is logged in)."""

    def __init__(self, xnat=None, globus=None, **kwargs):
        self.xnat = xnat if xnat is not None else self._build("xnat")
        self.globus = globus if globus is not None else self._build("globus")
        cards = []
        for title, login, user_trait in (("XNAT", self.xnat, "value"), ("Globus", self.globus, "user")):
            if login is None:
                continue
            card = LoginCard(login)

            def retitle(change=None, card=card, title=title, login=login, user_trait=user_trait):
                user = getattr(login, user_trait, "")
                pending = login_progress(login, title)
                doing = "checking the login…" if (pending or "").startswith("Checking") else "logging in…"
                card.title = (f"{title}: logged in as {user}" if user else
                              f"{title}: {doing}" if pending else f"{title}: not logged in")

            login.observe(retitle, names=[user_trait, "status"])
            retitle()
            cards.append(card)
        super().__init__(cards, layout=widgets.Layout(flex_flow="row wrap", width="100%"), **kwargs)
        self.add_class("ndw-login-panel")

    @staticmethod
    def _build(which: str):
        try:
            if which == "xnat":
                from ..xnat.widgets import XnatLogin

                return XnatLogin()
            from ..globus.widgets import GlobusLogin

            return GlobusLogin()
        except Exception:  # an unconfigured service shows no card rather than breaking the page
            import logging

            logging.getLogger(__name__).exception("building the %s login failed", which)
            return None
