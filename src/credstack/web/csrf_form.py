"""Find the ``csrf_token`` field of a form body while reading as little of it as possible.

Why: the CSRF check used to buffer the whole body (up to 51 MB) before it could refuse a
forged upload. Now a url-encoded form (small: the body limit of its route applies) is
read whole, but a multipart form is parsed as it streams in and only until its
``csrf_token`` part has ended; the app's forms put that field first, so a refused upload
costs at most :data:`CSRF_SCAN_BYTES`. What was read is handed on, followed by the rest
of the stream untouched, so a CSV upload that passes is not held in memory either.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import Message, Receive

CSRF_FIELD = "csrf_token"
#: how far into a multipart body the token is looked for (it comes first in every form)
CSRF_SCAN_BYTES = 64 * 1024


async def csrf_field_of(headers: Mapping[str, str], receive: Receive) -> tuple[str | None, Receive]:
    """The form's ``csrf_token`` (None if absent) and a ``receive`` that replays the body."""
    content_type = headers.get("content-type", "").lower()
    if content_type.startswith("application/x-www-form-urlencoded"):
        messages = await _read_all(receive)
        body = b"".join(m.get("body", b"") for m in messages)
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(CSRF_FIELD)
        return (values[0] if values else None), _prepend(messages, receive)
    if content_type.startswith("multipart/form-data"):
        return await _multipart_token(headers["content-type"], receive)
    return None, receive


async def _read_all(receive: Receive) -> list[Message]:
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages


class _TokenPart:
    """python-multipart callbacks that keep the value of the ``csrf_token`` part."""

    def __init__(self) -> None:
        self.header_field = b""
        self.header_value = b""
        self.name: bytes | None = None
        self.value = bytearray()
        self.token: str | None = None
        self.finished = False

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": self._field,
            "on_header_value": self._value,
            "on_header_end": self._header_end,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self.name, self.value = None, bytearray()

    def _field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def _value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def _header_end(self) -> None:
        if self.header_field.lower() == b"content-disposition":
            self.name = parse_options_header(self.header_value)[1].get(b"name")
        self.header_field, self.header_value = b"", b""

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.name == CSRF_FIELD.encode():
            self.value += data[start:end]

    def _end(self) -> None:
        if self.name == CSRF_FIELD.encode():
            self.token = self.value.decode("utf-8", "replace")
            self.finished = True


async def _multipart_token(content_type: str, receive: Receive) -> tuple[str | None, Receive]:
    boundary = parse_options_header(content_type)[1].get(b"boundary")
    if not boundary:
        return None, receive
    part = _TokenPart()
    parser = MultipartParser(boundary, part.callbacks())  # type: ignore[arg-type]
    messages: list[Message] = []
    scanned = 0
    while not part.finished and scanned <= CSRF_SCAN_BYTES:
        message = await receive()
        messages.append(message)
        chunk = message.get("body", b"") if message["type"] == "http.request" else b""
        scanned += len(chunk)
        try:
            parser.write(chunk)
        except Exception:  # a malformed body has no token; the check then refuses it
            break
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    return part.token, _prepend(messages, receive)


def _prepend(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` that first hands out ``messages`` again, then the rest of the stream."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
