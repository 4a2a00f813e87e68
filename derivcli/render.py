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

from .numbers import json_number, shorten, text_number
from .results import Comparison, Derivative, Evaluation, Gradient, Hessian

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
    if isinstance(result, Comparison):
        return json.dumps(comparison_to_dict(result), allow_nan=False, ensure_ascii=False)
    return json.dumps(to_dict(result), allow_nan=False, ensure_ascii=False)


def to_csv(result: Evaluation | Gradient | Hessian) -> str:
    """CSV: ``value``; ``variable,derivative``; or the Hessian as a matrix."""
    if isinstance(result, Comparison):
        return comparison_to_csv(result)
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


DIFF_FORMATS = ("infix", "latex", "json")


def derivatives_text(results: list[Derivative], fmt: str, gradient: bool) -> str:
    """Symbolic derivatives: one expression, or one line per variable.

    ``gradient`` is true when no ``--wrt`` was given: then each line names
    its variable (``df/dx = 2*x*y``) and JSON maps variables to derivatives.
    """
    if fmt == "json":
        if not gradient:
            (d,) = results
            data: dict[str, Any] = {
                "expression": d.expression,
                "wrt": list(d.wrt),
                "derivative": d.derivative,
                "latex": d.latex,
            }
            if d.stats is not None:
                data["stats"] = d.stats
        else:
            data = {
                "expression": results[0].expression if results else "",
                "variables": [d.wrt[0] for d in results],
                "gradient": {d.wrt[0]: d.derivative for d in results},
                "latex": {d.wrt[0]: d.latex for d in results},
            }
            if results and results[0].stats is not None:
                data["stats"] = {d.wrt[0]: d.stats for d in results}
        return json.dumps(data, ensure_ascii=False) + "\n"
    text = [d.latex if fmt == "latex" else d.derivative for d in results]
    if not gradient:
        return text[0] if text[0].endswith("\n") else text[0] + "\n"
    if fmt == "program" or any("\n" in t for t in text):
        # programs: a comment line names each variable's block
        return "".join(f"# df/d{d.wrt[0]}\n{t.rstrip()}\n" for d, t in zip(results, text))
    if fmt == "latex":
        lines = [
            f"\\frac{{\\partial f}}{{\\partial {d.wrt[0]}}} = {t}" for d, t in zip(results, text)
        ]
    else:
        lines = [f"df/d{d.wrt[0]} = {t}" for d, t in zip(results, text)]
    return "".join(line + "\n" for line in lines)


def stats_text(d: Derivative) -> str:
    """``--stats``: how many nodes f and its derivative have."""
    s = d.stats or {}
    order = "".join(f"/d{name}" for name in d.wrt)
    return (
        f"nodes d{order}: expression {s.get('expression')}, "
        f"derivative as built {s.get('derivative_as_built')}, "
        f"after simplification {s.get('derivative_simplified')}"
    )


def _where(point: dict[str, float], limit: int = 6) -> str:
    items = [f"{k} = {text_number(v)}" for k, v in point.items()]
    if len(items) > limit:
        items = items[:limit] + [f"... ({len(point)} values)"]
    return ", ".join(items)


def _title(kind: str, result: Any) -> str:
    where = _where(result.point)
    at = f" at {where}" if where else ""
    mode = f" ({result.mode} mode)" if result.mode else ""
    return f"{kind} of {shorten(result.expression)}{at}{mode}"


NONE_MARK = " (none)"


def print_table(result: Evaluation | Gradient | Hessian, file: Any = None) -> None:
    """A title line, a rich table and a note line on ``file`` (stdout)."""
    if isinstance(result, Comparison):
        return print_comparison(result, file)
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


# ---------------------------------------------------------------------------
# compare: every mode side by side

#: a table shows at most this many derivative entries (JSON and CSV have all)
MAX_ENTRY_COLUMNS = 6
OUT_MARK = "*"
OUT_STYLE = "bold red"


def _entry_path(kind: str, key: tuple[str, ...]) -> str:
    """``value``, ``gradient.x`` or ``hessian.x.y``: where the entry is in JSON."""
    return ".".join((kind, *key)) if key else "value"


def comparison_to_dict(result: Comparison) -> dict[str, Any]:
    """The JSON object of a comparison: one object per mode under ``modes``."""
    modes = []
    for row in result.rows:
        if row.skipped is not None:
            modes.append({"mode": row.mode, "skipped": row.skipped})
            continue
        if row.failed is not None:
            modes.append({"mode": row.mode, "failed": row.failed, "agrees": False})
            continue
        item: dict[str, Any] = {"mode": row.mode, "value": json_number(row.value)}
        if result.kind == "hessian":
            item["hessian"] = _numbers(row.hessian or {})
        else:
            item["gradient"] = _numbers(row.gradient or {})
        item["max_abs_error"] = json_number(row.max_abs_error)
        item["max_ulp_error"] = json_number(row.max_ulp_error)
        item["seconds"] = row.seconds
        item["evaluations"] = row.evaluations
        item["cost"] = row.cost
        item["repetitions"] = row.repetitions
        item["agrees"] = row.agrees
        item["out_of_tolerance"] = [_entry_path(result.kind, k) for k in row.out_of_tolerance]
        if row.import_seconds is not None:
            item["import_seconds"] = row.import_seconds
            item["first_run_seconds"] = row.first_seconds
        modes.append(item)
    return {
        "expression": result.expression,
        "point": _numbers(result.point),
        "variables": list(result.variables),
        "reference": result.reference,
        "modes": modes,
        "kind": result.kind,
        "structural_zeros": [list(k) if len(k) > 1 else k[0] for k in result.structural_zeros],
        "tolerance": result.tolerance,
        "agree": result.agree,
        "warnings": list(result.warnings),
    }


def comparison_to_csv(result: Comparison) -> str:
    """CSV: one row per mode and entry (the value, then each derivative);
    ``wrt`` is ``x`` for a gradient entry and ``x.y`` for a Hessian entry."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "mode",
            "quantity",
            "wrt",
            "result",
            "reference",
            "abs_error",
            "ulp_error",
            "agrees",
            "seconds",
            "evaluations",
            "skipped",
        ]
    )
    for row in result.rows:
        if row.skipped is not None or row.failed is not None:
            reason = row.skipped if row.skipped is not None else f"failed: {row.failed}"
            agrees = "true" if row.skipped is not None else "false"
            writer.writerow([row.mode, "", "", "", "", "", "", agrees, "", "", reason])
            continue
        cells = [((), row.value, result.reference_value)]
        cells += [(k, v, result.reference_entries[k]) for k, v in row.entries.items()]
        bad = set(row.out_of_tolerance)
        for key, ours, exact in cells:
            writer.writerow(
                [
                    row.mode,
                    result.kind if key else "value",
                    ".".join(key),
                    text_number(ours),
                    text_number(exact),
                    text_number(row.abs_errors[key]),
                    text_number(row.ulp_errors[key]),
                    "false" if key in bad else "true",
                    repr(row.seconds),
                    row.evaluations,
                    "",
                ]
            )
    return buffer.getvalue()


def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    if value < 1e-3:
        return f"{value * 1e6:.3g} µs"
    if value < 1.0:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} s"


def _error_text(value: float | None) -> str:
    if value is None:
        return ""
    if value == 0 or not _finite(value):
        return text_number(value)
    return f"{value:.1e}"


def _ulp_text(value: float | None) -> str:
    if value is None:
        return ""
    if not _finite(value):
        return text_number(value)
    return f"{value:.3g} ulp"


def _finite(value: float) -> bool:
    import math

    return math.isfinite(value)


def print_comparison(result: Comparison, file: Any = None) -> None:
    """A title, one table row per mode, and notes on cost, time and tolerance."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=file, highlight=False)
    table = Table(box=box.SIMPLE_HEAVY, show_edge=False)
    keys = list(result.reference_entries)
    shown = keys if len(keys) <= MAX_ENTRY_COLUMNS else keys[: MAX_ENTRY_COLUMNS - 1]
    zeros = set(result.structural_zeros)
    table.add_column("mode", style="bold")
    table.add_column("value", justify="right")
    for key in shown:
        table.add_column(",".join(key), justify="right")
    if len(shown) < len(keys):
        table.add_column("…")
    table.add_column("max abs error", justify="right")
    table.add_column("max ulp error", justify="right")
    table.add_column("time", justify="right")
    table.add_column("cost", justify="right")

    def cell(text: str, bad: bool) -> Text:
        return Text(text + OUT_MARK, style=OUT_STYLE) if bad else Text(text)

    notes = []
    blanks = len(shown) + (len(shown) < len(keys)) + 4
    for row in result.rows:
        if row.skipped is not None or row.failed is not None:
            word = "skipped" if row.skipped is not None else "failed"
            style = "dim" if row.skipped is not None else OUT_STYLE
            table.add_row(row.mode, Text(word, style=style), *[""] * blanks)
            notes.append(f"{row.mode} {word}: {row.skipped or row.failed}")
            continue
        bad = set(row.out_of_tolerance)
        cells = [cell(text_number(row.value), () in bad)]
        for key in shown:
            text = text_number(row.entries[key]) + (NONE_MARK if key in zeros else "")
            cells.append(cell(text, key in bad))
        if len(shown) < len(keys):
            hidden_bad = any(k in bad for k in keys[len(shown) :])
            cells.append(cell(f"{len(keys) - len(shown)} more", hidden_bad))
        disagrees = not row.agrees
        cells.append(cell(_error_text(row.max_abs_error), disagrees))
        cells.append(cell(_ulp_text(row.max_ulp_error), disagrees))
        cells.append(Text(_seconds(row.seconds)))
        cells.append(Text(row.cost))
        table.add_row(row.mode, *cells)

    kind = "Hessian" if result.kind == "hessian" else "Gradient"
    where = _where(result.point)
    title = f"{kind} of {shorten(result.expression)}{' at ' + where if where else ''}"
    console.print(f"{title}: every mode against {result.reference}", style="bold", markup=False)
    # numbers are the point of this table: widen it rather than cut digits
    from rich.measure import Measurement

    natural = Measurement.get(console, console.options.update_width(10_000), table).maximum
    if natural > console.width:
        Console(file=file, highlight=False, width=natural).print(table)
    else:
        console.print(table)
    n = len(result.variables)
    ran = [row for row in result.rows if row.skipped is None and row.failed is None]
    if ran:
        notes.append(f"cost for n = {n} variable{'s' if n != 1 else ''}:")
        width = max(len(row.mode) for row in ran)
        notes.extend(f"  {row.mode:<{width}}  {row.cost}: {row.cost_note}" for row in ran)
        repetitions = sorted({row.repetitions for row in ran})
        counts = str(repetitions[0])
        if len(repetitions) > 1:
            counts += f"-{repetitions[-1]}"
        notes.append(
            f"time: median of {counts} runs of the computation alone, after a warm-up run; "
            "parsing and imports excluded"
        )
    for row in ran:
        if row.import_seconds is not None:
            notes.append(
                f"{row.mode}: importing TensorFlow took {_seconds(row.import_seconds)} and "
                f"the first run {_seconds(row.first_seconds)} (once per process; "
                "not in the time column)"
            )
    if len(shown) < len(keys):
        notes.append(
            f"showing {len(shown)} of {len(keys)} entries; --format json or csv lists them all"
        )
    if zeros:
        notes.append("(none): the variable does not reach that derivative")
    notes.append(f"tolerance: {result.tolerance_note}")
    if result.agree:
        notes.append(f"every mode that ran agrees with {result.reference} within its tolerance")
    else:
        late = result.disagreeing
        verb = "differs" if len(late) == 1 else "differ"
        notes.append(
            f"{OUT_MARK} beyond the tolerance: {', '.join(late)} {verb} from {result.reference}"
        )
    for note in notes:
        console.print(note, markup=False)
