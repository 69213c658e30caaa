"""``GET /api/docs``: the interactive API description, served from the package's own files.

Why not FastAPI's default page: it loads Swagger UI from a CDN (unpinned, no SRI) into the
app's origin and starts it with an inline script, which the Content Security Policy
forbids. Here Swagger UI is vendored (``swagger_ui/``, pinned by version and SHA-256 in
``manifest.json``; ``scripts/vendor-swagger-ui`` fetches and verifies it), so the page
works offline. Each file is checked against its recorded digest before it is first
served, and the page names the digests as Subresource Integrity values as well.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from html import escape
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

from credstack.core.errors import ConfigurationError

router = APIRouter(include_in_schema=False)

ASSETS_DIR = Path(__file__).resolve().parent / "swagger_ui"
DOCS_PATH = "/api/docs"
#: Credstack's own start-up script (not vendored, so not in the manifest)
INIT_SCRIPT = "credstack-docs.js"
_MEDIA_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    INIT_SCRIPT: "text/javascript; charset=utf-8",
}
#: the files change only with a Credstack release; a day of caching is plenty
_ASSET_CACHE = "public, max-age=86400"


@cache
def manifest() -> dict[str, object]:
    """The vendored release: package, version and the SHA-256 of every file."""
    loaded: dict[str, object] = json.loads((ASSETS_DIR / "manifest.json").read_text("utf-8"))
    return loaded


@cache
def asset(name: str) -> bytes:
    """One served file, refused when a vendored one differs from its recorded digest."""
    if name not in _MEDIA_TYPES:
        raise KeyError(name)
    data = (ASSETS_DIR / name).read_bytes()
    files = manifest()["files"]
    assert isinstance(files, dict)
    recorded = files.get(name)
    if name != INIT_SCRIPT and hashlib.sha256(data).hexdigest() != recorded:
        raise ConfigurationError(
            f"the vendored Swagger UI file {name} does not match the SHA-256 in "
            f"{ASSETS_DIR / 'manifest.json'}; reinstall Credstack or run scripts/vendor-swagger-ui"
        )
    return data


def integrity(name: str) -> str:
    """The Subresource Integrity value of a served file (``sha256-<base64>``)."""
    digest = hashlib.sha256(asset(name)).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def docs_page() -> str:
    """The HTML shell: Swagger UI's stylesheet and script, then Credstack's start-up file."""

    def src(name: str) -> str:
        return f'"{DOCS_PATH}/{name}" integrity="{integrity(name)}"'

    version = escape(str(manifest()["version"]))
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Credstack API</title>\n"
        f'<link rel="stylesheet" href={src("swagger-ui.css")}>\n'
        "</head>\n<body>\n"
        f'<div id="swagger-ui"><p>Loading the API description (Swagger UI {version})…</p></div>\n'
        f"<script src={src('swagger-ui-bundle.js')}></script>\n"
        f"<script src={src(INIT_SCRIPT)}></script>\n"
        "</body>\n</html>\n"
    )


@router.get(DOCS_PATH, response_class=HTMLResponse)
def api_docs() -> HTMLResponse:
    return HTMLResponse(docs_page())


@router.get(DOCS_PATH + "/{name}")
def api_docs_asset(name: str) -> Response:
    try:
        data = asset(name)
    except KeyError:
        raise HTTPException(404, f"{DOCS_PATH}/{name} is not a file of the API docs") from None
    return Response(data, media_type=_MEDIA_TYPES[name], headers={"Cache-Control": _ASSET_CACHE})
