"""The plain table renderer draws exactly what rich draws (issue 15): large
gradient tables are joined as strings, small ones drawn by rich, and the
two must never differ, on a terminal (bold escape codes) or a pipe."""

from __future__ import annotations

import io
import random
import re

import pytest

from derivcli import render
from derivcli.render import _Page, _plain_table, _table


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _both(columns, rows, terminal: bool, width: int):
    def page() -> _Page:
        p = _Page(_Terminal() if terminal else io.StringIO())
        p.width = width
        return p

    rich_page = page()
    table = _table(*columns)
    for row in rows:
        table.add_row(*row)
    fits = rich_page.fits(table)
    if fits:
        rich_page.print(table)
    plain_page = page()
    drawn = _plain_table(plain_page, columns, rows)
    return fits, rich_page.text(), drawn, plain_page.text()


CHARS = "abcxyz_0123456789.+-e() "


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("terminal", [False, True])
def test_plain_table_is_what_rich_draws(seed: int, terminal: bool) -> None:
    rng = random.Random(seed)
    columns = [("variable", "bold"), ("derivative", "right")]
    if rng.random() < 0.4:
        columns.append(("error estimate", "right"))

    def cell() -> str:
        return "".join(rng.choice(CHARS) for _ in range(rng.randint(1, 30))).strip() or "x"

    rows = [tuple(cell() for _ in columns) for _ in range(rng.randint(1, 8))]
    width = rng.choice([20, 40, 80, 200])
    fits, rich_text, drawn, plain_text = _both(columns, rows, terminal, width)
    assert drawn is fits
    if fits:
        assert plain_text == rich_text


def test_plain_table_leaves_markup_and_unicode_to_rich() -> None:
    page = _Page(io.StringIO())
    for cell in ("[bold]x", ":smile:", "θ", "1 ± 2", "a\tb"):
        assert (
            _plain_table(page, [("variable", "bold"), ("derivative", "right")], [(cell, "1")])
            is None
        )


def test_large_gradient_table_is_the_same_either_way(monkeypatch) -> None:
    import derivcli

    n = 120
    text = " + ".join(f"sin(v{i})*v{i + 1}^2" for i in range(n))
    result = derivcli.grad(text, {f"v{i}": 0.37 * i - 5 for i in range(n + 1)})
    for terminal in (False, True):
        plain = render.table_text(result, _Terminal() if terminal else io.StringIO())
        monkeypatch.setattr(render, "PLAIN_ROWS", 10**9)
        drawn_by_rich = render.table_text(result, _Terminal() if terminal else io.StringIO())
        monkeypatch.setattr(render, "PLAIN_ROWS", 50)
        assert plain == drawn_by_rich


@pytest.mark.parametrize("seed", range(20))
def test_strip_trailing_is_the_regex(seed: int) -> None:
    rng = random.Random(seed)
    pieces = [" ", "\t", "m", "x", "1", "\x1b[1m", "\x1b[0m", "\x1b[1;31m", "\x1b[", ";"]
    for _ in range(300):
        line = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        tail = re.search(render._TRAILING, line)
        expected = line
        if tail:
            expected = line[: tail.start()] + "".join(re.findall(render._ESCAPE, tail.group()))
        assert render._strip_trailing(line) == expected, repr(line)
