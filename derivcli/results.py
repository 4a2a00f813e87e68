"""What every mode returns. ``render.py`` only ever sees these types, so it
never knows (or cares) which mode produced a result."""

from __future__ import annotations

from .records import Record, factory


class Evaluation(Record):
    """The value of an expression at a point (of each output, for several)."""

    expression: str
    point: dict[str, float]
    variables: tuple[str, ...]
    value: float
    mode: str | None = None
    warnings: list[str] = factory(list)
    #: several outputs: every output's value by name (``value`` is the first)
    values: dict[str, float] | None = None


class Derivative(Record):
    """A symbolic derivative: d^k f / d wrt[0] ... d wrt[-1], as text."""

    expression: str
    wrt: tuple[str, ...]
    derivative: str
    latex: str
    #: node counts: f, the derivative as built, after simplification
    stats: dict[str, int] | None = None
    warnings: list[str] = factory(list)


class Gradient(Record):
    """Value and first derivatives, one per variable of ``variables``."""

    expression: str
    mode: str
    point: dict[str, float]
    variables: tuple[str, ...]
    value: float
    gradient: dict[str, float]
    #: numeric mode: an estimate of each entry's absolute error
    error_estimate: dict[str, float] | None = None
    #: variables that do not reach the expression at all (derivative 0 by
    #: structure, not by arithmetic)
    structural_zeros: list[str] = factory(list)
    #: the cost: evaluations of f (numeric) or passes over the graph
    evaluations: int | None = None
    warnings: list[str] = factory(list)
    #: mpmath mode: the value and every entry as text with all its digits
    digits: dict | None = None
    #: numeric mode: the variables whose error estimate is too large to
    #: trust the entry (each also has a warning)
    unreliable: list[str] = factory(list)
    #: the kinks the derivatives cross: ``{"at", "variable", "left",
    #: "right"}`` with the one-sided derivatives (``None``: there is none,
    #: the value jumps); empty where the expression is differentiable
    kinks: list[dict] = factory(list)

    @property
    def entries(self) -> dict[tuple[str, ...], float]:
        """Every derivative keyed by entry: ``(x,)``."""
        return {(x,): self.gradient[x] for x in self.variables}

    @property
    def jacobian(self) -> dict[str, dict[str, float]]:
        """The one-row Jacobian of the one output ``f1``."""
        return {"f1": dict(self.gradient)}

    @property
    def estimates(self) -> dict[tuple[str, ...], float]:
        """The error estimate of every entry (numeric mode), keyed as :attr:`entries`."""
        e = self.error_estimate
        return {} if e is None else {(x,): e[x] for x in self.variables}


class Hessian(Record):
    """Value, gradient and second derivatives (``hessian[x][y]``)."""

    expression: str
    mode: str
    point: dict[str, float]
    variables: tuple[str, ...]
    value: float
    gradient: dict[str, float]
    hessian: dict[str, dict[str, float]]
    error_estimate: dict[str, dict[str, float]] | None = None
    #: pairs (x, y) where y does not reach the derivative with respect to x
    structural_zeros: list[tuple[str, str]] = factory(list)
    evaluations: int | None = None
    warnings: list[str] = factory(list)
    #: mpmath mode: the value and every entry as text with all its digits
    digits: dict | None = None
    #: numeric mode: the entries (variable or pair of variables) whose error
    #: estimate is too large to trust (each also has a warning)
    unreliable: list = factory(list)
    #: the kinks of f and of its first derivatives (``"output": "d/dx"``),
    #: as :attr:`Gradient.kinks`
    kinks: list[dict] = factory(list)

    @property
    def entries(self) -> dict[tuple[str, ...], float]:
        """Every second derivative keyed by entry: ``(x, y)``."""
        return {(a, b): self.hessian[a][b] for a in self.variables for b in self.variables}

    @property
    def estimates(self) -> dict[tuple[str, ...], float]:
        """The error estimate of every entry (numeric mode), keyed as :attr:`entries`."""
        e = self.error_estimate
        names = self.variables
        return {} if e is None else {(a, b): e[a][b] for a in names for b in names}


class Jacobian(Record):
    """Values and first derivatives of every output: ``jacobian[f][x]`` is
    d f / d x, outputs down (``outputs``, in program order), variables
    across (``variables``). Keyed by entry (output, variable) in
    :attr:`entries`; the one-output case is a gradient (:attr:`gradient`)."""

    expression: str
    mode: str
    point: dict[str, float]
    variables: tuple[str, ...]
    outputs: tuple[str, ...]
    values: dict[str, float]
    jacobian: dict[str, dict[str, float]]
    error_estimate: dict[str, dict[str, float]] | None = None
    #: entries (output, variable) where the variable does not reach the output
    structural_zeros: list[tuple[str, str]] = factory(list)
    evaluations: int | None = None
    warnings: list[str] = factory(list)
    digits: dict | None = None
    #: numeric mode: entries (output, variable) too uncertain to trust
    unreliable: list = factory(list)
    #: as :attr:`Gradient.kinks`, with ``"output"`` for several outputs
    kinks: list[dict] = factory(list)

    @property
    def entries(self) -> dict[tuple[str, str], float]:
        """Every derivative keyed by entry: ``(output, x)``."""
        return {(f, x): self.jacobian[f][x] for f in self.outputs for x in self.variables}

    @property
    def estimates(self) -> dict[tuple[str, str], float]:
        """The error estimate of every entry (numeric mode), keyed as :attr:`entries`."""
        e = self.error_estimate
        names = self.variables
        return {} if e is None else {(f, x): e[f][x] for f in self.outputs for x in names}

    @property
    def value(self) -> float:
        """The value of the first output (of the only one, for a gradient)."""
        return self.values[self.outputs[0]]

    @property
    def gradient(self) -> dict[str, float]:
        """The one output's row (a gradient), as :class:`Gradient` has it."""
        if len(self.outputs) != 1:
            raise ValueError("a Jacobian of several outputs has no single gradient")
        return self.jacobian[self.outputs[0]]


class Directional(Record):
    """A product with a vector, without the whole matrix:

    * ``kind == "jvp"``: the directional derivative J·v of every output
      along ``direction`` (``directional[f]``);
    * ``kind == "vjp"``: uᵀ·J for the ``cotangent`` u over the outputs
      (``vjp[x]``, one per variable);
    * ``kind == "hvp"``: the Hessian-vector product H·v of the one output
      (``hvp[x]``).
    """

    kind: str
    expression: str
    mode: str
    point: dict[str, float]
    variables: tuple[str, ...]
    outputs: tuple[str, ...]
    values: dict[str, float]
    #: the vector: over the variables (jvp, hvp) or the outputs (vjp)
    vector: dict[str, float]
    #: the product: by output (jvp) or by variable (vjp, hvp)
    product: dict[str, float]
    evaluations: int | None = None
    #: how the cost arose, in words
    cost_note: str = ""
    warnings: list[str] = factory(list)

    @property
    def value(self) -> float:
        return self.values[self.outputs[0]]


#: an entry of a comparison: ``()`` the value, ``(x,)`` a gradient entry,
#: ``(x, y)`` a Hessian entry
EntryKey = tuple[str, ...]


class ModeComparison(Record):
    """One mode's row of a :class:`Comparison`: its numbers, their errors
    against the reference, its time and its cost."""

    mode: str
    #: why the mode did not run here (TensorFlow not installed); the other
    #: fields are then empty
    skipped: str | None = None
    #: the mode ran but failed where the reference did not (counts as a
    #: disagreement)
    failed: str | None = None
    value: float | None = None
    #: every derivative entry, keyed as :data:`EntryKey`, in table order
    entries: dict[EntryKey, float] = factory(dict)
    gradient: dict[str, float] | None = None
    hessian: dict[str, dict[str, float]] | None = None
    jacobian: dict[str, dict[str, float]] | None = None
    #: the absolute error of the value (key ``()``) and of every entry
    abs_errors: dict[EntryKey, float] = factory(dict)
    ulp_errors: dict[EntryKey, float] = factory(dict)
    #: the absolute error allowed for each entry
    allowed: dict[EntryKey, float] = factory(dict)
    #: entries (and ``()`` for the value) beyond the allowed error
    out_of_tolerance: list[EntryKey] = factory(list)
    max_abs_error: float | None = None
    max_ulp_error: float | None = None
    #: median time of one computation, without imports
    seconds: float | None = None
    repetitions: int = 0
    #: the cost: evaluations of f (numeric) or passes over the graph
    evaluations: int | None = None
    #: the cost in words: "41 f evals", "2 passes"
    cost: str = ""
    #: how the mode's cost arises
    cost_note: str = ""
    #: tensorflow: the one-off time of importing TensorFlow
    import_seconds: float | None = None
    #: the first (untimed, warm-up) run of the computation
    first_seconds: float | None = None
    warnings: list[str] = factory(list)

    @property
    def agrees(self) -> bool:
        return self.skipped is not None or (self.failed is None and not self.out_of_tolerance)


class Comparison(Record):
    """Every requested mode side by side against the exact reference."""

    expression: str
    point: dict[str, float]
    variables: tuple[str, ...]
    #: "gradient", "hessian" or "jacobian"
    kind: str
    reference: str
    reference_value: float
    reference_entries: dict[EntryKey, float]
    #: entries that are 0 by structure (a variable does not reach them)
    structural_zeros: list[EntryKey]
    rows: list[ModeComparison]
    #: the explicit relative tolerance for every mode, or None for defaults
    tolerance: float | None = None
    #: how each mode's tolerance was chosen, in words
    tolerance_note: str = ""
    warnings: list[str] = factory(list)

    @property
    def agree(self) -> bool:
        """No mode that ran differs from the reference beyond its tolerance."""
        return all(row.agrees for row in self.rows)

    @property
    def disagreeing(self) -> list[str]:
        return [row.mode for row in self.rows if not row.agrees]
