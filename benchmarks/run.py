"""Run every ``benchmarks/bench_*.py`` and print one table; write ``benchmarks/results.json``.

Each module has ``run() -> list[dict]`` returning rows with keys ``name``, ``unit``,
``ours``, ``baseline`` (measured in the same run) and ``target`` (the goal for
``ratio = ours / baseline`` as a string such as ``"<= 1.5"`` or ``">= 10"``).
A row may carry ``note``. ``python benchmarks/run.py xnat`` runs only ``bench_xnat.py``.
``NDW_BENCH_SIZE=tiny`` runs everything on toy sizes (see ``sizes.py``) and writes
``results-tiny.json`` instead, so a smoke run never replaces real figures.
"""
from __future__ import annotations

import importlib.util
import json
import operator
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}


def meets(ratio: float, target: str) -> bool:
    op, _, value = target.strip().partition(" ")
    return OPS[op](ratio, float(value))


def compile_package() -> None:
    """Write the package's bytecode first, as ``pip install`` does for a wheel. An editable tree gets it at the
    first import, unless ``PYTHONDONTWRITEBYTECODE`` is set in the shell: then every new kernel compiles every
    module again, and the dashboards' loads measured the compiler (0.1 s and more) as well as the toolkit."""
    import compileall

    compileall.compile_dir(str(HERE.parent / "neurodata_widgets"), quiet=1)


def main(argv) -> int:
    from sizes import TINY

    compile_package()
    wanted = set(argv)
    rows, failed = [], []
    for path in sorted(HERE.glob("bench_*.py")):
        slice_name = path.stem[len("bench_"):]
        if wanted and slice_name not in wanted:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
            for row in module.run():
                row["ratio"] = row["ours"] / row["baseline"] if row["baseline"] else float("inf")
                row["met"] = meets(row["ratio"], row["target"])
                rows.append(row)
        except Exception:
            traceback.print_exc()
            failed.append(path.name)
    (HERE / ("results-tiny.json" if TINY else "results.json")).write_text(json.dumps(
        [{k: r[k] for k in ("name", "unit", "ours", "baseline", "ratio", "target", "met", "note") if k in r}
         for r in rows], indent=2) + "\n")
    width = max([len(r["name"]) for r in rows] + [6])
    print(f"{'figure':<{width}}  {'unit':<8} {'ours':>12} {'baseline':>12} {'ratio':>8}  target    met")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['unit']:<8} {r['ours']:>12.4g} {r['baseline']:>12.4g} {r['ratio']:>8.3g}  "
              f"{r['target']:<9} {'yes' if r['met'] else 'NO'}")
    if TINY:
        print("(NDW_BENCH_SIZE=tiny: toy sizes, the figures mean nothing)")
    if failed:
        print(f"benchmarks that crashed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
