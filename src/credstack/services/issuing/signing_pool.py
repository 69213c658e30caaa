"""Signing a batch of credentials on every core: bulk issuing is bound by signing.

Why: an ``eddsa-rdfc-2022`` proof costs a few milliseconds of pure Python (JSON-LD
expansion and RDF canonicalization), far more than storing the award. With one worker
process per core, a batch is split into equal slices signed in parallel while the main
process only builds and stores. The issuer's key is handed to each worker once, when it
starts (the seed travels over the pool's private pipe to a child of the same user, never
to disk or a log); each batch then sends only unsigned documents.

Workers are started with ``forkserver`` (or ``spawn``), never ``fork``: a forked child
would inherit the parent's open database connections.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from types import TracebackType
from typing import Any

from credstack.core.errors import ConfigurationError
from credstack.core.keys import Ed25519KeyPair
from credstack.core.proofs import sign_data_integrity
from credstack.services.issuers.keys import Signer

#: the worker's key and verification method, set once by :func:`_start_worker`
_worker_key: tuple[Ed25519KeyPair, str] | None = None


def _start_worker(seed: bytes, verification_method: str) -> None:
    global _worker_key
    _worker_key = (Ed25519KeyPair.from_seed(seed), verification_method)


def _sign_slice(documents: list[dict[str, Any]], created: datetime) -> list[dict[str, Any]]:
    if _worker_key is None:  # pragma: no cover - the initializer always ran
        raise ConfigurationError("signing worker started without a key")
    key, method = _worker_key
    return [sign_data_integrity(document, key, method, created=created) for document in documents]


class SigningPool:
    """``SignMany`` over worker processes for one signer; use as a context manager."""

    def __init__(self, signer: Signer, workers: int) -> None:
        if not isinstance(signer.key_pair, Ed25519KeyPair):
            raise ConfigurationError("awards are signed with the issuer's Ed25519 key")
        if workers < 2:
            raise ValueError("a signing pool needs at least two workers")
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        self._key_id = signer.key_id
        self._workers = workers
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(signer.key_pair.seed(), signer.verification_method),
        )

    def __call__(
        self, documents: Sequence[dict[str, Any]], signer: Signer, created: datetime
    ) -> list[dict[str, Any]]:
        """Sign ``documents`` in order, split evenly over the workers."""
        if signer.key_id != self._key_id:
            raise ConfigurationError("this signing pool holds another key than the issuer's")
        size = -(-len(documents) // self._workers)  # ceiling division
        slices = [list(documents[start : start + size]) for start in range(0, len(documents), size)]
        signed: list[dict[str, Any]] = []
        for part in self._executor.map(_sign_slice, slices, [created] * len(slices)):
            signed.extend(part)
        return signed

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> SigningPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
