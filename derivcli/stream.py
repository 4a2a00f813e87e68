"""``--points FILE|-``: many points read and written in chunks.

Input: CSV with a header naming the columns (variables and any other
columns, which are carried through untouched, byte for byte), or JSON lines
(one object per line, ``{"x": 1, "y": 2}``; other keys carried through
byte for byte too). Numbers are what Python's ``float`` reads (``1e-3``,
``NaN``, ``Infinity``, ``-Infinity``; in JSON lines also the strings
``"NaN"``, ``"Infinity"``, ``"-Infinity"`` of derivcli's own JSON). Blank
lines are skipped.

Output: one row per input row, in input order: the input row as it was,
then the columns of :func:`batch.column_names` (``value``, ``d/dx``,
``d2/dxdy``, ``value_f1``, ``df1/dx``). Numbers as in the single-point
contract: CSV ``3``, ``0.1``, ``NaN``, ``Infinity``; JSON ``3.0`` and the
strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``.

Rows are read, computed and written ``CHUNK`` at a time, so memory stays
bounded however long the input. A malformed row stops the run with its line
number (exit 2) after every row before it was written; a row where ``f`` is
undefined gets NaN and a line on stderr (after ``REPORTED`` such lines, a
summary at the end), or with ``strict`` stops the run (exit 1).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any

import numpy as np

from . import batch
from .errors import DerivError, DomainError, UsageError

#: rows per chunk
CHUNK = 65_536
#: per-row notes written to stderr before the rest are summarized
REPORTED = 10
#: the most rows --format table shows
TABLE_ROWS = 1_000
#: a progress bar appears when a run on a terminal takes longer than this
PROGRESS_AFTER = 1.0

_SPECIAL_CSV = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
_SPECIAL_JSON = {"nan": '"NaN"', "inf": '"Infinity"', "-inf": '"-Infinity"'}
_JSON_WORDS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


class MalformedRow(UsageError):
    """A row that cannot be read (exit 2); ``rows`` were read before it."""


# ---------------------------------------------------------------------------
# Numbers as text


def csv_texts(values: np.ndarray) -> list[str]:
    """``numbers.text_number`` of every value: ``3`` not ``3.0``, the
    shortest text that reads back as the same double, ``NaN``,
    ``Infinity``."""
    texts = list(map(float.__repr__, values.tolist()))
    finite = np.isfinite(values)
    if not finite.all():
        for i in np.nonzero(~finite)[0].tolist():
            texts[i] = _SPECIAL_CSV[texts[i]]
    whole = finite & (values == np.trunc(values)) & (np.abs(values) < 1e16)
    for i in np.nonzero(whole)[0].tolist():
        texts[i] = texts[i][:-2]  # "3.0" -> "3", "-0.0" -> "-0"
    return texts


def json_texts(values: np.ndarray) -> list[str]:
    """Every value as strict JSON writes it (``json.dumps``), non-finite
    ones as the strings of ``numbers.json_number``."""
    texts = list(map(float.__repr__, values.tolist()))
    finite = np.isfinite(values)
    if not finite.all():
        for i in np.nonzero(~finite)[0].tolist():
            texts[i] = _SPECIAL_JSON[texts[i]]
    return texts


# ---------------------------------------------------------------------------
# Reading


@dataclass
class Chunk:
    """Rows read together: their text as read (no line ending), their line
    numbers, one float64 array per variable; ``error`` is the malformed row
    that ended the chunk (raised after these rows are written)."""

    texts: list[str]
    lines: list[int]
    columns: dict[str, np.ndarray]
    error: MalformedRow | None = None
    chars: int = 0


def _numbers(strings: list[str]) -> np.ndarray:
    return np.fromiter(map(float, strings), dtype=np.float64, count=len(strings))


def _with(chunk: Chunk, error: MalformedRow) -> Chunk:
    chunk.error = error
    return chunk


def _first_bad(strings: list[str]) -> int:
    for i, s in enumerate(strings):
        try:
            float(s)
        except ValueError:
            return i
    return len(strings)  # pragma: no cover - numpy refused something float reads


@dataclass
class Reader:
    """The rows of a CSV or JSON-lines stream, ``CHUNK`` at a time."""

    stream: IO[str]
    name: str
    kind: str  # "csv" or "jsonl"
    variables: tuple[str, ...]  # the variables that come from the rows
    header: list[str] = field(default_factory=list)
    header_text: str = ""
    line: int = 0
    _first: str | None = None

    def open(self, reserved: list[str]) -> None:
        """Read the header (CSV) and check the columns; ``reserved`` are the
        output columns, which an input column may not be called."""
        self.stream = iter(self.stream)  # one iterator for every read
        for raw in self.stream:
            self.line += 1
            text = raw.rstrip("\r\n")
            if text.strip():
                self._first = text
                break
        if self._first is None:
            raise UsageError(f"{self.name} is empty; it needs a header naming the variables")
        if self.kind == "jsonl":
            self.line -= 1  # the first line is a row: read it again
            return
        self.header_text, self._first = self._first, None
        self.header = [h.strip() for h in next(csv.reader([self.header_text]))]
        seen = set()
        for h in self.header:
            if h in seen:
                raise UsageError(f"{self.name} names the column '{h}' twice; name each once")
            seen.add(h)
        missing = [v for v in self.variables if v not in seen]
        if missing:
            raise UsageError(
                f"{self.name} has no column for {', '.join(missing)}; add "
                f"{'it' if len(missing) == 1 else 'them'} to the header or fix "
                f"{'it' if len(missing) == 1 else 'them'} with --at "
                + ",".join(f"{m}=VALUE" for m in missing)
            )
        clash = [h for h in self.header if h in reserved]
        if clash:
            raise UsageError(
                f"{self.name} has a column called '{clash[0]}', which is also an output "
                "column; rename it"
            )

    def _blocks(self) -> Iterator[tuple[list[str], list[int] | range]]:
        """The non-blank rows, ``CHUNK`` at a time, without their line
        endings, with their line numbers (a range when no line was blank)."""
        if self._first is not None:  # JSON lines: the first row, already read
            first, self._first = self._first, None
            pending: list[str] = [first + "\n"]
        else:
            pending = []
        while True:
            raw = pending + list(islice(self.stream, CHUNK - len(pending)))
            pending = []
            if not raw:
                return
            start = self.line + 1
            self.line += len(raw)
            texts = [t.rstrip("\r\n") for t in raw]
            if all(texts) and not any(t.isspace() for t in texts if t[0] in " \t"):
                yield texts, range(start, start + len(texts))
                continue
            kept = [(start + i, t) for i, t in enumerate(texts) if t.strip()]
            yield [t for _, t in kept], [n for n, _ in kept]

    def chunks(self, reserved: list[str]) -> Iterator[Chunk]:
        for texts, lines in self._blocks():
            if not texts:
                continue
            if self.kind == "csv":
                yield self._csv(texts, lines)
            else:
                yield self._jsonl(list(zip(lines, texts)), reserved)

    def _csv(self, texts: list[str], lines) -> Chunk:
        width = len(self.header)
        chars = sum(map(len, texts)) + len(texts)
        index = {h: j for j, h in enumerate(self.header)}
        wanted = [index[v] for v in self.variables]
        if '"' not in "".join(texts):
            # one split for the whole chunk; a row with another number of
            # fields shows as a total that is not rows × width
            flat = ",".join(texts).split(",")
            if len(flat) == len(texts) * width:
                strings = {v: flat[j::width] for v, j in zip(self.variables, wanted)}
                return self._numbers(texts, lines, strings, chars)
        fields = [t.split(",") if '"' not in t else next(csv.reader([t])) for t in texts]
        error = None
        for i, f in enumerate(fields):
            if len(f) != width:
                error = MalformedRow(
                    f"line {lines[i]} of {self.name} has {len(f)} field"
                    f"{'s' if len(f) != 1 else ''}, the header has {width}; "
                    "fix the row (a field with a comma needs quotes)"
                )
                fields, texts, lines = fields[:i], texts[:i], lines[:i]
                break
        strings = {v: [f[j] for f in fields] for v, j in zip(self.variables, wanted)}
        chunk = self._numbers(texts, lines, strings, chars)
        return chunk if chunk.error is not None or error is None else _with(chunk, error)

    def _numbers(self, texts, lines, strings: dict[str, list[str]], chars: int) -> Chunk:
        columns: dict[str, np.ndarray] = {}
        bad_at, bad_var = len(texts), None
        for v, s in strings.items():
            try:
                columns[v] = np.fromiter(map(float, s), dtype=np.float64, count=len(s))
            except ValueError:
                i = _first_bad(s)
                if i < bad_at:
                    bad_at, bad_var = i, v
        if bad_var is None:
            return Chunk(texts, lines, columns, None, chars)
        text = strings[bad_var][bad_at].strip()
        error = MalformedRow(
            f"line {lines[bad_at]} of {self.name}: the {bad_var} column holds "
            f"'{text}', which is not a number"
        )
        columns = {v: _numbers(s[:bad_at]) for v, s in strings.items()}
        return Chunk(texts[:bad_at], lines[:bad_at], columns, error, chars)

    def _jsonl(self, block: list[tuple[int, str]], reserved: list[str]) -> Chunk:
        values: dict[str, list[float]] = {v: [] for v in self.variables}
        texts: list[str] = []
        lines: list[int] = []
        chars = 0
        error = None
        for n, text in block:
            chars += len(text) + 1
            try:
                problem, row = None, json.loads(text, parse_constant=_bare, object_pairs_hook=_once)
            except _NotStrict as exc:
                problem, row = str(exc), None
            except ValueError as exc:
                problem, row = f"is not JSON ({exc.msg})", None
            if problem is None and not isinstance(row, dict):
                problem = 'is not a JSON object such as {"x": 1}'
            if problem is None:
                for v in self.variables:
                    if v not in row:
                        problem = f'has no value for {v}; add "{v}" or fix it with --at'
                        break
                    x = row[v]
                    if isinstance(x, str) and x in _JSON_WORDS:
                        x = _JSON_WORDS[x]
                    if isinstance(x, bool) or not isinstance(x, (int, float)):
                        problem = f"has {json.dumps(x)} for {v}, which is not a number"
                        break
                    try:
                        values[v].append(float(x))
                    except OverflowError:
                        problem = f"has a value for {v} too large for a double"
                        break
                else:
                    clash = [k for k in row if k in reserved]
                    if clash:
                        problem = (
                            f"has the key '{clash[0]}', which is also an output key; rename it"
                        )
            if problem is not None:
                for v in self.variables:
                    del values[v][len(texts) :]
                error = MalformedRow(f"line {n} of {self.name} {problem}")
                break
            texts.append(text.rstrip())
            lines.append(n)
        columns = {v: np.array(x, dtype=np.float64) for v, x in values.items()}
        return Chunk(texts, lines, columns, error, chars)


class _NotStrict(ValueError):
    """A JSON line that Python's json reads but strict JSON does not: the
    output copies the input object, and must stay strict JSON."""


def _bare(name: str) -> float:
    raise _NotStrict(f'has a bare {name}, which is not JSON; write it as the string "{name}"')


def _once(pairs: list) -> dict:
    row = dict(pairs)
    if len(row) != len(pairs):
        seen: set = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise _NotStrict(f"names the key '{twice}' twice; name each once")
    return row


def open_points(source: str) -> tuple[IO[str], str, int | None]:
    """The text stream of ``--points`` (a path or ``-``), its name for
    messages and its size in bytes (None for a pipe)."""
    if source == "-":
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
        return stream, "standard input", None
    try:
        stream = open(source, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"cannot read the --points file '{source}': {exc.strerror}") from None
    size = os.fstat(stream.fileno()).st_size
    return stream, f"'{source}'", size


def _sniff(stream: IO[str], source: str) -> tuple[IO[str], str]:
    """CSV or JSON lines: by the file's extension, else by its first
    character (``{`` is JSON lines). Returns a stream that still has it."""
    lower = source.lower()
    if lower.endswith((".jsonl", ".ndjson")):
        return stream, "jsonl"
    if lower.endswith((".csv", ".txt")):
        return stream, "csv"
    first = stream.readline()
    rest: IO[str] = _Prefixed(first, stream)
    return rest, "jsonl" if first.lstrip().startswith("{") else "csv"


class _Prefixed:
    """A text stream with one line put back in front."""

    def __init__(self, first: str, stream: IO[str]) -> None:
        self._first, self._stream = first, stream

    def __iter__(self) -> Iterator[str]:
        if self._first:
            first, self._first = self._first, ""
            yield first
        yield from self._stream


# ---------------------------------------------------------------------------
# The run


@dataclass
class Notes:
    """Per-row notes on stderr: the first ``REPORTED`` in full, then counted."""

    echo: Any
    shown: int = 0
    more_undefined: int = 0
    more_warned: int = 0
    lines: list[int] = field(default_factory=list)

    def add(self, line: int, note: batch.RowNote) -> None:
        if self.shown < REPORTED:
            self.shown += 1
            if note.undefined:
                self.echo(f"Warning: line {line}: {note.messages[0]}; its results are NaN")
            else:
                for message in note.messages:
                    self.echo(f"Warning: line {line}: {message}")
            return
        if note.undefined:
            self.more_undefined += 1
        else:
            self.more_warned += 1
        if len(self.lines) < 10:
            self.lines.append(line)

    def close(self) -> None:
        more = self.more_undefined + self.more_warned
        if not more:
            return
        parts = []
        if self.more_undefined:
            parts.append(f"{self.more_undefined} undefined (NaN)")
        if self.more_warned:
            parts.append(f"{self.more_warned} with warnings")
        shown = ", ".join(map(str, self.lines)) + (", ..." if more > len(self.lines) else "")
        self.echo(
            f"Warning: {more} more row{'s' if more != 1 else ''} after the first {REPORTED} "
            f"above: {' and '.join(parts)} (lines {shown}); --strict stops at the first "
            "undefined row"
        )


class _Progress:
    """A rich progress bar on stderr, only on a terminal and only once the
    run has taken longer than ``PROGRESS_AFTER`` seconds."""

    def __init__(self, total: int | None, enabled: bool) -> None:
        self.total, self.enabled = total, enabled
        self.start = time.monotonic()
        self.done = 0
        self.bar: Any = None
        self.task: Any = None

    def advance(self, chars: int) -> None:
        if not self.enabled:
            return
        self.done += chars
        if self.bar is None:
            if time.monotonic() - self.start < PROGRESS_AFTER:
                return
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("points", total=self.total)
        self.bar.update(self.task, completed=self.done)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def run(
    kind: str,
    program: Any,
    fixed: dict[str, float],
    wrt: tuple[str, ...],
    source: str,
    *,
    mode: str,
    options: dict,
    fmt: str | None,
    strict: bool,
    exact: bool,
    out: IO[bytes],
    echo_err: Any,
    progress: bool,
) -> None:
    """Read the points of ``source``, compute ``kind`` at each and write the
    rows to ``out`` as they are done (``fmt`` csv, jsonl or table; None: the
    input's own format). Raises ``DerivError`` (after writing every row
    before the problem) for a malformed row or, with ``strict``, an
    undefined one."""
    stream, name, size = open_points(source)
    try:
        _run(
            kind,
            program,
            fixed,
            wrt,
            source,
            stream,
            name,
            size,
            mode=mode,
            options=options,
            fmt=fmt,
            strict=strict,
            exact=exact,
            out=out,
            echo_err=echo_err,
            progress=progress,
        )
    except UnicodeDecodeError:
        raise UsageError(f"{name} is not UTF-8 text; give the points in UTF-8") from None


def _run(kind, program, fixed, wrt, source, stream, name, size, *, mode, options, fmt, strict,
         exact, out, echo_err, progress) -> None:  # fmt: skip
    with stream:
        stream, kind_in = _sniff(stream, source)
        fmt = fmt or kind_in
        names = batch.column_names(kind, program, wrt)
        from_rows = tuple(v for v in program.variables if v not in fixed)
        reader = Reader(stream, name, kind_in, from_rows)
        reader.open(names)
        if kind_in == "csv":
            both = [h for h in reader.header if h in fixed and h in program.variables]
            if both:
                raise UsageError(
                    f"{both[0]} is both a column of {name} and given with --at; give it once"
                )
        notes = Notes(echo_err)
        bar = _Progress(size, progress)
        table_rows: list[list[str]] = []
        writer = _Writer(out, fmt, reader, names)
        try:
            for chunk in reader.chunks(names):
                n = len(chunk.texts)
                columns = dict(chunk.columns)
                for v, x in fixed.items():
                    if v in program.variables:
                        columns[v] = np.full(n, x)
                if n:
                    try:
                        result = batch.run(
                            kind, program, columns, wrt,
                            mode=mode, exact=exact, options=options, strict=strict, rows=n,
                        )  # fmt: skip
                    except DomainError as exc:
                        row = exc.row
                        done = exc.partial
                        writer.write(chunk, done, row, table_rows)
                        for note in done.notes:
                            if note.row < row:
                                notes.add(chunk.lines[note.row], note)
                        raise DomainError(
                            f"line {chunk.lines[row]} of {name}: {exc.message} (--strict stops "
                            "at the first undefined row; without it the row is NaN)"
                        ) from None
                    for note in result.notes:
                        notes.add(chunk.lines[note.row], note)
                    writer.write(chunk, result, n, table_rows)
                if chunk.error is not None:
                    raise chunk.error
                bar.advance(chunk.chars)
        finally:
            bar.stop()
            notes.close()
        writer.finish(table_rows)


class _Writer:
    def __init__(self, out: IO[bytes], fmt: str, reader: Reader, names: list[str]) -> None:
        self.out, self.fmt, self.reader, self.names = out, fmt, reader, names
        self.started = False
        self.table_count = 0

    def _header(self) -> None:
        self.started = True
        if self.fmt == "csv":
            head = self.reader.header_text
            if self.reader.kind != "csv":
                head = ",".join(self.reader.variables)
            tail = ",".join(_csv_field(n) for n in self.names)
            self.out.write(((head + "," if head else "") + tail + "\n").encode())
            self.out.flush()

    def write(self, chunk: Chunk, result: batch.Batch, rows: int, table_rows: list) -> None:
        if not self.started:
            self._header()
        if rows == 0:
            return
        if self.fmt == "table":
            self.table_count += rows
            if self.table_count > TABLE_ROWS:
                raise UsageError(
                    f"--format table shows at most {TABLE_ROWS:,} rows; use --format csv "
                    "or jsonl for more"
                )
            cols = [csv_texts(result.columns[n][:rows]) for n in self.names]
            for i in range(rows):
                table_rows.append([chunk.texts[i], *(c[i] for c in cols)])
            return
        texts = chunk.texts[:rows]
        if self.fmt == "csv":
            if self.reader.kind != "csv":
                texts = [
                    ",".join(csv_texts(np.asarray(chunk.columns[v][:rows])) [i]
                             for v in self.reader.variables)
                    for i in range(rows)
                ]  # fmt: skip
            cols = [csv_texts(result.columns[n][:rows]) for n in self.names]
            body = "\n".join(map(",".join, zip(texts, *cols)))
        else:
            keys = [json.dumps(n) + ": " for n in self.names]
            cols = [json_texts(result.columns[n][:rows]) for n in self.names]
            if self.reader.kind == "jsonl":
                heads = [_open_object(t) for t in texts]
            else:
                heads = [_csv_object(self.reader, t) for t in texts]
            body = "\n".join(
                h + ", ".join(k + v for k, v in zip(keys, vals)) + "}"
                for h, vals in zip(heads, zip(*cols))
            )
        self.out.write((body + "\n").encode())
        self.out.flush()

    def finish(self, table_rows: list) -> None:
        if not self.started:
            self._header()
        if self.fmt != "table":
            return
        from rich.console import Console
        from rich.table import Table

        table = Table()
        heads = self.reader.header if self.reader.kind == "csv" else ["row"]
        for h in heads:
            table.add_column(h)
        for n in self.names:
            table.add_column(n, justify="right")
        for text, *numbers in table_rows:
            cells = next(csv.reader([text])) if self.reader.kind == "csv" else [text]
            table.add_row(*cells, *numbers)
        stream = io.TextIOWrapper(self.out, encoding="utf-8", write_through=True)
        # the cells are the user's text, printed as written: no markup, no emoji codes
        Console(file=stream, markup=False, emoji=False).print(table)
        stream.detach()


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _open_object(text: str) -> str:
    """``{"x": 1}`` as ``{"x": 1, `` (ready for more keys): the input object
    byte for byte without its closing brace."""
    body = text.rstrip()[:-1].rstrip()
    return body + ("" if body.endswith("{") else ", ")


def _csv_object(reader: Reader, text: str) -> str:
    """A CSV row as the start of a JSON object: every column as a string,
    the variables as numbers."""
    fields = text.split(",") if '"' not in text else next(csv.reader([text]))
    parts = []
    for h, f in zip(reader.header, fields):
        if h in reader.variables:
            parts.append(json.dumps(h) + ": " + json_texts(np.array([float(f)]))[0])
        else:
            parts.append(json.dumps(h) + ": " + json.dumps(f))
    return "{" + "".join(p + ", " for p in parts)


__all__ = ["CHUNK", "DerivError", "run"]
