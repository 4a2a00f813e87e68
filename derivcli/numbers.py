"""How numbers (and long expressions) are written, everywhere: messages,
tables, CSV and JSON."""

from __future__ import annotations

import math


def text_number(value: float) -> str:
    """A float for people and CSV: ``3`` not ``3.0``, otherwise the shortest
    text that reads back as the same double; ``NaN``, ``Infinity``."""
    value = getattr(value, "real", value)
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    if value == int(value) and abs(value) < 1e16:
        return str(int(value)) if math.copysign(1.0, value) > 0 else f"-{int(-value)}"
    return repr(float(value))


def json_number(value: float) -> float | str:
    """A float as strict JSON allows it: non-finite ones become strings."""
    if value != value:
        return "NaN"
    if value == math.inf:
        return "Infinity"
    if value == -math.inf:
        return "-Infinity"
    return value


def shorten(text: str, limit: int = 60) -> str:
    """``text`` on one line, cut in the middle with an ellipsis when long."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    half = (limit - 3) // 2
    return f"{text[:half]}...{text[-half:]}"


def error_text(value: float) -> str:
    """An error estimate, two significant digits (``1.2e-13``); non-finite
    ones and zero spelled as everywhere else (``NaN``, ``Infinity``, ``0``)."""
    if not math.isfinite(value) or value == 0:
        return text_number(value)  # 0, as in every other column, not 0.0e+00
    return f"{value:.1e}"


#: ASCII for the few non-ASCII characters derivcli writes itself
ASCII = {
    "±": "+/-",
    "µ": "u",
    "μ": "u",
    "…": "...",
    "·": "*",
    "∞": "Infinity",
    "ε": "eps",  # 1.0 + 1.0eps (1.0e would read as an exponent)
    "\u0304": "_bar",  # the adjoint's combining macron: x̄ is x_bar
    "\u0307": "_dot",  # the tangent's combining dot: ẋ is x_dot
    "∂": "d",
    "≤": "<=",
    "≥": ">=",
    "−": "-",
    "→": "->",
    "▶": ">",
    "━": "-",
    "─": "-",
    "│": "|",
    "├": "|",  # the graph's tree
    "└": "`",
    "┃": "|",
}

ASCII_FALLBACK = "derivcli-ascii"


def _ascii_replace(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    # any other character is the user's: '?' keeps a caret under its column
    # and never reads as another valid character ('é' as 'e' would)
    return "".join(ASCII.get(ch, "?") for ch in exc.object[exc.start : exc.end]), exc.end


def register_ascii_fallback() -> str:
    """The name of a codec error handler that writes ``±`` as ``+/-``,
    ``µs`` as ``us``, ``…`` as ``...`` (and any other character as ``?``),
    for a terminal that cannot show them."""
    import codecs

    codecs.register_error(ASCII_FALLBACK, _ascii_replace)
    return ASCII_FALLBACK
