"""Importing the package is cheap and public names resolve lazily."""
import subprocess
import sys

HEAVY = ("datalad", "xnat", "globus_sdk", "pandas", "ipywidgets")


def test_import_loads_no_heavy_dependency():
    code = ("import neurodata_widgets, sys; "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_public_names_resolve():
    import neurodata_widgets as ndw

    for name in ndw.__all__:
        assert getattr(ndw, name) is not None


def test_unknown_name_is_an_attribute_error():
    import neurodata_widgets as ndw

    try:
        ndw.NoSuchThing
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
