"""Script form of the core benchmark: ``python benchmarks/bench_core.py``.

Same as ``python -m benchmarks.core``; this file only puts the repository root on the path.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.core import main

    sys.exit(main())
