"""derivcli graph: DOT, Mermaid and the terminal tree (issue 14).

The DOT text is parsed here (a small parser for the subset derivcli
writes), so its structure is checked everywhere; where graphviz's ``dot``
is installed it must also accept it (skipped otherwise: derivcli never
depends on graphviz).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata

import pytest
from clirun import run
from oracle import case_id, case_points

import derivcli
from derivcli.api import as_graph
from derivcli.drawing import drawing, to_dot, to_mermaid, tree_lines, tree_size

CASES = case_points()
TEXTS = sorted({text for text, _names, _point in CASES})

_NODE = re.compile(r'^  (n\d+) \[label="((?:[^"\\]|\\.)*)"(.*)\];$')
_EDGE = re.compile(r"^  (n\d+) -> (n\d+);$")


def parse_dot(text: str) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """The nodes (id -> label lines) and edges of derivcli's DOT, checking
    that every line is a statement of the grammar's subset."""
    lines = text.splitlines()
    assert lines[0] == "digraph derivcli {" and lines[-1] == "}"
    nodes: dict[str, list[str]] = {}
    edges: list[tuple[str, str]] = []
    for line in lines[1:-1]:
        node, edge = _NODE.match(line), _EDGE.match(line)
        if node:
            assert node.group(1) not in nodes
            label = node.group(2).replace('\\"', '"')
            nodes[node.group(1)] = label.split("\\n")
        elif edge:
            edges.append((edge.group(1), edge.group(2)))
        else:
            assert re.match(r'^  (rankdir=LR|node \[.*\]|label=".*");$', line), line
    for a, b in edges:
        assert a in nodes and b in nodes
    return nodes, edges


def _distinct_subexpressions(text: str) -> int:
    """Count the distinct sub-expressions by walking the expression as a
    tree (every occurrence) and comparing their texts: independent of the
    interning that makes them one node."""
    from derivcli.printing import to_infix

    root = as_graph(text).root
    seen: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        seen.add(to_infix(node))
        stack.extend(node.args)
    return len(seen)


@pytest.mark.parametrize("text", TEXTS)
def test_dot_has_one_node_per_distinct_subexpression(text):
    program = as_graph(text)
    nodes, edges = parse_dot(to_dot(drawing(program)))
    assert len(nodes) == _distinct_subexpressions(text) == len(program.steps)
    # one edge per argument of every operation, into the step that uses it
    assert len(edges) == sum(len(n.args) for n in program.steps)
    first_lines = [label[0] for label in nodes.values()]
    assert len(set(first_lines)) == len(first_lines)
    # a DAG, in the order of the steps: every edge goes forward
    assert all(int(a[1:]) < int(b[1:]) for a, b in edges)


def test_hand_counted_nodes():
    for text, count in [
        ("x*x*y + y + 2", 7),  # x, y, 2, x*x, x*x*y, x*x*y + y, the sum
        ("sin(x)*sin(x)", 3),  # x, sin(x), the product
        ("sin(x^2)", 4),  # x, 2, x^2, sin(x^2)
        ("(x + y)*(x + y) + (x + y)", 5),
    ]:
        nodes, _edges = parse_dot(to_dot(drawing(as_graph(text))))
        assert len(nodes) == count, text


@pytest.mark.parametrize("case", CASES[:40], ids=[case_id(c) for c in CASES[:40]])
def test_nodes_carry_values_and_the_reverse_adjoints(case):
    text, names, point = case
    at = dict(zip(names, point))
    nodes, _ = parse_dot(to_dot(drawing(as_graph(text), at)))
    gradient = derivcli.grad(text, at, mode="reverse").gradient
    value = derivcli.evaluate(text, at).value
    labels = {label[0]: label[1:] for label in nodes.values()}
    for name in names:
        bar = unicodedata.normalize("NFC", labels[name][1])
        expected = unicodedata.normalize("NFC", f"{name}\u0304 = ")
        assert bar.startswith(expected)
        assert float(bar[len(expected) :]) == gradient[name] or gradient[name] != gradient[name]
    (output,) = [k for k, v in nodes.items() if "peripheries=2" in to_dot_line(text, at, k)]
    assert float(nodes[output][1].removeprefix("= ")) == value or value != value


def to_dot_line(text, at, node_id):
    return next(
        line
        for line in to_dot(drawing(as_graph(text), at)).splitlines()
        if line.startswith(f"  {node_id} [")
    )


def test_the_seed_graph_with_values_and_adjoints():
    r = run("graph", "x*x*y + y + 2", "--at", "x=3,y=4", "--format", "dot")
    assert r.exit_code == 0, r.output
    nodes, edges = parse_dot(r.stdout)
    labels = {tuple(unicodedata.normalize("NFC", s) for s in v) for v in nodes.values()}
    nfc = lambda s: unicodedata.normalize("NFC", s)  # noqa: E731
    # the notebook: f(3, 4) = 42, x.gradiente = 24, y.gradiente = 10
    assert (nfc("x"), "= 3", nfc("x̄ = 24")) in labels
    assert (nfc("y"), "= 4", nfc("ȳ = 10")) in labels
    assert ("s4 = s3 + 2", "= 42", nfc("s̄4 = 1")) in labels
    assert ("2",) in labels
    # x*x: two edges from x into s1
    ids = {v[0]: k for k, v in nodes.items()}
    assert edges.count((ids["x"], ids["s1 = x*x"])) == 2


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")
@pytest.mark.parametrize(
    "text, at",
    [("x*x*y + y + 2", "x=3,y=4"), ("sin(x^2)", "x=3"), ("x*y, x + y", "x=1,y=2")],
)
def test_graphviz_accepts_the_dot(text, at):
    dot = run("graph", text, "--at", at, "--format", "dot").stdout
    done = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert b"<svg" in done.stdout


def test_mermaid():
    out = run("graph", "sin(x)*sin(x)", "--format", "mermaid").stdout.splitlines()
    assert out[0] == "flowchart LR"
    assert out[1:] == [
        '  n0(["x"])',
        '  n1["s1 = sin(x)"]',
        '  n2[["s2 = s1*s1"]]',
        "  n0 --> n1",
        "  n1 --> n2",
        "  n1 --> n2",
    ]


def test_tree_shows_a_repeated_step_by_reference():
    out = run("graph", "sin(x)*sin(x) + sin(x)").stdout.splitlines()
    assert out == [
        "s3 = s2 + s1",
        "├── s2 = s1*s1",
        "│   ├── s1 = sin(x)",
        "│   │   └── x",
        "│   └── → s1",
        "└── → s1",
    ]


def test_tree_with_values_and_several_outputs():
    r = run("graph", "u: x*y, v: x*y + 1", "--at", "x=2,y=3")
    assert r.exit_code == 0
    assert "adjoints are drawn for one output" in r.stderr
    assert r.stdout.splitlines() == [
        "u: s1 = x*y   [= 6]",
        "├── x   [= 2]",
        "└── y   [= 3]",
        "v: s2 = s1 + 1   [= 7]",
        "├── → s1",
        "└── 1",
    ]


def test_tree_is_cut_with_a_count_and_has_no_recursion():
    depth = 10_000
    text = "sin(" * depth + "x" + ")" * depth
    program = as_graph(text)
    lines = tree_lines(drawing(program), limit=5)
    assert len(lines) == 6
    assert lines[-1] == f"... {tree_size(program) - 5:,} more lines; use --limit N or --format dot"
    nodes, _ = parse_dot(to_dot(drawing(program)))
    assert len(nodes) == depth + 1
    assert to_mermaid(drawing(program)).count("-->") == depth
