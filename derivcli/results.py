"""What every mode returns. ``render.py`` only ever sees these types, so it
never knows (or cares) which mode produced a result."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Evaluation:
    """The value of an expression at a point."""

    expression: str
    point: dict[str, float]
    variables: tuple[str, ...]
    value: float
    mode: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class Gradient:
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
    structural_zeros: list[str] = field(default_factory=list)
    #: the cost: evaluations of f (numeric) or passes over the graph
    evaluations: int | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class Hessian:
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
    structural_zeros: list[tuple[str, str]] = field(default_factory=list)
    evaluations: int | None = None
    warnings: list[str] = field(default_factory=list)
