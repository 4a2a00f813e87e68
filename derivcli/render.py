"""Results to text: rich tables for people, JSON and CSV for scripts.

JSON is always strict: non-finite numbers are the strings ``"NaN"``,
``"Infinity"`` and ``"-Infinity"``. rich is imported only when a table is
printed.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .numbers import json_number, text_number
from .results import Evaluation, Gradient, Hessian

FORMATS = ("table", "json", "csv")


def _numbers(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: _numbers(v) if isinstance(v, dict) else json_number(v) for k, v in mapping.items()}


def to_dict(result: Evaluation | Gradient | Hessian) -> dict[str, Any]:
    """The JSON object of a result (keys as in DESIGN.md's contract)."""
    out: dict[str, Any] = {
        "expression": result.expression,
        "mode": result.mode,
        "point": _numbers(result.point),
        "variables": list(result.variables),
        "value": json_number(result.value),
    }
    if isinstance(result, (Gradient, Hessian)):
        out["gradient"] = _numbers(result.gradient)
    if isinstance(result, Hessian):
        out["hessian"] = _numbers(result.hessian)
    if isinstance(result, (Gradient, Hessian)):
        if result.error_estimate is not None:
            out["error_estimate"] = _numbers(result.error_estimate)
        out["structural_zeros"] = [
            list(z) if isinstance(z, tuple) else z for z in result.structural_zeros
        ]
        out["evaluations"] = result.evaluations
    out["warnings"] = list(result.warnings)
    return out


def to_json(result: Evaluation | Gradient | Hessian) -> str:
    return json.dumps(to_dict(result), allow_nan=False, ensure_ascii=False)


def to_csv(result: Evaluation | Gradient | Hessian) -> str:
    """CSV: ``value``; ``variable,derivative``; or the Hessian as a matrix."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if isinstance(result, Hessian):
        writer.writerow(["variable", *result.variables])
        for a in result.variables:
            writer.writerow([a, *(text_number(result.hessian[a][b]) for b in result.variables)])
    elif isinstance(result, Gradient):
        numeric = result.error_estimate is not None
        writer.writerow(["variable", "derivative", *(["error_estimate"] if numeric else [])])
        for name in result.variables:
            row = [name, text_number(result.gradient[name])]
            if numeric:
                row.append(text_number(result.error_estimate[name]))
            writer.writerow(row)
    else:
        writer.writerow(["value"])
        writer.writerow([text_number(result.value)])
    return buffer.getvalue()


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    half = (limit - 3) // 2
    return f"{text[:half]}...{text[-half:]}"


def _where(point: dict[str, float], limit: int = 6) -> str:
    items = [f"{k} = {text_number(v)}" for k, v in point.items()]
    if len(items) > limit:
        items = items[:limit] + [f"... ({len(point)} values)"]
    return ", ".join(items)


def _title(kind: str, result: Any) -> str:
    where = _where(result.point)
    at = f" at {where}" if where else ""
    mode = f" ({result.mode} mode)" if result.mode else ""
    return f"{kind} of {_shorten(result.expression)}{at}{mode}"


NONE_MARK = " (none)"


def print_table(result: Evaluation | Gradient | Hessian, file: Any = None) -> None:
    """A title line, a rich table and a note line on ``file`` (stdout)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(file=file, highlight=False)
    table = Table(box=box.SIMPLE_HEAVY, show_edge=False)
    notes = [f"value {text_number(result.value)}"]
    if isinstance(result, Hessian):
        title = _title("Hessian", result)
        zeros = set(result.structural_zeros)
        table.add_column("", style="bold")
        for name in result.variables:
            table.add_column(name, justify="right")
        for a in result.variables:
            cells = []
            for b in result.variables:
                text = text_number(result.hessian[a][b])
                if (a, b) in zeros:
                    text += NONE_MARK
                if result.error_estimate is not None:
                    text += f" ± {result.error_estimate[a][b]:.1e}"
                cells.append(text)
            table.add_row(a, *cells)
        if zeros:
            notes.append("(none): the variable does not reach that derivative")
    elif isinstance(result, Gradient):
        title = _title("Gradient", result)
        zeros = set(result.structural_zeros)
        numeric = result.error_estimate is not None
        table.add_column("variable", style="bold")
        table.add_column("derivative", justify="right")
        if numeric:
            table.add_column("error estimate", justify="right")
        for name in result.variables:
            text = text_number(result.gradient[name])
            if name in zeros:
                text += NONE_MARK
            row = [name, text]
            if numeric:
                row.append(f"{result.error_estimate[name]:.1e}")
            table.add_row(*row)
        if zeros:
            notes.append("(none): the variable does not reach the expression")
    else:
        title = _title("Value", result)
        table.add_column("value", justify="right")
        table.add_row(text_number(result.value))
        notes = []
    console.print(title, style="bold", markup=False)
    console.print(table)
    for note in notes:
        console.print(note, markup=False)
