"""Jupyter widgets and Voila dashboards for neuroscience data logistics.

Importing the package is cheap: public names resolve on first use, so
``import neurodata_widgets`` loads none of datalad, xnat, globus_sdk or pandas.

Examples
--------
>>> import neurodata_widgets as ndw
>>> ndw.__version__
'0.1.0'
"""
from __future__ import annotations

import importlib

from . import config as _config
from . import git_identity as _git_identity
from . import tools as _tools

__version__ = "0.1.0"

# git-annex and datalad live in this environment's bin folder, which an unactivated
# kernel, Voila or Sphinx does not have on PATH: see neurodata_widgets.tools
_tools.ensure_tools_on_path()
# NDW_LOG_FILE (the demo sets it): tracebacks go there, and error banners name it
_config.setup_log_file()
# a fresh account has no git identity: commits get the toolkit's per-environment one (yours wins when set)
_git_identity.apply()

# public name -> "module:attribute"; slices add their names here
_LAZY = {
    "Job": "neurodata_widgets.jobs:Job",
    "Cancelled": "neurodata_widgets.jobs:Cancelled",
    "Sandbox": "neurodata_widgets.sandbox.runner:Sandbox",
    "build_demo_datasets": "neurodata_widgets.sandbox.demo_data:build_demo_datasets",
    "dataset_summary": "neurodata_widgets.datasets.state:dataset_summary",
    "StatusBanner": "neurodata_widgets.ui.banner:StatusBanner",
    "JobProgress": "neurodata_widgets.ui.progress:JobProgress",
    "PagedTable": "neurodata_widgets.ui.table:PagedTable",
    "XnatClient": "neurodata_widgets.xnat.client:XnatClient",
    "XnatLogin": "neurodata_widgets.xnat.widgets:XnatLogin",
    "XnatBrowser": "neurodata_widgets.xnat.widgets:XnatBrowser",
    "CredentialStore": "neurodata_widgets.auth.credentials:CredentialStore",
    "GlobusClient": "neurodata_widgets.globus.client:GlobusClient",
    "GlobusLogin": "neurodata_widgets.globus.widgets:GlobusLogin",
    "GlobusBrowser": "neurodata_widgets.globus.widgets:GlobusBrowser",
    "TransferPanel": "neurodata_widgets.globus.widgets:TransferPanel",
    "DatasetSearch": "neurodata_widgets.search.widgets:DatasetSearch",
    "Catalog": "neurodata_widgets.search.catalog:Catalog",
    "RegistryClient": "neurodata_widgets.search.registry:RegistryClient",
    "parse_query": "neurodata_widgets.search.query:parse",
    "ProvenanceViewer": "neurodata_widgets.provenance.widgets:ProvenanceViewer",
    "run_records": "neurodata_widgets.provenance.history:run_records",
    "lineage": "neurodata_widgets.provenance.lineage:lineage",
    "DatasetState": "neurodata_widgets.datasets.state:DatasetState",
    "DatasetExplorer": "neurodata_widgets.datasets.widgets:DatasetExplorer",
    "identity": "neurodata_widgets.git_identity:identity",
    "set_identity": "neurodata_widgets.git_identity:set_identity",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str):
    try:
        target = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'neurodata_widgets' has no attribute {name!r}") from None
    module_name, attr = target.split(":")
    value = getattr(importlib.import_module(module_name), attr)
    globals()[name] = value  # cache: the next lookup is a plain attribute
    return value


def __dir__():
    return __all__
