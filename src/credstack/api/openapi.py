"""The OpenAPI document says what the app really answers when it refuses a request.

FastAPI documents a ``422`` with its own ``HTTPValidationError`` body, but Credstack
answers every error as an RFC 9457 problem (``application/problem+json``, see
``api.problems``). :func:`install_openapi` rewrites the generated document once, so that
clients and property-based testers (Schemathesis in ``tests/api/test_openapi_fuzz.py``)
read the truth: every operation may refuse with a ``4XX`` problem, operations that need a
caller name ``401`` and ``403``, and the ``422`` is a problem with its ``problems`` list.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from credstack.api.problems import PROBLEM_MEDIA_TYPE

PROBLEM_SCHEMA_NAME = "Problem"
#: RFC 9457 members Credstack sends; ``problems`` lists each invalid field of a 422
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem details (RFC 9457)",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "a URN naming the kind of error"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "what went wrong and what to do"},
        "instance": {"type": "string", "description": "the path that was asked for"},
        "problems": {
            "type": "array",
            "items": {"type": "string"},
            "description": "one line per invalid field (validation errors)",
        },
    },
}
#: the schemas FastAPI adds for its own 422 body, which Credstack never sends
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_SECURED = {
    "401": "No caller: send 'Authorization: Bearer cst_...' (or sign in)",
    "403": "The caller may not do this (role or token scope)",
}
_REFUSED = "Refused: the problem document says why"
_INVALID = "The request does not match what this operation accepts"


#: media-type entries for :func:`answers`: a JSON document, text, bytes (an image), and
#: a media type with no schema (a compact JWT: tools read ``application/jwt`` as JSON)
JSON_DOCUMENT: dict[str, Any] = {"schema": {"type": "object"}}
TEXT: dict[str, Any] = {"schema": {"type": "string"}}
BINARY: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}
UNDESCRIBED: dict[str, Any] = {}
#: a JSON-LD document served as ``application/json`` unless ``application/ld+json`` is asked
JSON_OR_LD: dict[str, dict[str, Any]] = {
    "application/json": JSON_DOCUMENT,
    "application/ld+json": JSON_DOCUMENT,
}


def answers(
    description: str,
    content: dict[str, dict[str, Any]],
    *,
    also: dict[int, str] | None = None,
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route answering a ``Response`` itself: what its 200 carries.

    A route that builds its own ``Response`` (a JSON-LD document, an image) is otherwise
    documented as ``application/json``; ``also`` names further bodiless answers (a 304).
    """
    documented: dict[int | str, dict[str, Any]] = {
        200: {"description": description, "content": content}
    }
    documented.update({status: {"description": text} for status, text in (also or {}).items()})
    return documented


def problem_response(description: str) -> dict[str, Any]:
    """An OpenAPI response whose body is a problem document."""
    reference = {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"}
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": reference}}}


def document_problems(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (an OpenAPI dict, changed in place) with Credstack's error answers."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    schemas[PROBLEM_SCHEMA_NAME] = PROBLEM_SCHEMA
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = problem_response(_INVALID)
            if operation.get("security"):
                for status, description in _SECURED.items():
                    responses.setdefault(status, problem_response(description))
            responses.setdefault("4XX", problem_response(_REFUSED))
    return document


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` (served at ``/api/openapi.json``) document problems."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
