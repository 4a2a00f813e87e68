import os
import sys
from pathlib import Path

from hypothesis import settings

# tests import the shared oracle table as a plain module
sys.path.insert(0, str(Path(__file__).parent))

# CI runs the same examples every time (a submission lands or not on its own
# merits); locally hypothesis keeps exploring new ones.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
