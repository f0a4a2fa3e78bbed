"""Sphinx configuration of the neurodata-widgets handbook (executed with MyST-NB)."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

project = "neurodata-widgets handbook"
author = "neurodata-widgets developers"
copyright = "2026, neurodata-widgets developers"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# every page runs: cached locally, re-executed from scratch in CI; an error fails the build
nb_execution_mode = "force" if os.environ.get("CI") or os.environ.get("NDW_DOCS_FORCE") else "cache"
nb_execution_raise_on_error = True
nb_execution_timeout = 300
nb_execution_show_tb = True
nb_merge_streams = True

autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
autodoc_typehints = "description"
autodoc_member_order = "bysource"
napoleon_numpy_docstring = True
napoleon_google_docstring = False
suppress_warnings = ["mystnb.unknown_mime_type", "myst.xref_missing"]

html_theme = "sphinx_book_theme"
html_title = "neurodata-widgets"
html_static_path = ["_static"]
html_theme_options = {"show_toc_level": 2, "use_download_button": False}
