"""The base every widget stands on: one status vocabulary, one error banner, ``on_*`` callbacks that can be removed.

A widget subclasses :class:`WidgetBase` (a ``VBox``), builds its parts, puts ``self.banner`` where it wants
it, and then reports through three calls only:

- :meth:`WidgetBase.busy` / :meth:`WidgetBase.succeed` / :meth:`WidgetBase.fail` set ``status`` and the banner
  together, so an error shown stays until the next action succeeds and never longer;
- :meth:`WidgetBase.emit` tells the callbacks registered with :meth:`WidgetBase.register` (what every public
  ``on_<event>(callback, remove=False)`` method calls); registration is ipywidgets' ``CallbackDispatcher``, so a
  callback is removed the way ipywidgets removes a click handler.

Examples
--------
>>> class Echo(WidgetBase):
...     def on_echo(self, callback, remove=False):
...         self.register("echo", callback, remove)
>>> w, heard = Echo(), []
>>> w.on_echo(heard.append); w.emit("echo", 1)
>>> w.on_echo(heard.append, remove=True); w.emit("echo", 2)
>>> heard
[1]
>>> w.fail(TimeoutError("slow"), "Listing"); (w.status, w.error)
('error', 'Listing: The server did not answer in time.')
>>> w.succeed("Listed."); (w.status == "ready", w.error, w.banner.kind)
(True, '', 'ok')
"""
from __future__ import annotations

import enum
import logging
import threading
import time

import ipywidgets as widgets
from traitlets import Enum as EnumTrait
from traitlets import Unicode

from .banner import StatusBanner

#: taken while a widget's request ticket is compared and counted up (a deferred start runs on a timer thread)
_TICKETS = threading.Lock()

log = logging.getLogger("neurodata_widgets")
_worker = threading.local()  # the request a background thread works for (see WidgetBase.stop_if_cancelled)


class Status(str, enum.Enum):
    """What a widget is doing; the same words in every widget (``status == "ready"`` holds for the member)."""

    IDLE = "idle"            # nothing shown yet
    LOADING = "loading"      # waiting on a server, a git process or the disk
    READY = "ready"          # showing what it was asked for
    RUNNING = "running"      # a background job (download, transfer, get/drop, rerun) is under way
    DONE = "done"            # the last job finished
    FAILED = "failed"        # the last job failed
    CANCELLED = "cancelled"  # the last job was cancelled
    ERROR = "error"          # the last action failed; the banner says why
    WAITING = "waiting"      # waiting for the user (a login in another tab, a confirmation)
    LOGGED_OUT = "logged out"
    LOGGED_IN = "logged in"

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:  # reads as the word it is: 'ready'
        return repr(self.value)

    @property
    def busy(self) -> bool:
        return self in (Status.LOADING, Status.RUNNING)


class StatusTrait(EnumTrait):
    """A ``status`` trait: only :class:`Status` words are accepted; the value is the :class:`Status` member."""

    def __init__(self, default: str = "idle", **kwargs):
        super().__init__([s.value for s in Status], default_value=Status(default), **kwargs)

    def validate(self, obj, value):
        try:
            return Status(value)
        except ValueError:
            self.error(obj, value)


class WidgetBase(widgets.VBox):
    """A widget with ``status``, ``error``, a :class:`StatusBanner` and removable ``on_*`` callbacks."""

    status = StatusTrait("idle", help="what the widget is doing: one of the Status words").tag(sync=True)
    error = Unicode("", help="the error message shown, '' when the last action succeeded").tag(sync=True)
    activity = Unicode("", help="what the widget did last, in words (for people and tests)").tag(sync=True)

    def __init__(self, children=(), **kwargs):
        super().__init__(children, **kwargs)

    def __repr__(self) -> str:
        # ipywidgets' own repr walks every trait of every child (the text shown in place of the widget where
        # widgets cannot be drawn): displaying a dashboard spent a tenth of its build time writing it
        return f"{type(self).__name__}(status={self.status!r})"

    @property
    def banner(self) -> StatusBanner:
        """The widget's status banner (made on first use, so a subclass can place it before ``__init__``)."""
        found = self.__dict__.get("_banner")
        if found is None:
            found = self.__dict__["_banner"] = StatusBanner()
        return found

    @banner.setter
    def banner(self, value: StatusBanner) -> None:
        self.__dict__["_banner"] = value

    # -- callbacks --------------------------------------------------------------------------------
    def register(self, event: str, callback, remove: bool = False) -> None:
        """Add (or with ``remove=True`` remove) ``callback`` for ``event``."""
        dispatchers = self.__dict__.setdefault("_dispatchers", {})
        dispatchers.setdefault(event, widgets.CallbackDispatcher()).register_callback(callback, remove=remove)

    def emit(self, event: str, *args) -> None:
        """Call the callbacks of ``event``; one that raises is reported in the banner, the others still run."""
        dispatcher = self.__dict__.get("_dispatchers", {}).get(event)
        for callback in list(dispatcher.callbacks) if dispatcher else []:
            try:
                callback(*args)
            except Exception as exc:
                if event == "error":  # reporting a failure of a failure report would loop
                    log.exception("error callback failed")
                else:
                    self.fail(exc, f"After {event}")

    def listening(self, event: str) -> bool:
        """Whether any callback is registered for ``event``."""
        dispatcher = self.__dict__.get("_dispatchers", {}).get(event)
        return bool(dispatcher and dispatcher.callbacks)

    def on_error(self, callback, remove: bool = False) -> None:
        """Call ``callback(widget, message, hint)`` whenever this widget shows an error."""
        self.register("error", callback, remove)

    # -- status and banner together -----------------------------------------------------------------
    def busy(self, activity: str = "", status: str = Status.LOADING) -> None:
        """Say the widget is waiting (``activity`` in words); the banner keeps what it showed."""
        if activity:  # first: a status observer reads it
            self.activity = activity
        self.status = status

    def succeed(self, message: str = "", status: str = Status.READY, hint: str = "", kind: str = "ok") -> None:
        """The action worked: clear any error; show ``message`` (or nothing)."""
        self.error = ""
        if message:
            self.banner.show(message, kind, hint)
            self.activity = message
        else:
            self.banner.clear()
        self.status = status

    def in_background(self, work, then=None, activity: str = "", context: str = "", on_error=None,
                      latest: bool = False, unless_newer_than: int | None = None):
        """Run ``work()`` off the kernel's main thread (a click never freezes the page); ``then(result)`` after.

        The widget is ``loading`` meanwhile; an error goes to ``on_error(exc)``, else to :meth:`fail`. A second call
        while one runs is refused (returns ``None``), unless ``latest``: then the newer request wins and the older
        one's answer, arriving late, is dropped (a user who clicked on meanwhile sees what they asked for last).
        Returns the thread (``join`` it to wait). ``unless_newer_than`` (a ticket, see :meth:`start_when_drawn`):
        nothing starts if another request was made since that ticket was current.
        """
        running = self.__dict__.get("_background")
        if not latest and running is not None and running.is_alive():
            return None
        with _TICKETS:  # a deferred start (another thread) and a click must not both believe they are the newest
            if unless_newer_than is not None and self.__dict__.get("_ticket", 0) != unless_newer_than:
                return None
            self.__dict__["_deferred"] = None  # a newer request: work waiting for the page is not wanted
            ticket = self.__dict__["_ticket"] = self.__dict__.get("_ticket", 0) + 1
        self.busy(activity)
        # one answer is shown at a time: an older request's answer, checked as current just before a newer one's
        # arrived, must not be drawn half over it (a table of the older rows under the newer query's figures)
        answering = self.__dict__.setdefault("_one_answer_at_a_time", threading.RLock())

        def superseded() -> bool:  # a newer request was made: its answer is the one to show
            return self.__dict__.get("_ticket") != ticket

        def run():
            _worker.ticket = (id(self), ticket)
            try:
                result = work()
            except Exception as exc:
                with answering:
                    if superseded():
                        return
                    if on_error is not None:
                        on_error(exc)
                    else:
                        self.fail(exc, context)
                return
            with answering:
                if superseded() or then is None:
                    return
                try:
                    then(result)
                except Exception as exc:
                    self.fail(exc, context)

        thread = threading.Thread(target=run, name=f"ndw-{type(self).__name__}", daemon=True)
        self.__dict__["_background"] = thread
        thread.start()
        return thread

    def first_request_waits_for_page(self) -> None:
        """The next request is a dashboard's first (made while its page is built): :meth:`page_comes_first` says so
        once, so that the widget starts it with :meth:`start_when_drawn` rather than at once."""
        self.__dict__["_first_after_page"] = True

    def page_comes_first(self, wait: bool) -> bool:
        """Whether this request is the first one (see :meth:`first_request_waits_for_page`) and nobody waits for
        its answer; asked once, later requests are not."""
        return self.__dict__.pop("_first_after_page", False) and not wait

    def start_when_drawn(self, view, work, then=None, activity: str = "", on_error=None,
                         fallback: float = 2.0) -> None:
        """:meth:`in_background` (``latest``) of ``work`` once the browser has drawn ``view``, a table.

        A dashboard's first listing runs git processes that compete with the page being built for the
        machine's cores; started once the page is up, the page comes first and the listing right after it.
        Without a browser (a script), or with the page in a tab not shown, it starts after ``fallback``
        seconds; :meth:`wait_background` starts it at once, and any newer request (or a Cancel) replaces it.
        Meanwhile the widget is busy with ``activity``.
        """
        since = self.__dict__.get("_ticket", 0)

        def go():  # called up to three times (drawn, timer, wait): the ticket lets only the first one start it
            if self.__dict__.get("_deferred") is not go:
                return  # replaced by a later deferred start
            self.in_background(work, then, activity, on_error=on_error, latest=True, unless_newer_than=since)

        self.__dict__["_deferred"] = go
        self.busy(activity)
        view.on_drawn(go)
        timer = threading.Timer(fallback, go)
        timer.daemon = True
        timer.start()

    def abandon_background(self) -> bool:
        """Stop waiting for the work under way (a Cancel): its late answer, or error, is ignored.

        The thread itself runs on until its server answers or times out (a request on the wire cannot be
        taken back), but nothing waits for it: :meth:`wait_background` returns at once. Returns whether
        something was under way.
        """
        thread = self.__dict__.get("_background")
        waiting = self.__dict__.get("_deferred") is not None  # work waiting for the page: it will not start
        with _TICKETS:
            self.__dict__["_deferred"] = None
            self.__dict__["_ticket"] = self.__dict__.get("_ticket", 0) + 1  # its answer is now superseded
        self.__dict__["_background"] = None
        return waiting or (thread is not None and thread.is_alive())

    def stop_if_cancelled(self) -> None:
        """Inside background work: raise :class:`~neurodata_widgets.jobs.Cancelled` if it was abandoned (a Cancel) or
        superseded by a newer request (call it between steps, e.g. between git processes)."""
        if not self.still_wanted():
            from ..jobs import Cancelled

            raise Cancelled("cancelled")

    def still_wanted(self) -> bool:
        """Inside background work: ``False`` once it was abandoned (a Cancel) or superseded (a newer request).

        Work whose answer changes shared state (a login) asks it before adopting the answer.
        """
        mine = getattr(_worker, "ticket", None)
        return mine is None or mine[0] != id(self) or mine[1] == self.__dict__.get("_ticket")

    def wait_background(self, timeout: float | None = 60) -> None:
        """Wait for the work started by :meth:`in_background`, and for any newer request (tests and scripts).

        ``timeout=None`` waits as long as it takes (what a call with ``wait=True`` does).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        deferred = self.__dict__.get("_deferred")
        if deferred is not None:
            deferred()  # work waiting for the page to be drawn: start it now
        while True:
            thread = self.__dict__.get("_background")
            left = None if deadline is None else deadline - time.monotonic()
            if thread is None or (left is not None and left <= 0):
                return
            try:
                thread.join(left)
            except RuntimeError:  # another thread has just made it and not started it yet (a refresh after work)
                time.sleep(0.01)
                continue
            if self.__dict__.get("_background") is thread:  # no newer request started meanwhile
                return

    def fail(self, exc: BaseException, context: str = "", status: str = Status.ERROR, links=()) -> None:
        """Show ``exc`` as a readable message (traceback to the log) and set ``status``."""
        self.banner.show_error(exc, context, links=links)
        self.error = self.banner.message
        self.status = status
        self.emit("error", self, self.banner.message, self.banner.hint)


def form_text(**kwargs) -> widgets.Text:
    """A text field a button acts on (a folder, a name, a query or filter): its value reaches the kernel when the user
    leaves it or presses Enter.

    Typing sends nothing; Tab, a click elsewhere or Enter sends the whole value in one message. A field that
    sends every keystroke may still be sending the last ones when the button's click, which is not queued
    behind them, arrives: on a slow kernel "Install" then acted on a folder name without its last letters.
    """
    return widgets.Text(continuous_update=False, **kwargs)


__all__ = ["Status", "StatusTrait", "WidgetBase", "form_text"]
