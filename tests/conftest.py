import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# tests import the shared oracle table as a plain module
sys.path.insert(0, str(Path(__file__).parent))

# CI runs the same examples every time (a submission lands or not on its own
# merits); locally hypothesis keeps exploring new ones.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


# ---------------------------------------------------------------------------
# TensorFlow: optional here, required in CI
#
# A test that needs TensorFlow carries ``@pytest.mark.tensorflow``. Without
# TensorFlow those tests are skipped with the reason; with
# DERIVCLI_REQUIRE_TENSORFLOW=1 (CI sets it in .ci/run) a missing TensorFlow
# fails the session instead, so CI can never pass by skipping them.

REQUIRE_TENSORFLOW = "DERIVCLI_REQUIRE_TENSORFLOW"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "tensorflow: the test runs TensorFlow (skipped when it is not installed)"
    )


def tensorflow_missing() -> str | None:
    """Why TensorFlow cannot run here, or None when it can."""
    from derivcli.backends.tensorflow import import_library
    from derivcli.errors import ModeUnavailable

    try:
        import_library()
    except ModeUnavailable as exc:
        return exc.message
    return None


def pytest_collection_modifyitems(config, items):
    wanted = [item for item in items if item.get_closest_marker("tensorflow")]
    if not wanted:
        return
    reason = tensorflow_missing()
    if reason is None:
        return
    if os.environ.get(REQUIRE_TENSORFLOW):
        raise pytest.UsageError(
            f"{REQUIRE_TENSORFLOW} is set but TensorFlow cannot run here ({reason}); "
            f"{len(wanted)} TensorFlow tests would be skipped"
        )
    skip = pytest.mark.skip(reason=f"TensorFlow is not installed here ({reason})")
    for item in wanted:
        item.add_marker(skip)
