"""TensorFlow mode: the seed's last section, "AutoDiff de reverse mode con
TensorFlow". The graph is translated node by node into TensorFlow operations
(each primitive names its op in the primitive table; no text is ever
evaluated) under ``tf.GradientTape``.

Gradient: one tape. Hessian: nested tapes, the inner one for the gradient,
the outer (persistent) one to differentiate each gradient entry again.

Every primitive runs as TensorFlow's op wrapped in ``tf.custom_gradient``
whose gradient is the primitive table's partials (written with the table's
generic operations, which tensors join through :class:`_Tensor`), multiplied
into the upstream gradient with the 0·∞ rule. So TensorFlow differentiates
with the same stable partials as the other modes (``tanh'`` = 1/cosh², not
TensorFlow's 1 − tanh²), takes the limits of ``pow`` at base 0 and never
turns a zero adjoint times an infinite partial into NaN; second derivatives
differentiate those partials, themselves made of such ops. What TensorFlow's
own reverse sweep cannot do is keep an infinite partial symbolic until the
paths meet (reverse mode's ``finite + c·∞`` adjoints): where two infinite
paths cancel, as in ``acos(x/x)``, it answers NaN (with a warning naming
the sub-expression) where the other modes answer 0.
Where TensorFlow answers ``None`` (the seed's ``d2f/dy2`` of
``x*x*y + y + 2``), the variable does not reach that derivative: it is
reported as 0 and listed as a structural zero, because "y does not reach this
derivative" is different from "this derivative is 0 here".

Variables are ``tf.Variable`` in float64 (the seed's float32 loses digits);
``dtype="float32"`` gives TensorFlow's own default. TensorFlow is imported
only when this mode runs, with its log lines kept off the terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from typing import Any

from ..errors import ModeUnavailable, UsageError
from ..graph import Graph, Node, evaluate_all
from ..primitives import MUL_ABSORBING, PRIMITIVES, Primitive
from ..results import Gradient, Hessian, Jacobian
from . import MODE_OPTIONS, gradient_result, hessian_result, jacobian_result

NAME = "tensorflow"
#: the dtypes ``--dtype`` offers, as the mode declares them (backends.DECLARED)
DTYPES = MODE_OPTIONS["dtype"][1].choices

_NEG = PRIMITIVES["neg"]

INSTALL_HINT = "pip install 'derivcli[tensorflow]'"

_tf: Any = None


def import_library() -> Any:
    """The ``tensorflow`` module, imported once, quietly (``compare`` times
    this call to report TensorFlow's one-off start-up cost)."""
    global _tf
    if _tf is not None:
        return _tf
    # C++ log lines after start-up (cpu features, devices) are dropped by this
    # level; the ones written before absl is initialised (the oneDNN notice)
    # ignore it, so the import runs with file descriptor 2 sent to /dev/null.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        with _quiet_stderr(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import tensorflow as tf
    except ImportError:
        raise ModeUnavailable(f"the tensorflow mode needs TensorFlow: {INSTALL_HINT}") from None
    except Exception as exc:  # a broken installation
        raise ModeUnavailable(
            f"TensorFlow is installed but does not import ({type(exc).__name__}: {exc}); "
            f"reinstall it: {INSTALL_HINT}"
        ) from None
    _tf = tf
    return tf


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """File descriptor 2 sent to /dev/null for a while (unless DERIVCLI_DEBUG)."""
    if os.environ.get("DERIVCLI_DEBUG"):
        yield
        return
    _flush_stderr()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing to protect
        yield
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        yield
    finally:
        _flush_stderr()
        os.dup2(saved, 2)
        os.close(saved)


def _flush_stderr() -> None:
    try:
        sys.stderr.flush()
    except (AttributeError, ValueError, OSError):
        pass


def _check_dtype(dtype: str | None) -> str:
    """The dtype's name: float64 unless float32 is asked for."""
    name = "float64" if dtype is None else dtype
    if name not in DTYPES:
        raise UsageError(
            f"--dtype {name} is not a float type this mode offers; "
            "choose float64 (the default) or float32"
        )
    return name


def _op(tf: Any, spec: Any) -> Any:
    """The TensorFlow function a primitive names ("math.sin" -> tf.math.sin)."""
    if callable(spec):
        return lambda *args: spec(tf, *args)
    fn = tf
    for part in spec.split("."):
        fn = getattr(fn, part)
    return fn


class _Tensor:
    """A tensor seen through the primitive table's generic operations, so the
    table's partials, written once, build TensorFlow ops."""

    __slots__ = ("tensor", "ops")

    def __init__(self, tensor: Any, ops: _Ops) -> None:
        self.tensor = tensor
        self.ops = ops

    @classmethod
    def apply_primitive(cls, prim: Primitive, args: tuple) -> _Tensor:
        ops = next(a.ops for a in args if isinstance(a, _Tensor))
        tensors = [a.tensor if isinstance(a, _Tensor) else a for a in args]
        return _Tensor(ops.apply_in_partial(prim, tensors), ops)


class _LazyOut(_Tensor):
    """A primitive's output for its partials, computed only if they use it."""

    __slots__ = ("_args", "_prim")

    def __init__(self, ops: _Ops, prim: Primitive, args: tuple) -> None:
        self.ops = ops
        self._prim = prim
        self._args = args

    def __getattr__(self, name: str) -> Any:
        if name != "tensor":
            raise AttributeError(name)
        tensor = self.ops.apply(self._prim, list(self._args))
        object.__setattr__(self, "tensor", tensor)
        return tensor


class _Ops:
    """Each primitive as a TensorFlow op whose gradient is the table's.

    ``differentiable`` (Hessians): the partials are built from these ops
    too, so that the outer tape differentiates them with the same rules;
    otherwise (gradients) the partials are plain TensorFlow arithmetic.
    """

    def __init__(self, tf: Any, dtype: Any, differentiable: bool) -> None:
        self.tf = tf
        self.dtype = dtype
        self.differentiable = differentiable
        self.zero = tf.constant(0.0, dtype=dtype)
        self.custom: dict[tuple[str, bool], Any] = {}
        self.raw: dict[tuple[str, bool], Any] = {}

    def tensor(self, value: Any) -> Any:
        if isinstance(value, _Tensor):
            return value.tensor
        if isinstance(value, (int, float)):
            return self.tf.constant(float(value), dtype=self.dtype)
        return value

    def apply(self, prim: Primitive, args: list) -> Any:
        """``prim`` as an op with the table's gradient."""
        key = (prim.name, prim.zero_absorbing)
        fn = self.custom.get(key)
        if fn is None:
            fn = self.custom[key] = self._custom(prim)
        return fn(*(self.tensor(a) for a in args))

    def apply_in_partial(self, prim: Primitive, args: list) -> Any:
        if self.differentiable:
            return self.apply(prim, args)
        return self._raw(prim)(*(self.tensor(a) for a in args))

    def _raw(self, prim: Primitive) -> Any:
        """The forward computation: TensorFlow's op (with the 0·∞ rule for
        the ``*`` and ``/`` that derivatives use)."""
        key = (prim.name, prim.zero_absorbing)
        fn = self.raw.get(key)
        if fn is not None:
            return fn
        tf, zero = self.tf, self.zero
        if prim.zero_absorbing and prim.name == "mul":

            def fn(a: Any, b: Any) -> Any:
                # multiply_no_nan is 0 where b is 0; the rule is symmetric
                return tf.where(a == 0, zero, tf.math.multiply_no_nan(a, b))

        elif prim.zero_absorbing and prim.name == "div":

            def fn(a: Any, b: Any) -> Any:
                return tf.where(a == 0, zero, a / b)

        else:
            fn = _op(tf, prim.tf)
        self.raw[key] = fn
        return fn

    def times(self, upstream: Any, partial: Any) -> Any:
        """``upstream · partial`` with the 0·∞ rule."""
        if type(partial) is float:  # a constant partial (+, -, neg, sign)
            if partial == 1:
                return upstream
            if partial == -1:
                return self.apply_in_partial(_NEG, [upstream])
        if self.differentiable:
            return self.apply(MUL_ABSORBING, [upstream, partial])
        return self._raw(MUL_ABSORBING)(upstream, self.tensor(partial))

    def _custom(self, prim: Primitive) -> Any:
        raw = self._raw(prim)
        ops = self

        @self.tf.custom_gradient
        def op(*xs: Any) -> Any:
            y = raw(*xs)

            def grad(upstream: Any) -> list:
                if ops.differentiable:
                    # the output again, as an op of the inputs: ``y`` itself
                    # is not connected to them on an outer tape
                    out = _LazyOut(ops, prim, xs)
                else:
                    out = _Tensor(y, ops)
                partials = prim.partials(*(_Tensor(x, ops) for x in xs), out)
                return [ops.times(upstream, p) for p in partials]

            return y, grad

        return op


def _translate(
    tf: Any, order: list[Node], variables: dict[str, Any], dtype: Any, differentiable: bool
) -> dict:
    """Every node of ``order`` as a tensor: one loop, children first."""
    ops = _Ops(tf, dtype, differentiable)
    tensors: dict[Node, Any] = {}
    for node in order:
        op = node.op
        if op == "const":
            tensors[node] = tf.constant(node.value, dtype=dtype)
        elif op == "var":
            tensors[node] = variables[node.name]
        else:
            tensors[node] = ops.apply(node.prim, [tensors[a] for a in node.args])
    return tensors


def _prepare(graph: Graph, point: dict, wrt: tuple[str, ...], dtype: str | None):
    dtype_name = _check_dtype(dtype)
    order = graph.steps
    # our own evaluator first: log(-1) is a DomainError naming the node,
    # before TensorFlow quietly answers nan
    evaluate_all(order, point)
    tf = import_library()
    tf_dtype = getattr(tf, dtype_name)
    names = list(dict.fromkeys((*graph.variables, *wrt)))
    variables = {name: tf.Variable(float(point.get(name, 0.0)), dtype=tf_dtype) for name in names}
    return tf, order, variables, tf_dtype


def _number(tensor: Any) -> float:
    return float(tensor.numpy())


def _first_derivatives(tf: Any, tape: Any, f: Any, sources: list) -> list:
    """``tape.gradient`` with TensorFlow's None (not connected) kept."""
    return tape.gradient(f, sources, unconnected_gradients=tf.UnconnectedGradients.NONE)


def gradient(
    graph: Graph, point: dict, wrt: tuple[str, ...], *, dtype: str | None = None, **options
) -> Gradient:
    tf, order, variables, tf_dtype = _prepare(graph, point, wrt, dtype)
    sources = [variables[name] for name in wrt]
    with tf.GradientTape() as tape:
        f = tf.convert_to_tensor(_translate(tf, order, variables, tf_dtype, False)[graph.root])
    grads = _first_derivatives(tf, tape, f, sources)
    value = _number(f)
    grad = {name: 0.0 if g is None else _number(g) for name, g in zip(wrt, grads, strict=True)}
    zeros = [name for name, g in zip(wrt, grads, strict=True) if g is None]
    # the forward pass recorded on the tape, one backward
    return gradient_result(
        NAME, graph, point, wrt, value, grad, evaluations=2, structural_zeros=zeros
    )


def hessian(
    graph: Graph, point: dict, wrt: tuple[str, ...], *, dtype: str | None = None, **options
) -> Hessian:
    tf, order, variables, tf_dtype = _prepare(graph, point, wrt, dtype)
    sources = [variables[name] for name in wrt]
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape() as inner:
            tensors = _translate(tf, order, variables, tf_dtype, True)
            f = tf.convert_to_tensor(tensors[graph.root])
        # computed inside the outer tape, so that it can be differentiated again
        grads = _first_derivatives(tf, inner, f, sources)
    rows: dict[str, dict[str, float]] = {}
    zeros: list[tuple[str, str]] = []
    for name, g in zip(wrt, grads, strict=True):
        if g is None:
            second = [None] * len(wrt)
        else:
            second = _first_derivatives(tf, outer, g, sources)
        rows[name] = {}
        for other, h in zip(wrt, second, strict=True):
            if h is None:
                zeros.append((name, other))
                rows[name][other] = 0.0
            else:
                rows[name][other] = _number(h)
    del outer
    value = _number(f)
    grad = {name: 0.0 if g is None else _number(g) for name, g in zip(wrt, grads, strict=True)}
    return hessian_result(
        NAME,
        graph,
        point,
        wrt,
        value,
        grad,
        rows,
        # forward pass, the gradient, then one backward pass per row
        evaluations=2 + sum(g is not None for g in grads),
        structural_zeros=zeros,
    )


def jacobian(
    program: Graph, point: dict, wrt: tuple[str, ...], *, dtype: str | None = None, **options
) -> Jacobian:
    """``tape.jacobian`` of the stacked outputs: one backward pass per output."""
    dtype_name = _check_dtype(dtype)
    order = program.steps
    evaluate_all(order, point)  # our own domain errors first
    tf = import_library()
    tf_dtype = getattr(tf, dtype_name)
    names = list(dict.fromkeys((*program.variables, *wrt)))
    variables = {name: tf.Variable(float(point.get(name, 0.0)), dtype=tf_dtype) for name in names}
    sources = [variables[name] for name in wrt]
    # persistent: tape.jacobian without pfor runs one backward pass per output
    with tf.GradientTape(persistent=True) as tape:
        tensors = _translate(tf, order, variables, tf_dtype, False)
        y = tf.stack([tf.convert_to_tensor(tensors[o]) for o in program.outputs])
    columns = tape.jacobian(
        y, sources, unconnected_gradients=tf.UnconnectedGradients.NONE, experimental_use_pfor=False
    )
    del tape
    outputs = [float(v) for v in y.numpy()]
    rows = {
        f: {
            name: 0.0 if column is None else float(column.numpy()[i])
            for name, column in zip(wrt, columns, strict=True)
        }
        for i, f in enumerate(program.names)
    }
    return jacobian_result(
        NAME, program, point, wrt, outputs, rows, evaluations=1 + len(program.outputs)
    )
