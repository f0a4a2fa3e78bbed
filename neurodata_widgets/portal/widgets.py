"""Widgets that compose the portal dashboard."""
from __future__ import annotations

import ipywidgets as widgets
from traitlets import Unicode

from ..config import query_params, setting
from ..ui.banner import StatusBanner
from ..ui.html import badge, escape


def default_dataset(value=None) -> str:
    """The dataset a dashboard opens: argument, ``?dataset=``, ``$NDW_DATASET``, else the demo superdataset."""
    chosen = value or query_params().get("dataset") or setting("dataset")
    if chosen:
        return chosen
    from ..sandbox.demo_data import build_demo_datasets

    return build_demo_datasets()["superdataset"]


class DatasetCard(widgets.VBox):
    """Name, id, subdatasets and run-record count of a dataset.

    Examples
    --------
    >>> card = DatasetCard("/path/to/ndw-demo")          # doctest: +SKIP
    >>> card.summary["run_records"]                      # doctest: +SKIP
    4
    """

    value = Unicode("", help="path of the dataset shown").tag(sync=True)

    def __init__(self, path: str = "", **kwargs):
        self.html = widgets.HTML()
        self.banner = StatusBanner()
        self.summary: dict = {}
        super().__init__([self.banner, self.html], **kwargs)
        self.observe(self._refresh, names="value")
        self.value = path

    def _refresh(self, change=None) -> None:
        from ..datasets.state import dataset_summary

        self.banner.clear()
        try:
            self.summary = dataset_summary(self.value)
        except Exception as exc:
            self.summary = {}
            self.html.value = ""
            self.banner.show_error(exc, f"Opening {self.value}")
            return
        s = self.summary
        subs = "".join(
            f"<li><code>{escape(d['path'])}</code> "
            f"{badge('installed', 'ok') if d['installed'] else badge('not installed', 'warn')}"
            f" <span class='ndw-muted'>{escape(d['id'])}</span></li>" for d in s["subdatasets"])
        self.html.value = (
            f'<div class="ndw ndw-card"><h2 class="ndw-dataset-name">{escape(s["name"])}</h2>'
            f'<p class="ndw-muted">{escape(s["description"])} · id <code>{escape(s["id"])}</code></p>'
            f'<p><b class="ndw-subdataset-count">{len(s["subdatasets"])}</b> subdatasets:</p><ul>{subs}</ul>'
            f'<p><b class="ndw-run-count">{s["run_records"]}</b> run records</p></div>')
