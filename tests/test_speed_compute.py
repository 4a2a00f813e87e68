"""Fast paths of the n=1000 gradient's compute (issue 15) give what the
plain code gives: each is checked against the plain loop it shortcuts, on
random inputs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from derivcli import point


def _split_plain(text: str) -> list[str]:
    """``point._split`` without its fast path: a character loop on every line."""
    lines = [line.split("#", 1)[0] for line in text.splitlines()]
    pieces: list[str] = []
    for line in lines:
        depth, start = 0, 0
        for i, ch in enumerate(line):
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif ch == "," and depth == 0:
                pieces.append(line[start:i])
                start = i + 1
        pieces.append(line[start:])
    return [p.strip() for p in pieces if p.strip()]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="x1=.,() #\n\r\t-e", max_size=60))
def test_point_split_fast_path_is_the_character_loop(text):
    assert point._split(text) == _split_plain(text)
