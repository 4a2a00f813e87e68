"""Results to text: rich tables for people, JSON and CSV for scripts.

JSON is always strict: non-finite numbers are the strings ``"NaN"``,
``"Infinity"`` and ``"-Infinity"``. rich is imported only when a table is
printed.
"""

from __future__ import annotations

import io
import re
import sys
from typing import Any

from .numbers import error_text, json_number, shorten, text_number
from .results import Comparison, Derivative, Directional, Evaluation, Gradient, Hessian, Jacobian

FORMATS = ("table", "json", "csv", "value")
#: compare has no single list of numbers to print
COMPARE_FORMATS = ("table", "json", "csv")


def _numbers(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: _numbers(v) if isinstance(v, dict) else json_number(v) for k, v in mapping.items()}


def to_dict(result: Any) -> dict[str, Any]:
    """The JSON object of a result (keys as in DESIGN.md's contract)."""
    return _renderer(_JSON, result)(result)


def _renderer(table: dict, result: Any) -> Any:
    """The renderer of ``result``'s kind (an evaluation of several outputs
    is its own kind)."""
    kind = type(result)
    if kind is Evaluation and result.values is not None:
        kind = "evaluations"
    return table[kind]


def _evaluation_dict(result: Evaluation) -> dict[str, Any]:
    return {
        "expression": result.expression,
        "mode": result.mode,
        "point": _numbers(result.point),
        "variables": list(result.variables),
        "value": json_number(result.value),
        "warnings": list(result.warnings),
    }


def _derivatives_dict(result: Gradient | Hessian) -> dict[str, Any]:
    """Gradient and Hessian: the value, the gradient, the Hessian if there
    is one, then what every derivative result reports."""
    out: dict[str, Any] = {
        "expression": result.expression,
        "mode": result.mode,
        "point": _numbers(result.point),
        "variables": list(result.variables),
        "value": json_number(result.value),
        "gradient": _numbers(result.gradient),
    }
    if isinstance(result, Hessian):
        out["hessian"] = _numbers(result.hessian)
    if result.error_estimate is not None:
        out["error_estimate"] = _numbers(result.error_estimate)
    out["structural_zeros"] = [
        list(z) if isinstance(z, tuple) else z for z in result.structural_zeros
    ]
    out["evaluations"] = result.evaluations
    if result.digits is not None:  # mpmath mode: every digit, as text
        out["digits"] = result.digits
    _add_kinks(out, result)
    out["warnings"] = list(result.warnings)
    return out


def to_json(result: Any) -> str:
    import json  # (only for JSON: tables and values start without it)

    return json.dumps(to_dict(result), allow_nan=False, ensure_ascii=False)


def to_csv(result: Any) -> str:
    """CSV: ``value``; ``variable,derivative``; a matrix (Hessian, Jacobian);
    one row per entry of a product; one row per mode and entry (compare)."""
    if isinstance(result, Comparison):
        return comparison_to_csv(result)
    buffer = io.StringIO()
    import csv  # only for --format csv

    writer = csv.writer(buffer, lineterminator="\n")
    _renderer(_CSV, result)(result, writer)
    return buffer.getvalue()


def _evaluation_csv(result: Evaluation, writer: Any) -> None:
    writer.writerow(["value"])
    writer.writerow([text_number(result.value)])


def _evaluations_csv(result: Evaluation, writer: Any) -> None:
    writer.writerow(["output", "value"])
    for name, v in result.values.items():
        writer.writerow([name, text_number(v)])


def _gradient_csv(result: Gradient, writer: Any) -> None:
    numeric = result.error_estimate is not None
    writer.writerow(["variable", "derivative", *(["error_estimate"] if numeric else [])])
    for name in result.variables:
        row = [name, text_number(result.gradient[name])]
        if numeric:
            row.append(text_number(result.error_estimate[name]))
        writer.writerow(row)


def _hessian_csv(result: Hessian, writer: Any) -> None:
    writer.writerow(["variable", *result.variables])
    for a in result.variables:
        writer.writerow([a, *(text_number(result.hessian[a][b]) for b in result.variables)])


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
                # an empty gradient (a constant) still names its expression
                "expression": results[0].expression
                if results
                else getattr(results, "expression", ""),
                "variables": [d.wrt[0] for d in results],
                "gradient": {d.wrt[0]: d.derivative for d in results},
                "latex": {d.wrt[0]: d.latex for d in results},
            }
            if results and results[0].stats is not None:
                data["stats"] = {d.wrt[0]: d.stats for d in results}
        import json

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
    """``--stats``: how many distinct nodes f and its derivative have,
    numbers not counted (``simplify.size``)."""
    s = d.stats or {}
    order = "".join(f"/d{name}" for name in d.wrt)
    return (
        f"nodes d{order}: expression {s.get('expression')}, "
        f"derivative as built {s.get('derivative_as_built')}, "
        f"after simplification {s.get('derivative_simplified')} "
        "(distinct variables and operations; numbers are not counted)"
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

#: how wide rich may draw: never the limit (a table is drawn at its natural
#: width; text lines are never wrapped), so nothing is ever cut
_UNLIMITED = 1 << 16
#: trailing blanks and escape codes; an escape code (patterns, compiled on
#: first use: re.compile caches them)
_TRAILING = r"(?:[ \t]|\x1b\[[0-9;]*m)+$"
_ESCAPE = r"\x1b\[[0-9;]*m"


class _Page:
    """Text for one terminal (or pipe): rich draws into a buffer with the
    target's colors, at unlimited width; ``width`` is the target's width,
    used only to choose a layout that fits, never to cut."""

    def __init__(self, file: Any = None) -> None:
        from rich.console import Console

        target = file if file is not None else sys.stdout
        probe = Console(file=target, highlight=False)
        # COLUMNS=0 (or a terminal that reports no width): the pipe default
        self.width = probe.width if probe.width > 0 else 80
        self.buffer = io.StringIO()
        self.console = Console(
            file=self.buffer,
            width=_UNLIMITED,
            force_terminal=probe.is_terminal,
            color_system=probe.color_system,
            no_color=probe.no_color,
            highlight=False,
            legacy_windows=False,
            # no :name: emoji codes in what derivcli prints (a user's text is
            # printed as written), and no import of rich's table of them
            emoji=False,
        )

    def line(self, text: str, style: str | None = None) -> None:
        self.console.print(text, style=style, markup=False, soft_wrap=True)

    def measure(self, table: Any) -> int:
        """The natural width of ``table``: what it takes to cut nothing."""
        from rich.measure import Measurement

        options = self.console.options.update_width(_UNLIMITED)
        return Measurement.get(self.console, options, table).maximum

    def fits(self, table: Any) -> bool:
        return self.measure(table) <= self.width

    def print(self, renderable: Any) -> None:
        self.console.print(renderable)

    def text(self) -> str:
        """Everything printed, without trailing spaces on any line."""
        return "\n".join(map(_strip_trailing, self.buffer.getvalue().split("\n")))


def _strip_trailing(line: str) -> str:
    """``line`` without its trailing spaces and tabs, keeping the escape
    codes among them (what ``_TRAILING`` finds, read from the right: one
    pass over the tail instead of a regex search from every position)."""
    if not line or line[-1] not in " \tm":
        return line
    if "\x1b" not in line:
        return line.rstrip(" \t")
    end = len(line)
    codes = []
    while end:
        c = line[end - 1]
        if c == " " or c == "\t":
            end -= 1
            continue
        if c == "m":
            start = line.rfind("\x1b[", 0, end)
            if start >= 0 and re.compile(_ESCAPE).fullmatch(line, start, end):
                codes.append(line[start:end])
                end = start
                continue
        break
    return line[:end] + "".join(reversed(codes))


def _table(*columns: tuple[str, str]) -> Any:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAVY, show_edge=False)
    for header, justify in columns:
        table.add_column(header, justify=justify, style="bold" if justify == "bold" else None)
    return table


def _matrix_cells(
    matrix: dict[str, dict[str, float]],
    rows: tuple[str, ...],
    columns: tuple[str, ...],
    zeros: list[tuple[str, str]],
    errors: dict[str, dict[str, float]] | None,
) -> dict[str, dict[str, str]]:
    """Every entry of a Hessian or Jacobian as text: the number, ``(none)``
    for a structural zero, ``± error`` in numeric mode."""
    zero_set = set(zeros)
    cells: dict[str, dict[str, str]] = {}
    for r in rows:
        row = cells[r] = {}
        for c in columns:
            text = text_number(matrix[r][c])
            if (r, c) in zero_set:
                text += NONE_MARK
            if errors is not None:
                text += f" ± {error_text(errors[r][c])}"
            row[c] = text
    return cells


#: a table with more rows than this is drawn by ``_plain_table``: rich's
#: look, character for character, without rich's cost per row (~135 µs)
PLAIN_ROWS = 50
#: cells ``_plain_table`` draws: printable ASCII that rich would not read
#: as markup (``[``) or an emoji code (``:``)
_PLAIN_CELL = r"[ -9;-Z\\-~]*"


def _plain_table(page: _Page, columns: list[tuple[str, str]], rows: list) -> bool | None:
    """Draw ``_table(*columns)`` with ``rows`` as rich draws it (box
    ``SIMPLE_HEAVY`` without edges, one space of padding, bold headers, a
    ``"bold"`` column bold, the same escape codes segment for segment) by
    joining strings. True if drawn; False if it does not fit the page (the
    caller uses its one-line-per-entry layout); None if a cell is not plain
    ASCII (rich draws it). ``tests/test_speed_render.py`` compares the two."""
    headers = [h for h, _ in columns]
    plain = re.compile(_PLAIN_CELL)
    if not all(plain.fullmatch(c) for row in rows for c in row) or not all(
        plain.fullmatch(h) for h in headers
    ):
        return None
    widths = [len(h) for h in headers]
    for row in rows:
        for i, c in enumerate(row):
            if len(c) > widths[i]:
                widths[i] = len(c)
    total = sum(widths) + 3 * len(widths) - 1
    if total > page.width:
        return False
    from rich.text import Text

    console = page.console
    with console.capture() as probe:
        console.print(Text("\x00", style="bold"), end="")
    on, _, off = probe.get().partition("\x00")

    def bold(text: str) -> str:
        return f"{on}{text}{off}" if text else ""

    pad = bold(" ")
    rights = [j != "bold" for _, j in columns]

    def line(cells: list[str], header: bool) -> str:
        parts = []
        for text, width, right in zip(cells, widths, rights):
            fill = " " * (width - len(text))
            if header or not right:  # a bold cell: padding and text each styled
                body = bold(fill + text) if right else bold(text) + bold(fill)
                parts.append(pad + body + pad)
            else:
                parts.append(f" {fill}{text} ")
        return " ".join(parts)

    out = [line(headers, True), "━" * total]
    out.extend(line(list(row), False) for row in rows)
    page.buffer.write("\n".join(out) + "\n")
    return True


def _hessian_table(cells: dict[str, dict[str, str]], names: list[str]) -> Any:
    table = _table(("", "bold"), *((name, "right") for name in names))
    for a, row in cells.items():
        table.add_row(a, *(row[b] for b in names))
    return table


def _print_hessian(page: _Page, result: Hessian) -> None:
    names = result.variables
    cells = _matrix_cells(
        result.hessian, names, names, result.structural_zeros, result.error_estimate
    )
    _print_matrix(page, cells, list(names), list(names))


def _print_matrix(page: _Page, cells: dict, rows: list[str], names: list[str]) -> None:
    """The matrix; when it is wider than the page, blocks of columns; when
    one column does not fit, one ``row,column: value`` line per entry."""
    from rich.cells import cell_len

    # a column is as wide as its widest cell; rich adds a fixed amount per
    # table and per column, measured once on a one- and a two-column table
    width = {b: max(cell_len(b), *(cell_len(cells[a][b]) for a in rows)) for b in names}
    one, two = names[0], names[-1]
    base = page.measure(_hessian_table(cells, [one])) - width[one]
    per_column = page.measure(_hessian_table(cells, [one, two])) - width[one] - width[two] - base
    if len(names) == 1:
        per_column = 0
    blocks: list[list[str]] = []
    used = 0
    for name in names:
        if blocks and used + per_column + width[name] <= page.width:
            blocks[-1].append(name)
            used += per_column + width[name]
        elif base + width[name] <= page.width:
            blocks.append([name])
            used = base + width[name]
        else:
            for a in rows:
                for b in names:
                    page.line(f"{a},{b}: {cells[a][b]}")
            return
    for i, block in enumerate(blocks):
        if len(blocks) > 1:
            page.line(
                f"columns {block[0]} to {block[-1]}" if len(block) > 1 else f"column {block[0]}"
            )
        page.print(_hessian_table(cells, block))
        if i < len(blocks) - 1:
            page.line("")


def _print_gradient(page: _Page, result: Gradient) -> None:
    """A table, or one ``variable: derivative`` line each when it does not fit."""
    zeros = set(result.structural_zeros)
    numeric = result.error_estimate is not None
    rows = []
    for name in result.variables:
        text = text_number(result.gradient[name])
        if name in zeros:
            text += NONE_MARK
        rows.append((name, text, error_text(result.error_estimate[name]) if numeric else ""))
    columns = [("variable", "bold"), ("derivative", "right")]
    if numeric:
        columns.append(("error estimate", "right"))
    cells = [row if numeric else row[:2] for row in rows]
    drawn = _plain_table(page, columns, cells) if len(rows) > PLAIN_ROWS else None
    if drawn is True:
        return
    if drawn is None:
        table = _table(*columns)
        for row in cells:
            table.add_row(*row)
        if page.fits(table):
            page.print(table)
            return
    for name, text, error in rows:
        page.line(f"{name}: {text}" + (f" ± {error}" if numeric else ""))


def table_text(result: Any, file: Any = None) -> str:
    """The table of a result for people, as text for ``file`` (stdout): a
    title line, the table (or a layout that fits the width: every digit is
    always printed) and note lines. Colors only for a terminal (and never
    with ``NO_COLOR``); no line ends in spaces."""
    page = _Page(file)
    _renderer(_TABLE, result)(page, result)
    return page.text()


def _print_evaluation(page: _Page, result: Evaluation) -> None:
    page.line(_title("Value", result), style="bold")
    table = _table(("value", "right"))
    table.add_row(text_number(result.value))
    if page.fits(table):
        page.print(table)
    else:
        page.line(f"value: {text_number(result.value)}")


def _print_derivatives(
    page: _Page, result: Gradient | Hessian, kind: str, body: Any, zeros_note: str
) -> None:
    """Gradient and Hessian: title, the numbers (``body``), notes."""
    page.line(_title(kind, result), style="bold")
    if not result.variables:
        what = "gradient" if kind == "Gradient" else "Hessian"
        page.line(f"no variables: {shorten(result.expression)} is a constant; its {what} is empty")
    else:
        body(page, result)
    page.line(f"value {text_number(result.value)}")
    if result.structural_zeros:
        page.line(zeros_note)


def _print_gradient_result(page: _Page, result: Gradient) -> None:
    note = "(none): the variable does not reach the expression"
    _print_derivatives(page, result, "Gradient", _print_gradient, note)


def _print_hessian_result(page: _Page, result: Hessian) -> None:
    note = "(none): the variable does not reach that derivative"
    _print_derivatives(page, result, "Hessian", _print_hessian, note)


def print_table(result: Evaluation | Gradient | Hessian | Comparison, file: Any = None) -> None:
    """:func:`table_text` written to ``file`` (stdout)."""
    target = file if file is not None else sys.stdout
    target.write(table_text(result, target))
    target.flush()


def to_values(result: Any) -> str:
    """``--format value``: just the numbers, one per line, for
    ``v=$(derivcli eval "2+2")``: the value (each output's); the gradient in
    ``--wrt`` order; the Hessian and the Jacobian row by row; a product's
    entries."""
    return "".join(text_number(v) + "\n" for v in _renderer(_VALUES, result)(result))


# ---------------------------------------------------------------------------
# Renderers of the results with several outputs, by result type


def _evaluations_dict(result: Evaluation) -> dict[str, Any]:
    return {
        "expression": result.expression,
        "mode": result.mode,
        "point": _numbers(result.point),
        "variables": list(result.variables),
        "outputs": list(result.values),
        "values": _numbers(result.values),
        "warnings": list(result.warnings),
    }


def _print_evaluations(page: _Page, result: Evaluation) -> None:
    page.line(_title("Values", result), style="bold")
    _print_named_numbers(page, "output", "value", result.values)


def _print_named_numbers(page: _Page, key: str, column: str, numbers: dict[str, float]) -> None:
    """A two-column table (name, number); ``name: number`` lines when it
    does not fit the page."""
    table = _table((key, "bold"), (column, "right"))
    for name, v in numbers.items():
        table.add_row(name, text_number(v))
    if page.fits(table):
        page.print(table)
    else:
        for name, v in numbers.items():
            page.line(f"{name}: {text_number(v)}")


def _jacobian_dict(result: Jacobian) -> dict[str, Any]:
    out: dict[str, Any] = {
        "expression": result.expression,
        "mode": result.mode,
        "point": _numbers(result.point),
        "variables": list(result.variables),
        "outputs": list(result.outputs),
        "values": _numbers(result.values),
        "jacobian": _numbers(result.jacobian),
    }
    if result.error_estimate is not None:
        out["error_estimate"] = _numbers(result.error_estimate)
    out["structural_zeros"] = [list(z) for z in result.structural_zeros]
    out["evaluations"] = result.evaluations
    if result.digits is not None:
        out["digits"] = result.digits
    _add_kinks(out, result)
    out["warnings"] = list(result.warnings)
    return out


def _add_kinks(out: dict[str, Any], result: Any) -> None:
    """``"kinks"``: only where there is one (so the JSON of a differentiable
    result is unchanged); a missing one-sided derivative is ``null``."""
    if result.kinks:
        out["kinks"] = [
            {k: v if v is None or isinstance(v, str) else json_number(v) for k, v in e.items()}
            for e in result.kinks
        ]


def _jacobian_csv(result: Jacobian, writer: Any) -> None:
    writer.writerow(["output", *result.variables])
    for f in result.outputs:
        writer.writerow([f, *(text_number(result.jacobian[f][x]) for x in result.variables)])


def _values_text(values: dict[str, float]) -> str:
    return ", ".join(f"{name} = {text_number(v)}" for name, v in values.items())


def _print_jacobian(page: _Page, result: Jacobian) -> None:
    page.line(_title("Jacobian", result), style="bold")
    if not result.variables:
        page.line(f"no variables: {shorten(result.expression)} is constant; its Jacobian is empty")
    else:
        cells = _matrix_cells(
            result.jacobian,
            result.outputs,
            result.variables,
            result.structural_zeros,
            result.error_estimate,
        )
        _print_matrix(page, cells, list(result.outputs), list(result.variables))
    page.line(f"values {_values_text(result.values)}")
    if result.structural_zeros:
        page.line("(none): the variable does not reach that output")


_PRODUCTS = {
    # kind: (title, the vector's name, the product's name, JSON key, rows are)
    "jvp": ("Directional derivative", "direction", "J·v", "directional", "output"),
    "vjp": ("Vector-Jacobian product", "cotangent", "uᵀ·J", "vjp", "variable"),
    "hvp": ("Hessian-vector product", "direction", "H·v", "hvp", "variable"),
}


def _directional_dict(result: Directional) -> dict[str, Any]:
    _title_text, vector, _name, key, _rows = _PRODUCTS[result.kind]
    out: dict[str, Any] = {
        "expression": result.expression,
        "mode": result.mode,
        "point": _numbers(result.point),
        "variables": list(result.variables),
        "outputs": list(result.outputs),
    }
    if result.kind == "hvp":
        out["value"] = json_number(result.value)
    else:
        out["values"] = _numbers(result.values)
    out[vector] = _numbers(result.vector)
    out[key] = _numbers(result.product)
    out["evaluations"] = result.evaluations
    out["warnings"] = list(result.warnings)
    return out


def _directional_csv(result: Directional, writer: Any) -> None:
    _title_text, _vector, _name, key, rows = _PRODUCTS[result.kind]
    writer.writerow([rows, key])
    for name, v in result.product.items():
        writer.writerow([name, text_number(v)])


def _print_directional(page: _Page, result: Directional) -> None:
    title, vector, name, _key, rows = _PRODUCTS[result.kind]
    numbers = ", ".join(text_number(v) for v in result.vector.values())
    page.line(_title(title, result), style="bold")
    page.line(f"{vector} ({', '.join(result.vector)}) = ({numbers})")
    _print_named_numbers(page, rows, name, result.product)
    page.line(f"values {_values_text(result.values)}")
    unit = "pass" if result.evaluations == 1 else "passes"
    if result.mode == "numeric":
        unit = "f eval" if result.evaluations == 1 else "f evals"
    page.line(f"cost: {result.evaluations} {unit} ({result.cost_note})")


#: one renderer per kind of result and format
_JSON: dict[Any, Any] = {
    Evaluation: _evaluation_dict,
    "evaluations": _evaluations_dict,
    Gradient: _derivatives_dict,
    Hessian: _derivatives_dict,
    Jacobian: _jacobian_dict,
    Directional: _directional_dict,
}
_CSV: dict[Any, Any] = {
    Evaluation: _evaluation_csv,
    "evaluations": _evaluations_csv,
    Gradient: _gradient_csv,
    Hessian: _hessian_csv,
    Jacobian: _jacobian_csv,
    Directional: _directional_csv,
}
_TABLE: dict[Any, Any] = {
    Evaluation: _print_evaluation,
    "evaluations": _print_evaluations,
    Gradient: _print_gradient_result,
    Hessian: _print_hessian_result,
    Jacobian: _print_jacobian,
    Directional: _print_directional,
}
_VALUES: dict[Any, Any] = {
    Evaluation: lambda r: [r.value],
    "evaluations": lambda r: list(r.values.values()),
    Gradient: lambda r: [r.gradient[x] for x in r.variables],
    Hessian: lambda r: [r.hessian[a][b] for a in r.variables for b in r.variables],
    Jacobian: lambda r: [r.jacobian[f][x] for f in r.outputs for x in r.variables],
    Directional: lambda r: list(r.product.values()),
}


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
        item[result.kind] = _numbers(getattr(row, result.kind) or {})
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
    import csv  # only for --format csv

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
    return "" if value is None else error_text(value)


def _ulp_text(value: float | None) -> str:
    if value is None:
        return ""
    if not _finite(value):
        return text_number(value)
    return f"{value:.3g} ulp"


def _finite(value: float) -> bool:
    import math

    return math.isfinite(value)


def _print_comparison(page: _Page, result: Comparison) -> None:
    """A title, one table row per mode, and notes on cost, time and tolerance.
    The table is drawn at its natural width, however wide: its numbers are
    the point, so they are never cut."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

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

    kind = result.kind.capitalize()
    where = _where(result.point)
    title = f"{kind} of {shorten(result.expression)}{' at ' + where if where else ''}"
    page.line(f"{title}: every mode against {result.reference}", style="bold")
    page.print(table)
    n = len(result.variables)
    if not n:
        notes.insert(
            0,
            f"no variables: {shorten(result.expression)} is a constant; only its value is compared",
        )
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
    if not any(row.skipped is None for row in result.rows):
        notes.append("no mode ran here, so nothing was compared")
    elif result.agree:
        notes.append(f"every mode that ran agrees with {result.reference} within its tolerance")
    else:
        late = result.disagreeing
        verb = "differs" if len(late) == 1 else "differ"
        notes.append(
            f"{OUT_MARK} beyond the tolerance: {', '.join(late)} {verb} from {result.reference}"
        )
    for note in notes:
        page.line(note)


def print_comparison(result: Comparison, file: Any = None) -> None:
    """The comparison table written to ``file`` (stdout)."""
    print_table(result, file)


_JSON[Comparison] = comparison_to_dict
_TABLE[Comparison] = _print_comparison
