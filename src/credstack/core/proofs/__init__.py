"""Creating and verifying proofs: Data Integrity (EdDSA), Ed25519Signature2020, VC-JWT.

Pure functions: time, the JSON-LD loader and key resolution are arguments.

* :func:`sign_data_integrity` adds a ``DataIntegrityProof`` (``eddsa-rdfc-2022`` by
  default, or ``eddsa-jcs-2022``) and returns a new document;
* :func:`verify_proofs` checks every embedded proof and returns a :class:`ProofReport`;
* :mod:`credstack.core.proofs.vcjwt` signs and verifies OB 3.0 VC-JWTs.
"""

from credstack.core.proofs.data_integrity import sign_data_integrity
from credstack.core.proofs.ed25519_signature import Resolve
from credstack.core.proofs.eddsa import CRYPTOSUITES, JCS, RDFC
from credstack.core.proofs.results import ProofReport, ProofResult
from credstack.core.proofs.verification import resolve_offline, verify_proofs

__all__ = [
    "CRYPTOSUITES",
    "JCS",
    "RDFC",
    "ProofReport",
    "ProofResult",
    "Resolve",
    "resolve_offline",
    "sign_data_integrity",
    "verify_proofs",
]
