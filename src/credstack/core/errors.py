"""One typed exception tree for the whole product.

Every error carries a message a person can act on. The CLI prints it on one line, the
API maps the class to an RFC 9457 problem (status and type URI live in ``api/``, not
here, so the core stays free of HTTP).
"""

from __future__ import annotations

#: longest piece of user input a message repeats
_QUOTED = 80


def quoted(text: str) -> str:
    """User input as a message shows it: quoted, escaped (a CR LF reads ``\\r\\n``), cut short."""
    return repr(text) if len(text) <= _QUOTED else repr(text[:_QUOTED]) + "…"


class CredstackError(Exception):
    """Base of every error Credstack raises on purpose."""

    #: short machine-readable code, stable across releases (used as problem ``type`` slug)
    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(CredstackError):
    """The input cannot be parsed or used at all (CLI exit code 2)."""

    code = "invalid-input"


class ValidationError(CredstackError):
    """The input parses but breaks a rule (a bad field, a missing mandatory element)."""

    code = "validation-failed"

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems or [])


class NotFoundError(CredstackError):
    """A named thing (issuer, achievement, award, key) does not exist."""

    code = "not-found"


class ConflictError(CredstackError):
    """The request clashes with the current state (duplicate slug, already revoked)."""

    code = "conflict"


class PermissionDeniedError(CredstackError):
    """The caller is not allowed to do this."""

    code = "forbidden"


class AuthenticationError(CredstackError):
    """The caller is not signed in or the token is not valid."""

    code = "unauthenticated"


class ConfigurationError(CredstackError):
    """Settings are wrong or the environment is not ready (e.g. database unreachable)."""

    code = "configuration"


class BusyError(CredstackError):
    """The database stayed busy with other writes for longer than this request may wait.

    Nothing was changed; the same request can simply be sent again. ``retry_after`` is a
    hint in seconds (the API sends it as ``Retry-After``).
    """

    code = "busy"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ContextError(CredstackError):
    """A JSON-LD context is unknown, not bundled, or does not match its pinned hash."""

    code = "unknown-context"


class CanonicalizationError(CredstackError):
    """A document cannot be canonicalized safely (undefined term, relative IRI, ...)."""

    code = "canonicalization"


class KeyFormatError(CredstackError):
    """A key (Multikey, JWK, PEM) is malformed or of an unsupported type."""

    code = "key-format"


class ProofError(CredstackError):
    """A proof cannot be created (signing side); verification failures are reports."""

    code = "proof"


class DIDResolutionError(CredstackError):
    """A DID or verification method cannot be resolved."""

    code = "did-resolution"


class FetchError(CredstackError):
    """A remote document could not be fetched within the fetcher's rules."""

    code = "fetch"


class StatusListError(CredstackError):
    """A status list is malformed, too short, too large or of the wrong purpose."""

    code = "status-list"


class BakingError(CredstackError):
    """An image cannot carry or does not carry a credential."""

    code = "baking"


class VerificationBudgetError(InputError):
    """Verifying the input would take more than the verifier's budget allows.

    ``limit`` names the budget item (``max_bytes``, ``max_entries``, ``max_proofs``,
    ``cpu_seconds``, ``timeout_seconds``) and ``allowed`` its value, so an API client can
    tell which limit it hit; the message says it in words.
    """

    code = "verification-budget"

    def __init__(self, message: str, *, limit: str, allowed: float) -> None:
        super().__init__(message)
        self.limit = limit
        self.allowed = allowed

    def __reduce__(self) -> tuple[object, ...]:
        # keyword-only arguments: rebuild through a helper when sent between processes
        return (_rebuild_budget_error, (type(self), self.message, self.limit, self.allowed))


class InputTooLargeError(VerificationBudgetError):
    """The input (or the credential in it) is larger than the verifier reads."""

    code = "too-large"


def _rebuild_budget_error(
    kind: type[VerificationBudgetError], message: str, limit: str, allowed: float
) -> VerificationBudgetError:
    return kind(message, limit=limit, allowed=allowed)


class VerifierUnavailableError(CredstackError):
    """No verification worker can take the input now (all busy, or one just stopped).

    ``retry_after`` is the number of seconds after which trying again makes sense.
    """

    code = "verifier-unavailable"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooManyRequestsError(CredstackError):
    """A rate limit refused the request; ``retry_after`` says in how many seconds to retry."""

    code = "rate-limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
