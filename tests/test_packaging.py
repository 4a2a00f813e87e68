"""The grammar must ship inside the wheel, so a non-editable install finds it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_the_grammar(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("derivcli-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "derivcli/grammars/expr.lark" in names
    shipped = zipfile.ZipFile(wheel).read("derivcli/grammars/expr.lark").decode()
    assert shipped == (ROOT / "grammars" / "expr.lark").read_text()
    entry_points = (
        zipfile.ZipFile(wheel)
        .read(next(n for n in names if n.endswith("entry_points.txt")))
        .decode()
    )
    assert "derivcli = derivcli.cli:main" in entry_points
