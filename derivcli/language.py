"""The expression language, described from the primitive table itself
(``derivcli functions``): a function or operator added to
``primitives.PRIMITIVES`` shows up here with its derivative, without an edit.
"""

from __future__ import annotations

from typing import Any

from .numbers import text_number
from .primitives import (
    CONSTANTS,
    FUNCTIONS,
    OVERLOADS,
    PREC_POWER,
    PREC_PRODUCT,
    PREC_SUM,
    PREC_UNARY,
    PRIMITIVES,
    VARIADIC,
    Primitive,
)

#: argument names used to show a function: f(x), f(x, y), f(x, y, z)
_ARGUMENTS = ("x", "y", "z", "u", "v", "w")

#: what the table cannot say about a level of operators (the grammar's
#: associativity and its extra spellings)
_LEVEL_NOTES = {
    PREC_SUM: "left-associative: a - b - c is (a - b) - c",
    PREC_PRODUCT: "left-associative: a / b / c is (a / b) / c; a number or ')' before a name "
    "or '(' multiplies: 2x, 2(x+1), (x+1)(x-1), and 1/2x is (1/2)*x",
    PREC_UNARY: "prefix; binds looser than ^: -x^2 is -(x^2), and 2^-x is allowed; "
    "a unary + does nothing",
    PREC_POWER: "right-associative: 2^3^2 is 2^9 = 512; ** is another spelling of ^",
}
_LEFT = "left-associative"


def _derivatives(call: str, arguments: tuple[str, ...]) -> dict[str, str]:
    from .api import derivative_of

    return {a: derivative_of(call, a).derivative for a in arguments}


def _functions() -> list[dict[str, Any]]:
    names: dict[Primitive, list[str]] = {}
    for name, prim in FUNCTIONS.items():
        names.setdefault(prim, []).append(name)
    out = []
    for prim, spellings in names.items():
        spellings.sort(key=lambda n: (n != prim.name, n))
        arguments = _ARGUMENTS[: prim.arity]
        call = f"{spellings[0]}({', '.join(arguments)})"
        item: dict[str, Any] = {
            "name": spellings[0],
            "aliases": spellings[1:],
            "arity": prim.arity,
            "call": call,
            "domain": prim.domain_text,
            "derivatives": _derivatives(call, arguments),
        }
        if prim.kink is not None:
            item["kinks"] = True
        if prim.symbol is not None:
            item["operator"] = prim.symbol
        out.append(item)
    return sorted(out, key=lambda item: item["name"])


def _operators() -> list[dict[str, Any]]:
    levels: dict[int, list[Primitive]] = {}
    for prim in PRIMITIVES.values():
        if not prim.is_function and prim.symbol is not None:
            levels.setdefault(prim.precedence, []).append(prim)
    out = []
    for precedence in sorted(levels):
        prims = levels[precedence]
        forms = [f"{prim.symbol}a" if prim.arity == 1 else f"a {prim.symbol} b" for prim in prims]
        out.append(
            {
                "precedence": precedence,
                "forms": forms,
                "names": [prim.name for prim in prims],
                "note": _LEVEL_NOTES.get(precedence, _LEFT),
            }
        )
    return out


def language() -> dict[str, Any]:
    """The language as data: functions, constants, operators (loosest first)."""
    return {
        "functions": _functions(),
        "constants": dict(CONSTANTS),
        "operators": _operators(),
    }


def _calls(f: dict[str, Any]) -> list[str]:
    """``max(x, y, ...)`` for a variadic function, ``log(x), log(x, y)``
    for a name with another arity."""
    more = ", ..." if f["name"] in VARIADIC else ""
    out = [f"{n}({', '.join(_ARGUMENTS[: f['arity']])}{more})" for n in [f["name"], *f["aliases"]]]
    for arity in OVERLOADS.get(f["name"], {}):
        out.append(f"{f['name']}({', '.join(_ARGUMENTS[:arity])})")
    return out


def language_text() -> str:
    """``derivcli functions``: the language for people."""
    data = language()
    lines = [
        "Functions, with their domain and the derivative every mode uses "
        "(* marks kinks or jumps: see --side):"
    ]
    calls = [", ".join(_calls(f)) for f in data["functions"]]
    width = max(len(c) for c in calls)
    domains = [f["domain"] + (" *" if f.get("kinks") else "") for f in data["functions"]]
    domain_width = max(len(d) for d in domains)
    for call, domain, f in zip(calls, domains, data["functions"]):
        parts = [f"d/d{a} = {d}" for a, d in f["derivatives"].items()]
        same = f"same as x {f['operator']} y; " if "operator" in f else ""
        lines.append(f"  {call:<{width}}  {domain:<{domain_width}}  {same}{', '.join(parts)}")
    lines.append("Constants:")
    for name, value in data["constants"].items():
        lines.append(f"  {name:<{width}}  {text_number(value)}")
    lines.append("Operators, loosest first (each line binds tighter than the one above):")
    forms = [", ".join(level["forms"]) for level in data["operators"]]
    op_width = max(len(f) for f in forms)
    for form, level in zip(forms, data["operators"]):
        lines.append(f"  {form:<{op_width}}  {level['note']}")
    lines.append(
        "Numbers: 3, 3.5, .5, 1e-3 (IEEE doubles). Variables: letters, digits and _, "
        "not starting with a digit (x1, alpha, w_2); parentheses group. Also read: "
        "\u00b7 \u00d7 (times), \u00f7, \u2212, x\u00b2 x\u207b\u00b9 (powers), "
        "\u03c0, \u221ax. Definitions before the outputs: r = x^2 + 1; f(t) = t^2; f(r)."
    )
    return "".join(line + "\n" for line in lines)
