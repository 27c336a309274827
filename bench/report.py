"""One measured figure, printed beside its target and the comparison it names."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """A measured figure.

    ``target`` states the goal (for example ``"<= 10 s"``) and ``met`` whether the measured
    value reached it; ``compare`` names what the figure is set beside and its value.
    """

    what: str
    value: str
    target: str = ""
    met: bool | None = None
    compare: str = ""

    def line(self) -> str:
        verdict = {True: "ok", False: "MISSED", None: ""}[self.met]
        parts = [f"{self.what}: {self.value}"]
        if self.target:
            parts.append(f"target {self.target} {verdict}".rstrip())
        if self.compare:
            parts.append(f"vs {self.compare}")
        return " | ".join(parts)


def render_header(header: str) -> str:
    return "\n".join(["# Fairfile benchmark report", "", header, "", ""])


def render_section(name: str, rows: list[Row]) -> str:
    lines = [f"## {name}", "", "| figure | measured | target | met | compared with |"]
    lines.append("|---|---|---|---|---|")
    for r in rows:
        met = {True: "yes", False: "**no**", None: ""}[r.met]
        lines.append(f"| {r.what} | {r.value} | {r.target} | {met} | {r.compare} |")
    return "\n".join(lines) + "\n"


def render(header: str, sections: list[tuple[str, list[Row]]]) -> str:
    return render_header(header) + "\n".join(render_section(n, rows) for n, rows in sections)
