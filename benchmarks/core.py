"""Core benchmark: sign and verify rates per proof suite, against a naive baseline.

Run from the repository root::

    .venv/bin/python -m benchmarks.core [--seconds 2] [--credential typical|complete|all]

The naive baseline is what a straightforward implementation does for
``eddsa-rdfc-2022``: plain pyld ``normalize`` (URDNA2015, the same offline loader,
nothing cached beyond what pyld caches itself) for the document and the proof
configuration, SHA-256, and ``cryptography``'s Ed25519. Credstack's ``eddsa-rdfc-2022``
must produce byte-identical proofs; the run checks that before timing anything.
Results are printed as a table and written to ``benchmarks/results/core.json``.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import platform
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from pyld import jsonld

from benchmarks.credentials import complete_credential, typical_credential
from credstack.core.canonicalize import canonicalize, canonicalize_general
from credstack.core.contexts import offline_loader
from credstack.core.dids import did_key_verification_method
from credstack.core.jsonld_fast import fast_quads
from credstack.core.keys import Ed25519KeyPair, RsaKeyPair
from credstack.core.multibase import multibase_decode, multibase_encode
from credstack.core.proofs import JCS, RDFC, resolve_offline, sign_data_integrity, verify_proofs
from credstack.core.proofs.vcjwt import sign_vc_jwt, verify_vc_jwt

RESULTS = Path(__file__).resolve().parent / "results" / "core.json"
CREATED = "2026-03-01T09:30:00Z"
SEED = bytes(range(32))


def rate(operation: Callable[[], object], seconds: float) -> float:
    """Operations per second over at least ``seconds`` (after one warm-up call)."""
    operation()
    count, start = 0, time.perf_counter()
    while True:
        operation()
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


class NaiveRdfc:
    """eddsa-rdfc-2022 the straightforward way: pyld normalize per call, no caching."""

    def __init__(self, key: Ed25519KeyPair, verification_method: str) -> None:
        self.loader = offline_loader()
        self.key = key
        self.verification_method = verification_method

    def canonical(self, document: dict[str, Any]) -> bytes:
        options = {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": self.loader,
        }
        return str(jsonld.normalize(document, options)).encode("utf-8")

    def signing_input(self, document: dict[str, Any], proof: dict[str, Any]) -> bytes:
        config = {**proof, "@context": document["@context"]}
        return (
            hashlib.sha256(self.canonical(config)).digest()
            + hashlib.sha256(self.canonical(document)).digest()
        )

    def sign(self, document: dict[str, Any]) -> dict[str, Any]:
        proof: dict[str, Any] = {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": CREATED,
            "verificationMethod": self.verification_method,
            "proofPurpose": "assertionMethod",
        }
        signature = self.key.sign(self.signing_input(document, proof))
        proof["proofValue"] = multibase_encode(signature, "z")
        return {**copy.deepcopy(document), "proof": [proof]}

    def verify(self, signed: dict[str, Any]) -> bool:
        proof = dict(signed["proof"][0])
        signature = multibase_decode(proof.pop("proofValue"))
        unsecured = {k: v for k, v in signed.items() if k != "proof"}
        return self.key.public_key.verify(signature, self.signing_input(unsecured, proof))


def _suites(
    document: dict[str, Any], ed_key: Ed25519KeyPair, rsa_key: RsaKeyPair, vm: str
) -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    """(sign, verify) operations per suite, each verify checked to succeed once."""
    signed_rdfc = sign_data_integrity(document, ed_key, vm, cryptosuite=RDFC, created=CREATED)
    signed_jcs = sign_data_integrity(document, ed_key, vm, cryptosuite=JCS, created=CREATED)
    jwt_ed = sign_vc_jwt(document, ed_key, kid=vm)
    jwt_rsa = sign_vc_jwt(document, rsa_key)
    assert verify_proofs(signed_rdfc).verified
    assert verify_proofs(signed_jcs).verified
    assert verify_vc_jwt(jwt_ed, resolve=resolve_offline).result.ok
    assert verify_vc_jwt(jwt_rsa, resolve=resolve_offline).result.ok
    return {
        "eddsa-rdfc-2022": (
            lambda: sign_data_integrity(document, ed_key, vm, cryptosuite=RDFC, created=CREATED),
            lambda: verify_proofs(signed_rdfc),
        ),
        "eddsa-jcs-2022": (
            lambda: sign_data_integrity(document, ed_key, vm, cryptosuite=JCS, created=CREATED),
            lambda: verify_proofs(signed_jcs),
        ),
        "vc-jwt-eddsa": (
            lambda: sign_vc_jwt(document, ed_key, kid=vm),
            lambda: verify_vc_jwt(jwt_ed, resolve=resolve_offline),
        ),
        "vc-jwt-rs256": (
            lambda: sign_vc_jwt(document, rsa_key),
            lambda: verify_vc_jwt(jwt_rsa, resolve=resolve_offline),
        ),
    }


def bench_credential(
    name: str, document: dict[str, Any], seconds: float, rsa_key: RsaKeyPair
) -> dict[str, Any]:
    ed_key = Ed25519KeyPair.from_seed(SEED)
    vm = did_key_verification_method(ed_key.public_multibase)
    naive = NaiveRdfc(ed_key, vm)
    naive_signed = naive.sign(document)
    ours = sign_data_integrity(document, ed_key, vm, cryptosuite=RDFC, created=CREATED)
    identical = ours["proof"][0]["proofValue"] == naive_signed["proof"][0]["proofValue"]
    assert identical, "Credstack's eddsa-rdfc-2022 proof differs from the naive baseline's"
    assert naive.verify(naive_signed)
    quads = fast_quads(document)
    result: dict[str, Any] = {
        "quads": len(quads) if quads is not None else None,
        "fast_path": quads is not None,
        "proof_byte_identical_to_baseline": identical,
        "canonicalize_per_s": {
            "naive_pyld_normalize": rate(lambda: naive.canonical(document), seconds),
            "credstack_general_path": rate(lambda: canonicalize_general(document), seconds),
            "credstack": rate(lambda: canonicalize(document), seconds),
        },
        "baseline": {
            "sign_per_s": rate(lambda: naive.sign(document), seconds),
            "verify_per_s": rate(lambda: naive.verify(naive_signed), seconds),
        },
        "suites": {},
    }
    for suite, (sign, verify) in _suites(document, ed_key, rsa_key, vm).items():
        result["suites"][suite] = {
            "sign_per_s": rate(sign, seconds),
            "verify_per_s": rate(verify, seconds),
        }
    base = result["baseline"]
    for figures in result["suites"].values():
        figures["sign_ratio"] = figures["sign_per_s"] / base["sign_per_s"]
        figures["verify_ratio"] = figures["verify_per_s"] / base["verify_per_s"]
    canon = result["canonicalize_per_s"]
    canon["ratio"] = canon["credstack"] / canon["naive_pyld_normalize"]
    return result


def print_table(name: str, result: dict[str, Any]) -> None:
    base = result["baseline"]
    canon = result["canonicalize_per_s"]
    print(f"\n{name}: {result['quads']} quads, fast path: {result['fast_path']}")
    print(
        f"  canonicalize/s: naive {canon['naive_pyld_normalize']:.1f}, general path "
        f"{canon['credstack_general_path']:.1f}, credstack {canon['credstack']:.1f} "
        f"({canon['ratio']:.1f}x)"
    )
    print(f"  {'suite':<28}{'sign/s':>10}{'x base':>8}{'verify/s':>11}{'x base':>8}")
    print(
        f"  {'naive rdfc (pyld) baseline':<28}{base['sign_per_s']:>10.1f}{1:>8.1f}"
        f"{base['verify_per_s']:>11.1f}{1:>8.1f}"
    )
    for suite, fig in result["suites"].items():
        print(
            f"  {suite:<28}{fig['sign_per_s']:>10.1f}{fig['sign_ratio']:>8.1f}"
            f"{fig['verify_per_s']:>11.1f}{fig['verify_ratio']:>8.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--credential", choices=["typical", "complete", "all"], default="all")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    canonicalize(typical_credential())
    first_call_ms = (time.perf_counter() - start) * 1000

    documents: dict[str, dict[str, Any]] = {}
    if args.credential in ("typical", "all"):
        documents["typical"] = typical_credential()
    if args.credential in ("complete", "all"):
        complete = complete_credential()
        if complete is None:
            print("skipping 'complete': the shared standards folder was not found")
        else:
            documents["complete"] = complete
    rsa_key = RsaKeyPair.generate(2048)
    report: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "pyld": metadata.version("PyLD"),
        "cryptography": metadata.version("cryptography"),
        "seconds_per_measurement": args.seconds,
        "first_canonicalize_ms_including_context_preprocessing": first_call_ms,
        "credentials": {},
    }
    print(f"first canonicalize (pre-processes bundled contexts): {first_call_ms:.0f} ms")
    for name, document in documents.items():
        result = bench_credential(name, document, args.seconds, rsa_key)
        report["credentials"][name] = result
        print_table(name, result)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
