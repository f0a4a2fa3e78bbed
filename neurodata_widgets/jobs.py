"""Long work off the main thread: progress reports and cooperative cancel.

One mechanism for every slice: a :class:`Job` runs ``fn(job)`` in a worker
thread; ``fn`` calls :meth:`Job.report` with what it has done and
:meth:`Job.check` (or reads :attr:`Job.cancelled`) between units of work.
Widgets show a job with :class:`neurodata_widgets.ui.progress.JobProgress`;
scripts can simply ``job.result()``.

Examples
--------
>>> from neurodata_widgets.jobs import Job
>>> def work(job):
...     for i in range(3):
...         job.check()
...         job.report(done=i + 1, total=3, unit="files")
...     return "ok"
>>> Job(work, label="demo").start().result()
'ok'
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


_started_listeners: list = []


def on_any_job_started(callback) -> None:
    """Call ``callback(job)`` whenever any job starts (the portal's status bar lists running jobs)."""
    _started_listeners.append(callback)


def remove_job_listener(callback) -> None:
    if callback in _started_listeners:
        _started_listeners.remove(callback)


class Cancelled(Exception):
    """Raised inside a job's function when the user pressed Cancel."""


@dataclass
class ProgressReport:
    """A snapshot of a job's progress (all counts are cumulative)."""

    done: float = 0
    total: float | None = None
    unit: str = ""
    message: str = ""
    files_done: int = 0
    files_total: int | None = None
    time: float = field(default_factory=time.monotonic)

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return max(0.0, min(1.0, self.done / self.total))


class Job:
    """Run ``fn(job)`` in a background thread with progress and cancel.

    Parameters
    ----------
    fn : callable
        Receives the job; returns the result.
    label : str
        Shown next to the progress bar.
    """

    def __init__(self, fn, label: str = ""):
        self.fn = fn
        self.label = label
        self.state = "pending"  # pending | running | done | failed | cancelled
        self.progress = ProgressReport()
        self.error: BaseException | None = None
        self._result = None
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._listeners: list = []
        self._thread: threading.Thread | None = None
        self.started_at: float | None = None
        self.ended_at: float | None = None

    # -- used by the work function ---------------------------------------------------------
    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if cancel was requested."""
        if self._cancel.is_set():
            raise Cancelled(self.label or "job")

    def report(self, **changes) -> None:
        """Update progress (``done``, ``total``, ``unit``, ``message``, ``files_done``, ...)."""
        for key, value in changes.items():
            setattr(self.progress, key, value)
        self.progress.time = time.monotonic()
        self._notify()

    # -- used by whoever started it --------------------------------------------------------
    def on_change(self, callback) -> None:
        """Call ``callback(job)`` on every progress report and state change (from the worker thread)."""
        self._listeners.append(callback)

    def start(self) -> "Job":
        self.state = "running"
        self.started_at = time.monotonic()
        self._thread = threading.Thread(target=self._run, name=f"ndw-job-{self.label}", daemon=True)
        self._thread.start()
        self._notify()
        for callback in list(_started_listeners):
            try:
                callback(self)
            except Exception:
                log.exception("job listener failed")
        return self

    def cancel(self) -> None:
        """Ask the work to stop at its next check point."""
        self._cancel.set()
        self._notify()

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)

    def result(self, timeout: float | None = None):
        """Wait for the job and return its result (re-raising its error)."""
        if not self._finished.wait(timeout):
            raise TimeoutError(f"job {self.label!r} still running")
        if self.error is not None:
            raise self.error
        return self._result

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    def _run(self) -> None:
        try:
            self._result = self.fn(self)
            self.state = "cancelled" if self.cancelled else "done"
        except Cancelled as exc:
            self.state, self.error = "cancelled", exc
        except BaseException as exc:  # reported through the banner, logged in full here
            log.exception("job %r failed", self.label)
            self.state, self.error = "failed", exc
        finally:
            self.ended_at = time.monotonic()
            self._finished.set()
            self._notify()

    def _notify(self) -> None:
        for callback in list(self._listeners):
            try:
                callback(self)
            except Exception:  # a broken listener must not kill the work
                log.exception("progress listener failed")
