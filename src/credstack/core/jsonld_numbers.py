"""JSON numbers as jsonld.js turns them into RDF literals.

Why: Python's ``json`` keeps integers exact and pyld follows the JSON-LD spec to the
letter, while jsonld.js -- what most Data Integrity verifiers run -- sees every number
as an IEEE double. Two cases then canonicalize differently:

* integers beyond 2**53 (``12345678901234567890``): JavaScript reads the nearest
  double, so jsonld.js writes ``"12345678901234567168"``; we use the same double;
* tiny numbers whose shortest form has a one-digit mantissa (``1e-07``): jsonld.js
  decides "double or integer" by looking for a ``.`` in JavaScript's string form, finds
  none and writes ``"0"^^xsd:integer``, while pyld writes ``"1.0E-7"^^xsd:double``. No
  answer is right for both, so such numbers are refused with a clear error instead of
  producing signatures other verifiers would compute differently.
"""

from __future__ import annotations

import math
from typing import Any

from credstack.core.errors import CanonicalizationError

_SAFE_INTEGER = 2**53


def is_ambiguous_number(value: float) -> bool:
    """True for non-integral numbers jsonld.js would write as the integer 0."""
    return (
        value != 0
        and not value.is_integer()
        and abs(value) < 1e-6
        and "." not in repr(value).split("e")[0]
    )


def ambiguous_number(value: float) -> CanonicalizationError:
    return CanonicalizationError(
        f"the number {value!r} is canonicalized differently by JSON-LD implementations "
        "(jsonld.js writes it as 0), so a signature over it would not verify everywhere; "
        "write it as a string or with more significant digits"
    )


def as_javascript_number(value: int | float) -> int | float:
    """The number jsonld.js would see; raises for numbers with no common canonical form."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) <= _SAFE_INTEGER:
            return value
        try:
            as_double = float(value)
        except OverflowError as exc:
            raise CanonicalizationError(
                f"the number {value} is too large for a JSON-LD processor (beyond a double)"
            ) from exc
        return int(as_double) if abs(as_double) < 1e21 else as_double
    if not math.isfinite(value):
        raise CanonicalizationError(f"the number {value} is not valid JSON (not finite)")
    if is_ambiguous_number(value):
        raise ambiguous_number(value)
    return value


def canonical_double(value: float) -> str:
    """xsd:double canonical form as jsonld.js writes it (``toExponential(15)``, trimmed)."""
    if not math.isfinite(value):
        raise CanonicalizationError(f"the number {value} has no JSON-LD canonical form")
    mantissa, exponent = f"{value:.15E}".split("E")
    mantissa = mantissa.rstrip("0")
    if mantissa.endswith("."):
        mantissa += "0"
    return f"{mantissa}E{int(exponent)}"


def with_javascript_numbers(element: Any) -> Any:
    """``element`` with every number as jsonld.js sees it (the same object if none change)."""
    if isinstance(element, dict):
        changed = {key: with_javascript_numbers(value) for key, value in element.items()}
        same = all(changed[key] is value for key, value in element.items())
        return element if same else changed
    if isinstance(element, list):
        items = [with_javascript_numbers(item) for item in element]
        return element if all(a is b for a, b in zip(items, element, strict=True)) else items
    if isinstance(element, int | float) and not isinstance(element, bool):
        converted = as_javascript_number(element)
        return element if converted == element and type(converted) is type(element) else converted
    return element
