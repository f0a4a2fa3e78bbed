"""The one progress + cancel component, showing a :class:`neurodata_widgets.jobs.Job`."""
from __future__ import annotations

import time

import ipywidgets as widgets
from traitlets import Unicode

from ..jobs import Job
from .banner import StatusBanner
from .html import escape, format_bytes, format_rate


class JobProgress(widgets.VBox):
    """Progress bar, counts, rate and a Cancel button for a background job.

    Parameters
    ----------
    banner : StatusBanner, optional
        Where the end result (done / cancelled / error) is reported; a new one by default.

    Examples
    --------
    >>> from neurodata_widgets.jobs import Job
    >>> p = JobProgress()
    >>> job = p.run(Job(lambda job: 42, label="answer"))
    >>> job.result(timeout=5)
    42
    """

    state = Unicode("idle", help="idle, running, done, failed or cancelled").tag(sync=True)

    def __init__(self, banner: StatusBanner | None = None, **kwargs):
        self.bar = widgets.FloatProgress(min=0, max=1, value=0, layout=widgets.Layout(width="60%"))
        self.text = widgets.HTML("", layout=widgets.Layout(width="auto"))
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", button_style="warning",
                                            layout=widgets.Layout(width="90px"), disabled=True)
        self.cancel_button.on_click(lambda _: self.cancel())
        self.banner = banner or StatusBanner()
        self.job: Job | None = None
        self._done = widgets.CallbackDispatcher()
        self._last = 0.0
        super().__init__([widgets.HBox([self.bar, self.cancel_button, self.text]), self.banner], **kwargs)
        self.layout.display = "none"

    def on_done(self, callback, remove: bool = False) -> None:
        """Call ``callback(job)`` when a job ends (done, failed or cancelled)."""
        self._done.register_callback(callback, remove=remove)

    def run(self, job: Job) -> Job:
        """Show ``job`` and start it (if not started yet)."""
        if self.job is not None and not self.job.done:
            raise RuntimeError("a job is already running here; cancel it first")
        self.job = job
        self.layout.display = None
        self.state = "running"
        self.bar.bar_style = ""
        self.bar.value = 0
        self.cancel_button.disabled = False
        self.cancel_button.layout.display = None
        self.banner.clear()
        job.on_change(self._update)
        if job.state == "pending":
            job.start()
        return job

    def cancel(self) -> None:
        if self.job is not None and not self.job.done:
            self.job.cancel()
            self.text.value = "cancelling…"

    def _update(self, job: Job) -> None:
        now = time.monotonic()
        if not job.done and now - self._last < 0.1:  # at most ~10 UI updates per second
            return
        self._last = now
        p = job.progress
        frac = p.fraction
        self.bar.value = frac if frac is not None else 0
        parts = [escape(job.label)]
        if p.unit == "bytes":
            parts.append(f"{format_bytes(p.done)} of {format_bytes(p.total)}" if p.total else format_bytes(p.done))
            elapsed = now - (job.started_at or now)
            if elapsed > 0.5 and p.done:
                parts.append(format_rate(p.done / elapsed))
        elif p.total:
            parts.append(f"{p.done:g} of {p.total:g} {escape(p.unit)}")
        if p.files_total:
            parts.append(f"{p.files_done} of {p.files_total} files")
        if p.message:
            parts.append(escape(p.message))
        self.text.value = " · ".join(x for x in parts if x)
        if job.done:
            self._finish(job)

    def _finish(self, job: Job) -> None:
        self.state = job.state
        # a finished job leaves no greyed Cancel and no "cloning…" behind: the row says how it ended
        self.cancel_button.disabled = True
        self.cancel_button.layout.display = "none"
        if job.state != "done":  # the counts of a finished job stay; a stopped one's "cloning…" would mislead
            self.text.value = f"{escape(job.label)} · {escape(job.state)}"
        if job.state == "done":
            self.bar.value = 1
            self.bar.bar_style = "success"
            self.banner.show(f"{job.label}: done", "ok")
        elif job.state == "cancelled":
            self.bar.bar_style = "warning"
            self.banner.show(f"{job.label}: cancelled", "warn", "Nothing partial was kept.")
        else:
            self.bar.bar_style = "danger"
            self.banner.show_error(job.error, job.label)
        for callback in list(self._done.callbacks):  # not the dispatcher's call: it would swallow errors
            callback(job)
