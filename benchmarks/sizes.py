"""Benchmark sizes: ``NDW_BENCH_SIZE=tiny`` runs every benchmark on toy sizes, ``full`` (the default) on real ones.

The tiny setting is for checking that ``make bench`` works at all (tests/test_readme_commands.py
runs it from a plain shell); its figures mean nothing. Each benchmark picks its sizes with
:func:`pick`::

    N_FILES = pick(full=100_000, tiny=300)
"""
import os

SIZE = os.environ.get("NDW_BENCH_SIZE", "full").strip().lower() or "full"
if SIZE not in ("full", "tiny"):
    raise SystemExit(f"NDW_BENCH_SIZE={SIZE!r}: use 'full' (the default) or 'tiny'")
TINY = SIZE == "tiny"


def pick(full, tiny):
    """``full`` normally, ``tiny`` under ``NDW_BENCH_SIZE=tiny``."""
    return tiny if TINY else full
