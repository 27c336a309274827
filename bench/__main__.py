"""Run every ``bench/bench_*.py`` module and write ``bench/report.md``.

Each module defines ``run() -> list[Row]`` (see ``bench.report``); the rows of all modules
are printed as they come and gathered into one Markdown report. ``python -m bench NAME``
runs only the modules whose name contains NAME.
"""

from __future__ import annotations

import importlib
import platform
import sys
import time
from pathlib import Path

from bench.report import Row, render, render_header, render_section

HERE = Path(__file__).parent


def main(argv: list[str]) -> int:
    wanted = argv[1:]
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if wanted:
        modules = [m for m in modules if any(w in m for w in wanted)]
    sections: list[tuple[str, list[Row]]] = []
    for name in modules:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}: {(module.__doc__ or '').strip().splitlines()[0]}", flush=True)
        started = time.perf_counter()
        rows = module.run()
        for row in rows:
            print("   " + row.line(), flush=True)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
        sections.append((name, rows))
    header = (
        f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"Python {platform.python_version()}, run {time.strftime('%Y-%m-%d %H:%M')}"
    )
    out = HERE / "report.md"
    if wanted and out.exists():
        # A partial run replaces only its own sections of the last full report.
        kept = _sections(out.read_text())
        kept.update({name: render_section(name, rows) for name, rows in sections})
        out.write_text(render_header(header) + "\n".join(kept[name] for name in sorted(kept)))
    else:
        out.write_text(render(header, sections))
    print(f"report written to {out}")
    return 0


def _sections(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in text.split("\n## ")[1:]:
        name = chunk.split("\n", 1)[0].strip()
        found[name] = "## " + chunk.rstrip("\n") + "\n"
    return found


if __name__ == "__main__":
    sys.exit(main(sys.argv))
