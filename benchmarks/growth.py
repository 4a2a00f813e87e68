"""How derivative graphs grow with the expression (issue 17). Run by hand:

    python benchmarks/growth.py            # the issue's table and the exponents
    python benchmarks/growth.py 10,20,40   # other sizes

For each family and order it prints the size of the derivative as built
(only value-preserving folds) and after simplification, in distinct nodes
and in distinct nodes that are not numbers (what ``diff --stats`` reports),
and the growth exponent: the slope of log(size) against log(n), fitted over
the sizes. Linear growth is 1; the target for the simplified graphs is at
most 1.1. Figures are reported in issue notes, never asserted by tests.
"""

from __future__ import annotations

import math
import sys
import time

from derivcli.api import derivative_of
from derivcli.backends.forward import derivative
from derivcli.graph import topo_order
from derivcli.parser import parse


def product_family(n: int) -> str:
    """``sin(1*x)*sin(2*x)*...*sin(n*x)``"""
    return "*".join(f"sin({i}*x)" for i in range(1, n + 1))


def nested_family(n: int) -> str:
    """n nested functions cycling ``sin``, ``exp``, ``(...)^2``"""
    text = "x"
    for i in range(n):
        text = ("sin({})", "exp({})", "({})^2")[i % 3].format(text)
    return text


def sum_family(n: int) -> str:
    """``sin(x)*cos(x) + sin(2*x)*cos(x) + ...``"""
    return " + ".join(f"sin({i}*x)*cos(x)" for i in range(1, n + 1))


FAMILIES = {"product": product_family, "nested": nested_family, "sum": sum_family}


def sizes(root) -> tuple[int, int]:
    """(distinct nodes, distinct nodes that are not numbers)"""
    nodes = topo_order(root)
    return len(nodes), sum(1 for n in nodes if n.op != "const")


def derivatives(text: str, order: int) -> tuple[tuple, tuple, float, int]:
    """Sizes as built and by the simplifier alone, its time, and the size of
    what ``diff`` prints (the smallest candidate, ``api.derivative_of``)."""
    built = simplified = parse(text).root
    start = time.perf_counter()
    for _ in range(order):
        simplified = derivative(simplified, "x")
    seconds = time.perf_counter() - start
    for _ in range(order):
        built = derivative(built, "x", simplified=False)
    printed = derivative_of(text, "x", order=order, stats=True).stats["derivative_simplified"]
    return sizes(built), sizes(simplified), seconds, printed


def exponent(ns: list[int], values: list[int]) -> float:
    xs = [math.log(n) for n in ns]
    ys = [math.log(v) for v in values]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def issue_table() -> None:
    print("issue 17 table: as built, simplifier alone (nodes: all / not numbers), diff --stats")
    print(f"{'expression':24} {'order':>5} {'as built':>13} {'simplified':>13} {'diff':>6}")
    rows = [("product of 20 factors", product_family(20), k) for k in (1, 2, 3)]
    rows.append(("30 nested sin/exp/^2", nested_family(30), 3))
    rows.append(("x^3*y^2*sin(x*y)", "x^3*y^2*sin(x*y)", 3))
    for label, text, order in rows:
        built, simplified, _, printed = derivatives(text, order)
        print(f"{label:24} {order:>5} {f'{built[0]} / {built[1]}':>13} "
              f"{f'{simplified[0]} / {simplified[1]}':>13} {printed:>6}")  # fmt: skip


def growth(ns: list[int]) -> None:
    print(f"\ngrowth over n = {', '.join(map(str, ns))} (nodes that are not numbers)")
    print(f"{'family':8} {'order':>5} {'as built':>12} {'simplified':>12} {'diff':>12} "
          f"{'exponents: built':>16} {'simpl.':>6} {'diff':>6} {'max ratio':>9} {'s':>5}")  # fmt: skip
    for name, family in FAMILIES.items():
        for order in (1, 2, 3):
            built, simplified, printed, seconds = [], [], [], 0.0
            for n in ns:
                b, s, t, p = derivatives(family(n), order)
                built.append(b[1])
                simplified.append(s[1])
                printed.append(p)
                seconds += t
            ratio = max(s / b for s, b in zip(simplified, built))

            def span(values: list[int]) -> str:
                return f"{values[0]}..{values[-1]}"

            print(f"{name:8} {order:>5} {span(built):>12} {span(simplified):>12} "
                  f"{span(printed):>12} {exponent(ns, built):>16.3f} "
                  f"{exponent(ns, simplified):>6.3f} {exponent(ns, printed):>6.3f} "
                  f"{ratio:>9.3f} {seconds:>5.2f}")  # fmt: skip


def main() -> None:
    ns = [int(a) for a in sys.argv[1].split(",")] if len(sys.argv) > 1 else [10, 20, 40, 80, 160]
    issue_table()
    growth(ns)


if __name__ == "__main__":
    main()
