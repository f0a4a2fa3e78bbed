"""Sphinx configuration of the neurodata-widgets handbook (executed with MyST-NB)."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The code-alongs log in to the sandbox, store credentials and make datasets. They do it in a folder of
# the build, never in the builder's own configuration, keyring or git config: building the handbook must
# not log anyone out of (or into) anything. The executing kernels inherit this environment.
_STATE = ROOT / "handbook" / "_build" / "state"
_STATE.mkdir(parents=True, exist_ok=True)
(_STATE / "gitconfig").write_text("[user]\n\tname = neurodata-widgets handbook\n"
                                  "\temail = handbook@neurodata-widgets.invalid\n")
os.environ.update({
    "XDG_CONFIG_HOME": str(_STATE / "config"),
    "XDG_DATA_HOME": str(_STATE / "data"),
    "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
    "GIT_CONFIG_GLOBAL": str(_STATE / "gitconfig"),
    "NDW_SANDBOX_FILE": str(_STATE / "sandbox.json"),
})

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
# "path" and "str" in numpydoc types match several attributes named so; that ambiguity is not an error
suppress_warnings = ["mystnb.unknown_mime_type", "ref.python"]

html_theme = "sphinx_book_theme"
html_title = "neurodata-widgets"
html_static_path = ["_static"]
html_theme_options = {"show_toc_level": 2, "use_download_button": False}

# -- widgets offline ------------------------------------------------------------------------------
# The pages embed widget state; the widget manager that renders it (with RequireJS) is served from
# the built pages, not a CDN, so the handbook shows its widgets offline. Both come from the npm
# registry's packages, fetched once with npm into the user's cache and copied into _static.
WIDGET_PACKAGES = ("@jupyter-widgets/html-manager@1.0.15", "requirejs@2.3.7")
WIDGET_ASSETS = (".js", ".eot", ".svg", ".ttf", ".woff", ".woff2")


def widget_js_root() -> Path:
    """A folder holding ``ndw-widgets/`` (embed-amd.js, require.js, html-manager/dist/ fonts), fetched once with npm."""
    import shutil
    import subprocess
    import tarfile
    import tempfile

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "neurodata-widgets" / "handbook-js"
    target = cache / "ndw-widgets"
    if all((target / name).exists() for name in ("embed-amd.js", "require.js", "html-manager/dist")):
        return cache
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("The handbook serves the widget JavaScript itself and fetches it once with npm: "
                           "install Node.js and npm (apt-get install npm), then build again.")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([npm, "pack", "--silent", *WIDGET_PACKAGES], cwd=tmp, check=True, capture_output=True,
                       timeout=300)
        staging = Path(tmp) / "ndw-widgets"
        staging.mkdir()
        for tgz in Path(tmp).glob("*.tgz"):
            with tarfile.open(tgz) as tar:
                for member in tar.getmembers():
                    name = member.name.removeprefix("package/")
                    keep = (name.startswith("dist/") and name.count("/") == 1 and name.endswith(WIDGET_ASSETS)
                            and not name.startswith(("dist/embed.js", "dist/libembed"))) or name == "require.js"
                    if keep and member.isfile():
                        data = tar.extractfile(member).read()
                        (staging / Path(name).name).write_bytes(data)
                        if not name.endswith(".js"):
                            # the manager looks for its fonts next to the module it was loaded as, which
                            # _static/ndw-widgets-config.js maps here (or html-manager/dist/ for the first)
                            fonts = staging / "html-manager" / "dist"
                            fonts.mkdir(parents=True, exist_ok=True)
                            (fonts / Path(name).name).write_bytes(data)
        cache.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(str(staging), target)
    return cache


def anywidget_js_root() -> Path:
    """A folder holding ``ndw-anywidget/index.js``: the front end of anywidget (the toolkit's table is one),
    as the installed anywidget package ships it for RequireJS, so its widgets render offline too."""
    import shutil

    import anywidget

    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "neurodata-widgets" / "handbook-anywidget"
    (folder / "ndw-anywidget").mkdir(parents=True, exist_ok=True)
    # copied on every build: the pages must carry the front end of the anywidget installed with them
    shutil.copy(Path(anywidget.__file__).with_name("nbextension") / "index.js", folder / "ndw-anywidget" / "index.js")
    return folder


html_static_path = ["_static", str(widget_js_root()), str(anywidget_js_root())]
nb_ipywidgets_js = {
    "ndw-widgets/require.js": {},
    "ndw-widgets-config.js": {},
    # no CDN for widget modules outside the bundle: the page never reaches outside
    "ndw-widgets/embed-amd.js": {"data-jupyter-widgets-cdn": "ndw-widgets/"},
}
