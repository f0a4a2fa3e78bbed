"""A dashboard's first listing waits for the page to be drawn (the browser's "drawn" message), not longer."""
import threading
import time

from neurodata_widgets.ui.base import WidgetBase
from neurodata_widgets.ui.table import PagedTable


def _drawn(table):
    table._on_front_end(table, {"event": "drawn"}, [])  # what table.js sends once it has drawn the table


def _starts(widget, table, fallback=30.0):
    started = threading.Event()
    widget.start_when_drawn(table, started.set, activity="listing", fallback=fallback)
    return started


def test_the_work_starts_once_the_table_is_drawn_and_the_widget_is_busy_meanwhile():
    widget, table = WidgetBase(), PagedTable()
    started = _starts(widget, table)
    time.sleep(0.2)
    assert not started.is_set() and widget.status == "loading" and widget.activity == "listing"
    _drawn(table)
    assert started.wait(10)
    _drawn(table)  # another view drawn later starts nothing again
    assert table.drawn


def test_a_table_already_drawn_starts_it_at_once_and_so_does_waiting():
    widget, table = WidgetBase(), PagedTable()
    _drawn(table)
    assert _starts(widget, table).wait(10)
    other = PagedTable()
    started = _starts(widget, other)
    widget.wait_background()  # a script or a test waiting for it: no page to wait for
    assert started.is_set()


def test_without_a_browser_it_starts_after_the_fallback():
    widget, table = WidgetBase(), PagedTable()
    assert _starts(widget, table, fallback=0.3).wait(10)


def test_a_newer_request_or_a_cancel_replaces_the_waiting_work():
    widget, table = WidgetBase(), PagedTable()
    started = _starts(widget, table, fallback=0.3)
    widget.in_background(lambda: None, activity="another dataset")
    widget.wait_background()
    _drawn(table)
    time.sleep(0.6)
    assert not started.is_set()
    waiting = _starts(widget, PagedTable(), fallback=0.3)
    assert widget.abandon_background() is True  # a Cancel while it waited
    time.sleep(0.6)
    assert not waiting.is_set()


def test_a_request_made_while_the_deferred_start_is_deciding_wins():
    widget, table = WidgetBase(), PagedTable()
    started = _starts(widget, table)
    deferred = widget.__dict__["_deferred"]
    widget.__dict__["_deferred"] = None
    widget.in_background(lambda: None, activity="the user's search")  # a click, on the kernel's main thread
    widget.wait_background()
    widget.__dict__["_deferred"] = deferred  # the timer thread had already passed its first check
    deferred()
    time.sleep(0.3)
    assert not started.is_set() and widget.activity == "the user's search"
