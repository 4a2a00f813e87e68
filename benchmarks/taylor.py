"""Taylor polynomials (issue 16): truncated Taylor arithmetic against nested
symbolic derivatives. Run by hand:

    python benchmarks/taylor.py              # 2 variables, order 8, ~200 nodes
    python benchmarks/taylor.py 6 400        # order 6, ~400 nodes

Two ways to the same coefficients of a 2-variable expression of about N
nodes to total order K:

* ``taylor``: derivcli's way (``derivcli.taylor``), one pass of truncated
  multivariate Taylor arithmetic over the program's steps;
* ``symbolic``: every partial derivative ∂^(i+j) f / ∂x^i ∂y^j with
  i + j <= K as a graph, each built from the previous one by the symbolic
  forward mode with sharing (``d^(i,j) = d/dy d^(i,j-1)``), then all of them
  evaluated together at the point (the route without Taylor arithmetic).

It prints the seconds of each, the size of the symbolic graphs, and the
largest difference between the two sets of coefficients (relative, absolute
below 1). Figures are reported in the issue notes, never asserted by tests.
"""

from __future__ import annotations

import math
import random
import sys
import time

from derivcli.backends.forward import derivative
from derivcli.expansion import expand, monomials
from derivcli.graph import count_nodes, evaluate_all, topo_order
from derivcli.parser import parse

POINT = {"x": 0.3, "y": -0.4}


def expression(nodes: int, seed: int = 16) -> str:
    """A reproducible expression of about ``nodes`` nodes in x and y: sums
    and products of smooth functions, with shared sub-expressions."""
    rng = random.Random(seed)
    pool = ["x", "y", "(x*y)", "(x + 0.5)", "(1 - y)"]
    wrap = ["sin({})", "cos({})", "exp({}/3)", "log(2 + ({})^2)", "atan({})", "tanh({})"]
    text = "x"
    while parse(text).steps.__len__() < nodes:
        a = rng.choice(pool)
        b = rng.choice(pool)
        op = rng.choice(["+", "*", "-"])
        piece = rng.choice(wrap).format(f"{a} {op} {b}")
        pool.append(piece)
        text = f"{text} {rng.choice(['+', '-', '*'])} {piece}" if rng.random() < 0.5 else piece
        if rng.random() < 0.3:
            text = rng.choice(wrap).format(text)
    return text


def by_taylor(program, order: int) -> tuple[dict, float]:
    start = time.perf_counter()
    terms = expand(program, POINT, ("x", "y"), order)
    return terms, time.perf_counter() - start


def by_symbolic(program, order: int) -> tuple[dict, float, int]:
    start = time.perf_counter()
    graphs = {(0, 0): program.root}
    for i in range(order + 1):
        if i:
            graphs[(i, 0)] = derivative(graphs[(i - 1, 0)], "x", simplified=False)
        for j in range(1, order + 1 - i):
            graphs[(i, j)] = derivative(graphs[(i, j - 1)], "y", simplified=False)
    roots = list(graphs.values())
    values = evaluate_all(
        topo_order(roots), POINT, strict=False, known=evaluate_all(program.steps, POINT)
    )
    terms = {
        m: float(values[graphs[m]]) / (math.factorial(m[0]) * math.factorial(m[1]))
        for m in monomials(2, order)
    }
    return terms, time.perf_counter() - start, count_nodes(roots)


def main(argv: list[str]) -> None:
    order = int(argv[0]) if argv else 8
    size = int(argv[1]) if len(argv) > 1 else 200
    text = expression(size)
    program = parse(text)
    print(f"expression: {len(program.steps)} nodes, 2 variables, order {order}")
    taylor, t_taylor = by_taylor(program, order)
    print(f"taylor arithmetic : {t_taylor:8.3f} s")
    symbolic, t_symbolic, graph_nodes = by_symbolic(program, order)
    print(
        f"nested symbolic   : {t_symbolic:8.3f} s  ({graph_nodes} nodes in the derivative graphs)"
    )
    worst = max(abs(taylor[m] - symbolic[m]) / max(1.0, abs(symbolic[m])) for m in symbolic)
    print(f"largest difference: {worst:.1e} (relative, absolute below 1)")


if __name__ == "__main__":
    main(sys.argv[1:])
