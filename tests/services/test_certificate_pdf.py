"""The A4 PDF certificate: it parses, is A4, names the learner and carries a readable QR code."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from credstack.services.learners.certificate_pdf import UNICODE_FONT_DIR, certificate_pdf
from credstack.services.learners.sharing import Alignment, CredentialFacts

A4_POINTS = (595.28, 841.89)


def facts(**changes: object) -> CredentialFacts:
    base: dict[str, object] = {
        "award_id": "abc123",
        "url": "https://creds.example/credentials/abc123",
        "learner_name": "Ada Lovelace",
        "achievement_name": "Data literacy",
        "achievement_description": "Reads and questions data.",
        "criteria": None,
        "issuer_name": "Acme University",
        "issuer_url": None,
        "issuer_linkedin_id": None,
        "image_url": None,
        "valid_from": datetime(2026, 3, 1, tzinfo=UTC),
        "valid_until": datetime(2029, 3, 1, tzinfo=UTC),
        "revoked": False,
        "revocation_reason": None,
        "credits": "3",
        "learning_outcomes": ["Cleans a messy data set"],
        "skills": [Alignment("analyse big data", "ESCO", None, None)],
        "eu_elements": [Alignment("Level 5", "European Qualifications Framework", None, None)],
    }
    base.update(changes)
    return CredentialFacts(**base)  # type: ignore[arg-type]


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_certificate_is_an_a4_pdf_with_every_fact() -> None:
    pdf = certificate_pdf(facts())
    assert pdf.startswith(b"%PDF-")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4_POINTS)
    text = text_of(pdf)
    for expected in (
        "Ada Lovelace",
        "Data literacy",
        "Acme University",
        "01 March 2026",
        "01 March 2029",
        "3 ECTS credits",
        "Cleans a messy data set",
        "analyse big data",
        "Level 5",
        "https://creds.example/credentials/abc123",
    ):
        assert expected in text, expected


def test_certificate_embeds_the_qr_code_image() -> None:
    page = PdfReader(io.BytesIO(certificate_pdf(facts()))).pages[0]
    assert len(page.images) == 1


def test_revoked_certificate_says_so() -> None:
    text = text_of(certificate_pdf(facts(revoked=True, revocation_reason="issued in error")))
    assert "REVOKED by the issuer: issued in error" in text


@pytest.mark.skipif(
    not (UNICODE_FONT_DIR / "DejaVuSans.ttf").is_file(), reason="DejaVu Sans is not installed"
)
def test_names_in_any_script_print_with_the_unicode_font() -> None:
    text = text_of(certificate_pdf(facts(learner_name="Zoë Łukasz 王芳")))
    assert "Zoë Łukasz" in text


def test_without_the_unicode_font_latin1_names_still_print(tmp_path: Path) -> None:
    text = text_of(certificate_pdf(facts(learner_name="Zoë Ørsted"), font_dir=tmp_path))
    assert "Zoë Ørsted" in text
