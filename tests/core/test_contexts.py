"""The offline loader serves exactly the pinned contexts and nothing else."""

from __future__ import annotations

import hashlib
import json

import pytest

from credstack.core import contexts
from credstack.core.contexts import (
    bundled_context_urls,
    context_document,
    is_test_only,
    offline_loader,
)
from credstack.core.errors import ContextError
from fixture_paths import STANDARDS

STANDARD_CONTEXTS = STANDARDS / "contexts"

OB_303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"


def test_production_contexts_include_the_ones_credstack_issues_with() -> None:
    urls = bundled_context_urls()
    assert {VC_V2, OB_303, "https://w3id.org/security/data-integrity/v2"} <= urls
    assert EXAMPLES_V2 not in urls
    assert EXAMPLES_V2 in bundled_context_urls(include_test_only=True)
    assert is_test_only(EXAMPLES_V2)
    assert not is_test_only(VC_V2)


def test_loader_returns_pyld_remote_document_shape() -> None:
    doc = offline_loader()(VC_V2, {})
    assert doc["contextUrl"] is None
    assert doc["documentUrl"] == VC_V2
    assert doc["document"]["@context"]["@protected"] is True


def test_unknown_context_is_an_error_naming_the_url() -> None:
    with pytest.raises(ContextError, match=r"unknown JSON-LD context https://evil\.example/ctx"):
        offline_loader()("https://evil.example/ctx", {})


def test_examples_context_needs_explicit_test_permission() -> None:
    with pytest.raises(ContextError, match="examples/v2"):
        offline_loader()(EXAMPLES_V2, {})
    served = offline_loader(allow_test_contexts=True)(EXAMPLES_V2, {})
    assert "@context" in served["document"]


def test_extra_contexts_are_served_only_by_the_loader_that_got_them() -> None:
    url = "https://w3id.org/citizenship/v1"
    body = {"@context": {"@vocab": "https://w3id.org/citizenship#"}}
    assert offline_loader(extra={url: body})(url, {})["document"] == body
    with pytest.raises(ContextError):
        offline_loader()(url, {})


def test_context_document_is_a_copy() -> None:
    first = context_document(VC_V2)
    first["@context"]["@protected"] = False
    assert context_document(VC_V2)["@context"]["@protected"] is True
    with pytest.raises(ContextError):
        context_document("https://example.org/nope")


def test_ob_303_is_the_current_text_with_jti() -> None:
    assert "jti" in context_document(OB_303)["@context"]


#: contexts the standards collection pins for reading OB 2.0 / VC 1.1-era documents, which
#: Credstack does not accept (so does not bundle)
NOT_BUNDLED = {
    "https://w3id.org/security/v1",
    "https://w3id.org/security/v2",
    "https://w3id.org/security/suites/ed25519-2018/v1",
    "https://w3id.org/vc/status-list/2021/v1",
    "https://w3id.org/vc-revocation-list-2020/v1",
    "https://w3id.org/openbadges/v2",
}


def test_bundled_bytes_match_the_standards_manifest() -> None:
    manifest = json.loads((STANDARD_CONTEXTS / "manifest.json").read_text())
    pinned = {c["url"]: c["sha256"] for c in manifest["contexts"]}
    bundle = contexts._bundle()
    assert set(bundle) == {url for url in pinned if "(" not in url} - NOT_BUNDLED
    assert set(pinned) >= NOT_BUNDLED
    for url, ctx in bundle.items():
        assert ctx.sha256 == pinned[url], url
        expected = json.loads((STANDARD_CONTEXTS / ctx.file).read_bytes())
        assert ctx.document == expected


def test_tampered_context_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real_read = contexts._read_bytes

    def tampered(name: str) -> bytes:
        raw = real_read(name)
        return (
            raw.replace(b"https://schema.org/", b"https://evil.example/")
            if name == "w3c-credentials-v2.jsonld"
            else raw
        )

    contexts._bundle.cache_clear()
    monkeypatch.setattr(contexts, "_read_bytes", tampered)
    try:
        with pytest.raises(ContextError, match="SHA-256"):
            offline_loader()
    finally:
        monkeypatch.undo()
        contexts._bundle.cache_clear()
    assert hashlib.sha256(real_read("w3c-credentials-v2.jsonld")).hexdigest().startswith("59955ced")
