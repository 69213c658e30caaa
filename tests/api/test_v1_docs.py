"""docs/api.md names every /api/v1 route the app serves (and none it does not)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
_PARAM = re.compile(r"\{[^}]*\}")


def test_every_route_is_documented(app: FastAPI) -> None:
    served = {
        f"{method.upper()} {_PARAM.sub('{}', path)}"
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/v1")
        for method in operations
    }
    rows = re.findall(r"^\| `((?:GET|POST|PUT|PATCH|DELETE) /api/v1[^`]*)`", DOC.read_text(), re.M)
    documented = {_PARAM.sub("{}", row) for row in rows}
    assert served - documented == set(), "routes missing from docs/api.md"
    assert documented - served == set(), "docs/api.md names routes the app does not serve"
