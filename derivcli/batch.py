"""Many points at once: the program's loops run on whole numpy columns.

One parse, one program; each step is applied to an array holding every
row's value (``vectorized.py`` is the numpy column of the primitive table).
Reverse and forward mode are vectorized with the very loops of the single
point (the same order of operations, the same compensated sums of adjoints,
the same 0·∞ rule), so a batch equals the single-point results row by row:
bit for bit with ``exact=True`` (``--libm``), and within numpy's ufunc
accuracy otherwise (see ``vectorized.py``).

A row where any number of the computation is not finite (a value, a local
partial, a derivative) is not left to the arrays: it is computed again by
the single-point mode, which owns the 0·∞ rule's bookkeeping, the warnings
that name their cause and the domain errors. Where ``f`` is undefined the
reason comes from the primitive's ``domain`` function, asked on the failing
rows only; such a row gets NaN and a message (``Row.undefined``).

TensorFlow runs its own ops on batched tensors (one tensor of n rows per
variable); the numeric mode runs on arrays too (``batch_numeric.py``: the
same differences and Richardson tableaux per row, bit for bit); dual and
mpmath run the single-point mode row by row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from . import batch_numeric
from .backends import get_backend
from .errors import DomainError
from .graph import Node, Program, domain_error, topo_order, underflow_note, var
from .vectorized import Column, ExactColumn, apply

#: the modes whose loops run on arrays
VECTORIZED = ("reverse", "forward")


@dataclass
class RowNote:
    """What the single-point path said about one row: ``undefined`` (a
    domain error: the row is NaN) or warnings."""

    row: int
    messages: list[str]
    undefined: bool = False


@dataclass
class Batch:
    """The result of one chunk: output columns by name (arrays of n rows),
    in output order, and the notes about rows, by row index."""

    columns: dict[str, np.ndarray]
    notes: list[RowNote] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Column names (documented and stable)


def column_names(kind: str, program: Program, wrt: tuple[str, ...]) -> list[str]:
    """The output columns of ``kind``: ``value``; ``d/dx`` per variable;
    ``d2/dxdy`` per pair (the whole matrix, row by row); for a Jacobian (and
    an evaluation of several outputs) ``value_f1`` per output and ``df1/dx``."""
    if kind == "jacobian" or (kind == "eval" and len(program.outputs) > 1):
        names = [f"value_{f}" for f in program.names]
        if kind == "jacobian":
            names += [f"d{f}/d{x}" for f in program.names for x in wrt]
        return names
    names = ["value"]
    if kind in ("gradient", "hessian"):
        names += [f"d/d{x}" for x in wrt]
    if kind == "hessian":
        names += [f"d2/d{a}d{b}" for a in wrt for b in wrt]
    return names


def _result_row(kind: str, program: Program, wrt, result) -> list[float]:
    """A single-point result as the numbers of :func:`column_names`."""
    if kind == "eval":
        if len(program.outputs) > 1:
            return [result.values[f] for f in program.names]
        return [result.value]
    if kind == "jacobian":
        return [result.values[f] for f in program.names] + [
            result.jacobian[f][x] for f in program.names for x in wrt
        ]
    row = [result.value] + [result.gradient[x] for x in wrt]
    if kind == "hessian":
        row += [result.hessian[a][b] for a in wrt for b in wrt]
    return row


# ---------------------------------------------------------------------------
# The vectorized loops


def _evaluate(order, columns: Mapping[str, object], exact: bool, known=None) -> dict:
    """Every node of ``order`` on whole columns (``graph.evaluate_all``
    without the domain check; with ``known`` derivative nodes follow the
    0·∞ rule)."""
    values: dict[Node, object] = {}
    absorbing = known is not None
    for node in order:
        if absorbing and node in known:
            values[node] = known[node]
        elif node.op == "const":
            values[node] = node.value
        elif node.op == "var":
            values[node] = columns[node.name]
        else:
            values[node] = apply(
                node.prim, [values[a] for a in node.args], exact=exact, absorbing=absorbing
            )
    return values


def evaluate_columns(steps, columns: Mapping[str, object], n: int) -> dict:
    """Every node of ``steps`` (a topological order) on whole columns, NaN
    where a node is undefined: ``n`` float64 values per node (constants
    broadcast). The batch evaluator of ``derivcli plot``."""
    with np.errstate(all="ignore"):
        values = _evaluate(steps, columns, exact=False)
    return {k: np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)) for k, v in values.items()}


def _nonfinite(v, n: int) -> np.ndarray | None:
    """The rows where ``v`` (an array or a float) is not finite, or None."""
    if type(v) is float:
        return None if v - v == 0 else np.ones(n, dtype=bool)
    bad = ~np.isfinite(v)
    return bad if bad.any() else None


def _unwrap(v):
    if isinstance(v, Column):
        v = v.a
    if type(v) is not float and not isinstance(v, np.ndarray):
        v = float(v)  # numpy scalars, ints
    elif isinstance(v, np.ndarray) and v.ndim == 0:
        v = float(v)
    return v


def _partials(node: Node, values: dict, exact: bool) -> list:
    wrap = ExactColumn if exact else Column
    args = [values[a] for a in node.args]
    if all(type(a) is float for a in args) and type(values[node]) is float:
        return [float(p) for p in node.prim.partials(*args, values[node])]
    cols = [wrap(a) if type(a) is not float else a for a in args]
    out = values[node]
    out = wrap(out) if type(out) is not float else out
    return [_unwrap(p) for p in node.prim.partials(*cols, out)]


def _active(order, wrt) -> set:
    wanted = {var(name) for name in wrt}
    active: set[Node] = set()
    for node in order:
        if node in wanted or any(a in active for a in node.args):
            active.add(node)
    return active


def _mark_values(order, values: dict, bad: np.ndarray, n: int) -> None:
    for node in order:
        rows = _nonfinite(values[node], n)
        if rows is not None:
            bad |= rows


def _mark_partials(order, values: dict, wrt, bad: np.ndarray, n: int, exact: bool) -> None:
    """Rows where a local partial (by an argument that depends on ``wrt``)
    is not finite: the chain rule meets ∞ there (``backends.diagnose``)."""
    active = _active(order, wrt)
    for node in order:
        if not node.args or node not in active or node.prim.finite_partials:
            continue
        for a, p in zip(node.args, _partials(node, values, exact), strict=False):
            if a in active:
                rows = _nonfinite(p, n)
                if rows is not None:
                    bad |= rows


def _mark_kinks(order, values: dict, wrt, bad: np.ndarray, n: int) -> None:
    """Rows where a step that depends on ``wrt`` sits at a kink of its
    primitive (``abs`` at 0, ``max`` at a tie): the single point reports the
    one-sided derivatives there (``backends.diagnose``) and ``--side`` picks
    one, so those rows are computed again one by one."""
    active = _active(order, wrt)
    for node in order:
        kink = node.prim.kink if node.args else None
        if kink is None or node not in active:
            continue
        args = [_unwrap(values[a]) for a in node.args]
        if all(type(a) is float for a in args):
            if kink.where(*args):
                bad |= True
            continue
        bad |= np.broadcast_to(_where(kink.where, args), (n,))


def _where(where, args: list) -> np.ndarray:
    """``where(*args)`` row by row: on the arrays at once where it is written
    with comparisons only (``a == 0``, ``a == b``), else one call per row."""
    try:
        rows = where(*args)
    except (TypeError, ValueError):  # math.floor of an array, ``and`` of arrays
        rows = None
    if isinstance(rows, np.ndarray) and rows.dtype == bool:
        return rows
    return np.asarray(np.frompyfunc(where, len(args), 1)(*args), dtype=bool)


# Row masks are True (every row), False (no row) or a boolean array: the
# common cases (every row alike) cost no array operation.


def _squash(mask: np.ndarray):
    if mask.all():
        return True
    if not mask.any():
        return False
    return mask


def _and(a, b):
    if a is True:
        return b
    if b is True:
        return a
    if a is False or b is False:
        return False
    return a & b


def _or(a, b):
    if a is False:
        return b
    if b is False:
        return a
    if a is True or b is True:
        return True
    return a | b


def _not(a):
    if a is True:
        return False
    if a is False:
        return True
    return ~a


def _pick(mask, a, b):
    if mask is True:
        return a
    if mask is False:
        return b
    return np.where(mask, a, b)


def backward(order, values: dict, seeds: dict, wrt, n: int, exact: bool, bad: np.ndarray):
    """``backends._backward_floats`` on columns, for the rows where every
    partial is finite (the others are marked in ``bad``): the same order of
    products and sums, the same compensated (Neumaier) sums, the same
    skipped zero adjoints, so the same bits."""
    active = _active(order, wrt)
    x_bar: dict[Node, object] = {}
    has: dict[Node, object] = {}  # rows where the adjoint exists
    carry: dict[Node, object] = {}  # the compensated sums' rounding errors
    has_carry: dict[Node, object] = {}
    mixed: dict[Node, object] = {}  # rows summed from both signs
    for node, s in seeds.items():
        if node in active:
            x_bar[node] = np.full(n, float(s))
            has[node] = True
    for node in reversed(order):
        if not node.args or node not in active:
            continue
        if node not in x_bar:
            # not reached (its adjoint is 0 in every row): an infinite
            # partial here is still a 0·∞ the single point warns about
            if not node.prim.finite_partials:
                for a, p in zip(node.args, _partials(node, values, exact), strict=False):
                    rows = _nonfinite(p, n) if a in active else None
                    if rows is not None:
                        bad |= rows
            continue
        adjoint = x_bar[node]
        if has_carry.get(node, False) is not False:
            adjoint = _pick(has_carry[node], adjoint + carry[node], adjoint)
        mix = mixed.get(node, False)
        skip = _and(_squash(adjoint == 0), _not(mix))  # a zero adjoint contributes nothing
        live = _and(has[node], _not(skip))
        if live is False:
            continue
        for a, p in zip(node.args, _partials(node, values, exact), strict=False):
            if a not in active:
                continue
            if type(p) is float:
                if p == 0:
                    continue
                if p - p != 0:
                    bad[:] = True
                    continue
                act = live
            else:
                finite = np.isfinite(p)
                if not finite.all():
                    bad |= ~finite
                act = _and(live, _squash(p != 0))
            if act is False:
                continue
            c = adjoint * p
            if a not in x_bar:
                x_bar[a] = _pick(act, c, 0.0)
                has[a] = act
                mixed[a] = _and(act, mix)
                continue
            previous, had = x_bar[a], has[a]
            both = _and(act, had)
            if both is not False:
                total = previous + c
                error = np.where(
                    np.abs(previous) >= np.abs(c), (previous - total) + c, (c - total) + previous
                )
                update = _and(both, _squash(np.isfinite(total)))
                if update is not False:
                    old = carry.get(a, 0.0) if has_carry.get(a, False) is not False else 0.0
                    carry[a] = _pick(update, old + error, old)
                    has_carry[a] = _or(has_carry.get(a, False), update)
                opposite = _and(both, _squash(previous * c < 0))
                mixed[a] = _or(_or(mixed.get(a, False), _and(act, mix)), opposite)
                x_bar[a] = _pick(both, total, _pick(act, c, previous))
            else:
                mixed[a] = _or(mixed.get(a, False), _and(act, mix))
                x_bar[a] = _pick(act, c, previous)
            has[a] = _or(had, act)
    out = []
    for name in wrt:
        x = var(name)
        if x not in x_bar:
            out.append(np.zeros(n))
        elif has_carry.get(x, False) is not False:
            out.append(_pick(has_carry[x], x_bar[x] + carry[x], x_bar[x]))
        else:
            out.append(x_bar[x])
    return out


def _full(v, n: int) -> np.ndarray:
    return np.full(n, v) if type(v) is float else np.asarray(v, dtype=np.float64)


def _gradient_reverse(program, columns, wrt, n, exact, bad):
    values = _evaluate(program.steps, columns, exact)
    _mark_values(program.steps, values, bad, n)
    _mark_kinks(program.steps, values, wrt, bad, n)
    grads = backward(program.steps, values, {program.root: 1.0}, wrt, n, exact, bad)
    return values, grads


def _known(program, values, columns, wrt) -> dict:
    known = dict(values)
    for name in wrt:
        if name in columns:
            known[var(name)] = columns[name]
    return known


def _cached(program: Program, key, build):
    """A derivative graph of ``program``, built once for every chunk."""
    cache = program.__dict__.setdefault("_batch_graphs", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]


def _compute(kind: str, mode: str, program: Program, columns, wrt, n: int, exact: bool):
    """The output columns of ``kind`` by a vectorized mode, and the rows to
    compute again one by one (``bad``)."""
    from .backends.forward import ONE, ZERO, _first_derivatives, derivative, tangents

    bad = np.zeros(n, dtype=bool)
    steps = program.steps
    if kind == "eval":
        values = _evaluate(steps, columns, exact)
        _mark_values(steps, values, bad, n)
        return [values[o] for o in program.outputs], bad
    if mode == "reverse" and kind == "gradient":
        values, grads = _gradient_reverse(program, columns, wrt, n, exact, bad)
        return [values[program.root], *grads], bad
    values = _evaluate(steps, columns, exact)
    _mark_values(steps, values, bad, n)
    _mark_partials(steps, values, wrt, bad, n, exact)
    _mark_kinks(steps, values, wrt, bad, n)
    known = _known(program, values, columns, wrt)
    if kind == "jacobian":
        outs = [values[o] for o in program.outputs]
        if mode == "reverse":
            rows = [backward(steps, values, {o: 1.0}, wrt, n, exact, bad) for o in program.outputs]
            return outs + [g for row in rows for g in row], bad
        present = set(program.variables)
        graphs: list[Node] = []
        for name in wrt:
            x_dot = (
                _cached(
                    program,
                    ("tangents", name),
                    lambda name=name: tangents(steps, {var(name): ONE}, simplified=False),
                )
                if name in present
                else {}
            )
            graphs.append([x_dot.get(o, ZERO) for o in program.outputs])
        flat = [g for column in graphs for g in column]
        env = _evaluate(topo_order(flat), columns, exact, known=known)
        _mark_values(topo_order(flat), env, bad, n)
        m = len(program.outputs)
        entries = [env[graphs[j][i]] for i in range(m) for j in range(len(wrt))]
        return outs + entries, bad
    if kind == "gradient":  # forward
        firsts = _cached(program, ("firsts", wrt), lambda: _first_derivatives(program, wrt)[0])
        order = topo_order(firsts)
        env = _evaluate(order, columns, exact, known=known)
        _mark_values(order, env, bad, n)
        return [values[program.root]] + [env[g] for g in firsts], bad
    # hessian
    firsts = _cached(program, ("firsts", wrt), lambda: _first_derivatives(program, wrt)[0])
    order = topo_order(firsts)
    env = _evaluate(order, columns, exact, known=known)
    _mark_values(order, env, bad, n)
    _mark_second(program, wrt, columns, known, bad, n, exact)
    _mark_kinks(order, env, wrt, bad, n)  # the first derivatives' kinks (hessian_result)
    k = len(wrt)
    matrix: dict[tuple[int, int], object] = {}
    if mode == "reverse":
        grads = _gradient_reverse(program, columns, wrt, n, exact, bad)[1]
        for i, g in enumerate(firsts):
            row = backward(order, env, {g: 1.0}, wrt, n, exact, bad)
            for j in range(i, k):
                matrix[i, j] = matrix[j, i] = row[j]
    else:
        grads = [env[g] for g in firsts]
        seconds = {}
        for i, g in enumerate(firsts):
            for j in range(i, k):
                seconds[i, j] = (
                    ZERO
                    if g is ZERO
                    else _cached(
                        program,
                        ("second", wrt, i, j),
                        lambda g=g, j=j: derivative(g, wrt[j], simplified=False),
                    )
                )
        order2 = topo_order(firsts + list(seconds.values()))
        env2 = _evaluate(order2, columns, exact, known=known)
        _mark_values(order2, env2, bad, n)
        for (i, j), g in seconds.items():
            matrix[i, j] = matrix[j, i] = env2[g]
    entries = [matrix[i, j] for i in range(k) for j in range(k)]
    return [values[program.root], *grads, *entries], bad


def _mark_second(program, wrt, columns, known, bad, n, exact) -> None:
    """Rows where the gradient graphs meet an infinite partial (what
    ``hessian_result`` diagnoses for second derivatives)."""
    from .backends import program_gradient_graphs

    grads = program_gradient_graphs(program, wrt)
    order = topo_order(grads)
    env = _evaluate(order, columns, exact, known=known)
    _mark_values(order, env, bad, n)
    _mark_partials(order, env, wrt, bad, n, exact)


def _compute_tensorflow(kind: str, program: Program, columns, wrt, n: int, exact: bool, options):
    """TensorFlow on batched tensors: the mode's own ops (the table's
    gradients, its 0·∞ rule) on one tensor of n rows per variable; rows are
    independent, so the gradient of the sum is every row's gradient. The
    rows to compute again one by one are found by the numpy column."""
    from .backends import tensorflow as tfmode

    bad = np.zeros(n, dtype=bool)
    steps = program.steps
    values = _evaluate(steps, columns, exact)
    _mark_values(steps, values, bad, n)
    _mark_partials(steps, values, wrt, bad, n, exact)
    _mark_kinks(steps, values, wrt, bad, n)
    if kind == "hessian":
        known = _known(program, values, columns, wrt)
        _mark_second(program, wrt, columns, known, bad, n, exact)
    dtype_name = tfmode._check_dtype(options.get("dtype"))
    tf = tfmode.import_library()
    tf_dtype = getattr(tf, dtype_name)
    names = list(dict.fromkeys((*program.variables, *wrt)))
    variables = {
        name: tf.Variable(columns[name] if name in columns else np.zeros(n), dtype=tf_dtype)
        for name in names
    }
    sources = [variables[name] for name in wrt]

    def numbers(t) -> np.ndarray:
        if t is None:
            return np.zeros(n)
        return np.broadcast_to(np.asarray(t.numpy(), dtype=np.float64), (n,)).copy()

    if kind == "gradient":
        with tf.GradientTape() as tape:
            f = tf.convert_to_tensor(
                tfmode._translate(tf, steps, variables, tf_dtype, False)[program.root]
            )
            total = tf.reduce_sum(f * tf.ones(n, dtype=tf_dtype))
        grads = tape.gradient(total, sources, unconnected_gradients=tf.UnconnectedGradients.NONE)
        return [numbers(f), *map(numbers, grads)], bad
    if kind == "jacobian":
        with tf.GradientTape(persistent=True) as tape:
            tensors = tfmode._translate(tf, steps, variables, tf_dtype, False)
            outs = [tf.convert_to_tensor(tensors[o]) for o in program.outputs]
            totals = [tf.reduce_sum(o * tf.ones(n, dtype=tf_dtype)) for o in outs]
        rows = [
            tape.gradient(t, sources, unconnected_gradients=tf.UnconnectedGradients.NONE)
            for t in totals
        ]
        del tape
        return [*map(numbers, outs), *(numbers(g) for row in rows for g in row)], bad
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape() as inner:
            f = tf.convert_to_tensor(
                tfmode._translate(tf, steps, variables, tf_dtype, True)[program.root]
            )
            total = tf.reduce_sum(f * tf.ones(n, dtype=tf_dtype))
        grads = inner.gradient(total, sources, unconnected_gradients=tf.UnconnectedGradients.NONE)
        sums = [None if g is None else tf.reduce_sum(g * tf.ones(n, dtype=tf_dtype)) for g in grads]
    entries = []
    for g in sums:
        if g is None:
            entries += [np.zeros(n)] * len(wrt)
        else:
            second = outer.gradient(g, sources, unconnected_gradients=tf.UnconnectedGradients.NONE)
            entries += [numbers(h) for h in second]
    del outer
    return [numbers(f), *map(numbers, grads), *entries], bad


# ---------------------------------------------------------------------------
# One row by the single-point path


class _RowValues(Mapping):
    """Row ``i`` of a vectorized environment, as floats (for messages)."""

    def __init__(self, values: dict, i: int) -> None:
        self._values, self._i = values, i

    def __getitem__(self, node):
        v = self._values[node]
        return v if type(v) is float else float(v[self._i])

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def undefined_rows(program: Program, columns, rows, n: int, exact: bool) -> dict[int, str]:
    """The domain error of each row of ``rows`` where ``f`` is undefined:
    the first step (in the program's order) whose value is not finite and
    whose primitive's ``domain`` gives a reason there, as the single point
    reports it."""
    values = _evaluate(program.steps, columns, exact)
    found: dict[int, str] = {}
    pending = set(int(i) for i in rows)
    for node in program.steps:
        if not pending:
            break
        if not node.args:
            continue
        v = values[node]
        if type(v) is float:
            if v - v == 0:
                continue
            candidates = sorted(pending)
        else:
            idx = np.nonzero(~np.isfinite(v))[0]
            candidates = [i for i in idx.tolist() if i in pending]
        for i in candidates:
            row = _RowValues(values, i)
            reason = node.prim.domain(*(row[a] for a in node.args))
            if reason is not None:
                point = {name: float(c[i]) for name, c in columns.items() if name}
                note = underflow_note(node, row, point)
                found[i] = domain_error(node, point, reason + note).message
                pending.discard(i)
    return found


def _single(kind: str, mode: str, program: Program, point: dict, wrt, options: dict):
    if kind == "eval":
        from .api import evaluate_at

        return evaluate_at(program, {k: point[k] for k in program.variables})
    from .backends import apply_side

    options = dict(options)
    side = options.pop("side", None)
    backend = get_backend(mode)
    result = getattr(backend, kind)(program, point, wrt, **options)
    if side is not None:  # rows at a kink are computed here (``_mark_kinks``)
        apply_side(result, side)
    return result


def run(
    kind: str,
    program: Program,
    columns: Mapping[str, np.ndarray],
    wrt: tuple[str, ...],
    *,
    mode: str = "reverse",
    exact: bool = False,
    options: dict | None = None,
    strict: bool = False,
    rows: int | None = None,
) -> Batch:
    """``kind`` (eval, gradient, hessian, jacobian) at every row of
    ``columns`` (one float64 array per variable, all of one length).

    With ``strict`` the first undefined row raises its ``DomainError``
    (``.row`` says which); otherwise it gets NaN and a note.
    """
    options = {k: v for k, v in (options or {}).items() if v is not None}
    if "side" in options:
        from .backends import check_side

        check_side(options["side"], mode, kind if kind != "eval" else "grad")
    columns = {k: np.asarray(v, dtype=np.float64) for k, v in columns.items()}
    n = len(next(iter(columns.values()))) if columns else (rows or 1)
    if not columns:  # a constant: its value in every row
        columns = {"": np.zeros(n)}
    if n <= BLOCK:
        return _run_block(kind, program, columns, wrt, mode, exact, options, strict)
    # blocks that fit in the cache: numpy's passes over them are faster
    parts: list[Batch] = []
    for start in range(0, n, BLOCK):
        block = {k: v[start : start + BLOCK] for k, v in columns.items()}
        try:
            part = _run_block(kind, program, block, wrt, mode, exact, options, strict)
        except DomainError as exc:
            exc.row += start
            exc.partial = _join([*parts, exc.partial], BLOCK)
            raise
        parts.append(part)
    return _join(parts, BLOCK)


#: rows per block of the vectorized loops (arrays of 256 kB: in the cache)
BLOCK = 32_768


def _join(parts: list[Batch], block: int) -> Batch:
    columns = {k: np.concatenate([p.columns[k] for p in parts]) for k in parts[0].columns}
    notes = [
        RowNote(note.row + i * block, note.messages, note.undefined)
        for i, p in enumerate(parts)
        for note in p.notes
    ]
    return Batch(columns, notes)


def _run_block(kind, program, columns, wrt, mode, exact, options, strict) -> Batch:
    names = column_names(kind, program, wrt)
    n = len(next(iter(columns.values()))) if columns else 1
    notes: list[RowNote] = []
    numeric = mode == "numeric" and batch_numeric.supports(kind, options)
    if mode in VECTORIZED or kind == "eval" or mode == "tensorflow" or numeric:
        with np.errstate(all="ignore"):
            if numeric:  # f always by the exact column: differences amplify an ulp
                exact = True
                compute = getattr(batch_numeric, kind)
                outs, bad = compute(program, columns, wrt, n, options)
            elif mode == "tensorflow" and kind != "eval":
                outs, bad = _compute_tensorflow(kind, program, columns, wrt, n, exact, options)
            else:
                outs, bad = _compute(kind, mode, program, columns, wrt, n, exact)
            for v in outs:  # a derivative that overflowed: the single point warns
                rows = _nonfinite(v, n)
                if rows is not None:
                    bad |= rows
            out = [_full(v, n).copy() for v in outs]
            redo = np.nonzero(bad)[0].tolist()
            undefined = undefined_rows(program, columns, redo, n, exact) if redo else {}
    else:
        out = [np.empty(n) for _ in names]
        redo = list(range(n))
        undefined = {}
    for i in redo:
        message = undefined.get(i)
        point = {name: float(c[i]) for name, c in columns.items() if name}
        if message is None:
            try:
                result = _single(kind, mode, program, point, wrt, options)
            except DomainError as exc:
                message = exc.message
            else:
                for column, number in zip(out, _result_row(kind, program, wrt, result)):
                    column[i] = number
                if result.warnings:
                    notes.append(RowNote(i, list(result.warnings)))
                continue
        if strict:
            exc = DomainError(message)
            exc.row = i
            exc.partial = Batch(dict(zip(names, out)), notes)
            raise exc
        for column in out:
            column[i] = math.nan
        notes.append(RowNote(i, [message], undefined=True))
    notes.sort(key=lambda note: note.row)
    return Batch(dict(zip(names, out)), notes)


# ---------------------------------------------------------------------------
# The Python API: arrays in, arrays out


def as_array(function: str, name: str, value) -> np.ndarray:
    """``value`` (a list, tuple or array of numbers) as a float64 array."""
    from .errors import UsageError

    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise UsageError(
            f"{function}(): the values of {name} are not all numbers; give a sequence of numbers"
        ) from None
    return array


def api(kind: str, expression, point: dict, wrt, mode: str, options: dict):
    """``derivcli.grad(expr, at={"x": array, ...})``: the result types of one
    point, holding arrays (of the broadcast shape of the values given;
    scalars broadcast). Undefined rows are NaN, with a warning each
    (``row 3: log(x) is undefined ...``)."""
    from . import backends
    from .api import _mode_options, as_graph
    from .errors import UsageError
    from .point import check_point, parse_wrt
    from .results import Evaluation, Gradient, Hessian, Jacobian

    program = as_graph(expression)
    if kind in ("gradient", "hessian"):
        program.single({"gradient": "grad"}.get(kind, kind))
    try:
        shaped = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in point.values()))
    except ValueError:
        shapes = ", ".join(f"{k}: {np.shape(v)}" for k, v in point.items())
        raise UsageError(
            f"the arrays of the point have shapes that do not broadcast ({shapes})"
        ) from None
    shape = shaped[0].shape if shaped else ()
    arrays = {k: np.ascontiguousarray(v).ravel() for k, v in zip(point, shaped)}
    warnings = check_point(program.variables, arrays)
    wrt_text = ",".join(wrt) if isinstance(wrt, (list, tuple)) else wrt
    names, wrt_warnings = parse_wrt(wrt_text, program.variables)
    warnings += wrt_warnings
    given = _mode_options(mode, options) if kind != "eval" else {}
    columns = {k: v for k, v in arrays.items() if k in program.variables}
    size = int(np.prod(shape)) if shape else 1
    result = run(kind, program, columns, names, mode=mode, options=given, rows=size)
    for note in result.notes:
        for message in note.messages:
            suffix = "; its results are NaN" if note.undefined else ""
            warnings.append(f"row {note.row}: {message}{suffix}")
    out = {k: v.reshape(shape) for k, v in result.columns.items()}
    where = {k: v.reshape(shape) for k, v in arrays.items()}
    if kind == "eval":
        several = len(program.outputs) > 1
        values = {f: out[f"value_{f}"] for f in program.names} if several else None
        first = values[program.names[0]] if several else out["value"]
        return Evaluation(
            expression=program.source, point=where, variables=program.variables,
            value=first, warnings=warnings, values=values,
        )  # fmt: skip
    if kind == "jacobian":
        return Jacobian(
            expression=program.source, mode=mode, point=where, variables=names,
            outputs=program.names,
            values={f: out[f"value_{f}"] for f in program.names},
            jacobian={f: {x: out[f"d{f}/d{x}"] for x in names} for f in program.names},
            structural_zeros=backends.structural_zeros_jacobian(program, names),
            warnings=warnings,
        )  # fmt: skip
    gradient = {x: out[f"d/d{x}"] for x in names}
    if kind == "gradient":
        return Gradient(
            expression=program.source, mode=mode, point=where, variables=names,
            value=out["value"], gradient=gradient,
            structural_zeros=backends.structural_zeros_gradient(program, names),
            warnings=warnings,
        )  # fmt: skip
    return Hessian(
        expression=program.source, mode=mode, point=where, variables=names,
        value=out["value"], gradient=gradient,
        hessian={a: {b: out[f"d2/d{a}d{b}"] for b in names} for a in names},
        structural_zeros=backends.structural_zeros_hessian(
            backends.program_gradient_graphs(program, names), names
        ),
        warnings=warnings,
    )  # fmt: skip
