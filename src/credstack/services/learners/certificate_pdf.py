"""The printable A4 certificate (``/credentials/{id}.pdf``): same facts as the public page.

A PDF is a convenience for people (print it, attach it to an application); it is not the
credential. So it always carries the credential URL and a QR code to it, where the signed
credential and its live verification are. Names are printed with DejaVu Sans when the
system has it (any script a learner's name is written in); otherwise with the PDF core
font Helvetica, which knows only Latin-1 (other characters print as ``?``).
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from credstack.services.learners.sharing import CredentialFacts, qr_png

#: where Debian/Ubuntu's fonts-dejavu-core puts the font
UNICODE_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_FONT = "certificate"
_INK = (33, 37, 41)
_MUTED = (80, 86, 94)
_ACCENT = (20, 83, 140)
_MARGIN = 18.0
_QR_SIZE = 32.0


def _date(moment: datetime | None) -> str:
    return f"{moment:%d %B %Y}" if moment is not None else "-"


def _short(framework: str) -> str:
    """``ESCO (European Skills, …)`` → ``ESCO``: the long form is on the public page."""
    return framework.split(" (", 1)[0]


class _Certificate(FPDF):
    def __init__(self, font_dir: Path | None) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=_MARGIN)
        regular = font_dir / "DejaVuSans.ttf" if font_dir else None
        bold = font_dir / "DejaVuSans-Bold.ttf" if font_dir else None
        self.unicode = bool(regular and bold and regular.is_file() and bold.is_file())
        if self.unicode and regular and bold:
            self.add_font(_FONT, "", str(regular))
            self.add_font(_FONT, "B", str(bold))
            self.family = _FONT
        else:
            self.family = "Helvetica"

    def header(self) -> None:
        """A frame on every page (fpdf2 calls this when a page starts)."""
        self.set_draw_color(*_ACCENT)
        self.set_line_width(1.2)
        self.rect(8, 8, self.w - 16, self.h - 16)

    def text_of(self, text: str) -> str:
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def write_block(
        self, text: str, *, size: float, bold: bool = False, colour: tuple[int, int, int] = _INK
    ) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str) -> None:
        self.ln(3)
        self.write_block(text, size=12, bold=True, colour=_ACCENT)
        self.ln(1)

    def bullets(self, items: list[str], *, size: float = 10) -> None:
        for item in items:
            self.write_block(f"- {item}", size=size)


def certificate_pdf(facts: CredentialFacts, *, font_dir: Path | None = UNICODE_FONT_DIR) -> bytes:
    """The certificate of ``facts`` as PDF bytes (A4 portrait, one page or more)."""
    pdf = _Certificate(font_dir)
    pdf.set_title(pdf.text_of(f"{facts.achievement_name} - {facts.learner_name}"))
    pdf.set_author(pdf.text_of(facts.issuer_name))
    pdf.set_creator("Credstack")
    pdf.add_page()
    _verification_corner(pdf, facts)
    pdf.set_right_margin(_MARGIN + _QR_SIZE + 6)  # the title block flows left of the QR code
    pdf.write_block(facts.issuer_name, size=13, bold=True, colour=_MUTED)
    pdf.ln(6)
    pdf.write_block("This certifies that", size=11, colour=_MUTED)
    pdf.ln(1)
    pdf.write_block(facts.learner_name, size=24, bold=True)
    pdf.ln(2)
    pdf.write_block("has earned", size=11, colour=_MUTED)
    pdf.ln(1)
    pdf.write_block(facts.achievement_name, size=18, bold=True, colour=_ACCENT)
    if facts.revoked:
        pdf.ln(2)
        reason = f": {facts.revocation_reason}" if facts.revocation_reason else ""
        pdf.write_block(f"REVOKED by the issuer{reason}", size=14, bold=True, colour=(176, 0, 32))
    pdf.ln(2)
    dates = f"Issued {_date(facts.valid_from)}"
    if facts.valid_until is not None:
        dates += f" - valid until {_date(facts.valid_until)}"
    pdf.write_block(dates, size=10)
    if facts.credits:
        pdf.write_block(f"{facts.credits} ECTS credits", size=10)
    pdf.write_block(f"Verify at {facts.url}", size=9, colour=_MUTED)
    pdf.set_right_margin(_MARGIN)
    if facts.achievement_description:
        pdf.heading("About this micro-credential")
        pdf.write_block(facts.achievement_description, size=10)
    if facts.learning_outcomes:
        pdf.heading("Learning outcomes")
        pdf.bullets(facts.learning_outcomes)
    if facts.skills:
        frameworks = sorted({_short(s.framework) for s in facts.skills if s.framework})
        pdf.heading("Skills" + (f" ({', '.join(frameworks)})" if frameworks else ""))
        pdf.write_block(" · ".join(s.name for s in facts.skills), size=10)
    if facts.eu_elements:
        pdf.heading("EU micro-credential elements")
        pdf.bullets(
            [
                f"{_short(e.framework or 'Element')}: {e.name}"
                + (f" - {e.description}" if e.description else "")
                for e in facts.eu_elements
            ],
            size=8.5,
        )
    return bytes(pdf.output())


def _verification_corner(pdf: _Certificate, facts: CredentialFacts) -> None:
    """The QR code top right on page one: where anyone checks the credential live."""
    left = pdf.w - _MARGIN - _QR_SIZE
    pdf.image(io.BytesIO(qr_png(facts.url)), x=left, y=_MARGIN, w=_QR_SIZE, h=_QR_SIZE)
    pdf.set_xy(left - 4, _MARGIN + _QR_SIZE + 1)
    pdf.set_font(pdf.family, "", 7)
    pdf.set_text_color(*_MUTED)
    pdf.cell(_QR_SIZE + 8, 4, "Scan to verify", align="C")
    pdf.set_xy(_MARGIN, _MARGIN)
