"""Issuer, learner and employer in a real browser against a real ``credstack serve``.

Debian's ``/usr/bin/chromium`` driven by Playwright (never a downloaded browser), one
browser context per person, a fresh CREDSTACK_HOME per test, claim e-mails read from the
server's outbox folder. Every step leaves a screenshot in
``test-artifacts/screenshots/<test name>/`` (printed with ``-s``) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_harness import RunningServer, Screenshots, link_in, run_cli, start_server
from pypdf import PdfReader

from credstack.core.baking import bake_png, extract_png
from credstack.services.operations.demo import load_accounts
from credstack.services.operations.demo_catalogue import DATA_ANALYSIS, ISSUERS, LEARNERS, REVOKED

pytestmark = pytest.mark.browser

ISSUER_NAME = "Ada Lovelace"
ISSUER_EMAIL = "ada@harbour-college.example"
ISSUER_PASSWORD = "correct horse battery staple"
ORGANIZATION = "Harbour College"
MICRO_CREDENTIAL = "Small Boat Skipper"
LEARNER_NAME = "Grace Hopper"
LEARNER_EMAIL = "grace.hopper@learner.example"
REVOKE_REASON = "Awarded to the wrong course group"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path / "home")
    yield running
    running.stop()


def _person(browser: Any) -> Any:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    return context.new_page()


def _expect_heading(page: Any, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", level=1)).to_contain_text(text)


def download(page: Any, link_name: str, folder: Path) -> Path:
    """Click a download link and keep the file (what a person's browser saves)."""
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    saved = folder / info.value.suggested_filename
    info.value.save_as(saved)
    return saved


def fetch_linked(page: Any, link_name: str, saved: Path) -> Path:
    """What a link opens (a PDF the browser shows inline), fetched with the page's cookies."""
    link = page.get_by_role("link", name=link_name)
    response = page.context.request.get(link.evaluate("a => a.href"))
    assert response.ok, f"{link_name}: HTTP {response.status}"
    saved.write_bytes(response.body())
    return saved


def tampered_copy(png: Path) -> Path:
    """The same badge with one fact changed inside the signed credential."""
    credential = extract_png(png.read_bytes())
    assert isinstance(credential, dict)
    credential["credentialSubject"]["achievement"]["name"] = "Doctorate in Everything"
    forged = png.with_name("tampered-" + png.name)
    forged.write_bytes(bake_png(png.read_bytes(), credential))
    return forged


def _check_row(page: Any, check_id: str) -> Any:
    """The row of one check in the verify page's table, by its exact id."""
    header = page.get_by_role("rowheader", name=check_id, exact=True)
    return page.get_by_role("row").filter(has=header)


def employer_verifies(
    browser: Any, server: RunningServer, png: Path, shots: Screenshots, achievement: str
) -> None:
    """The baked PNG verifies on /verify; a tampered copy fails, naming the proof check."""
    from playwright.sync_api import expect

    employer = _person(browser)
    employer.goto(server.base_url + "/verify")
    _expect_heading(employer, "Verify a credential")
    employer.get_by_label("Upload a file").set_input_files(str(png))
    shots.take(employer, "employer uploads the badge")
    employer.get_by_role("button", name="Verify").click()
    expect(employer.locator("#result-heading")).to_be_visible()
    shots.take(employer, "employer sees it verified")
    expect(employer.locator("#result-heading")).to_have_text("Verified")
    expect(employer.locator(".facts")).to_contain_text(achievement)
    expect(_check_row(employer, "proof")).to_contain_text("pass")
    employer.get_by_label("Upload a file").set_input_files(str(tampered_copy(png)))
    employer.get_by_role("button", name="Verify").click()
    expect(employer.locator("#result-heading")).to_be_visible()
    shots.take(employer, "employer sees the tampered badge fail")
    expect(employer.locator("#result-heading")).to_have_text("Not verified")
    expect(employer.locator(".verdict")).to_contain_text("Failed check: proof.")
    expect(_check_row(employer, "proof")).to_contain_text("fail")
    employer.context.close()


def issuer_signs_up_and_creates_the_organisation(
    page: Any, server: RunningServer, shots: Screenshots
) -> None:
    page.goto(server.base_url + "/")
    _expect_heading(page, "micro-credentials")
    shots.take(page, "home for newcomers")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Your name").fill(ISSUER_NAME)
    page.get_by_label("E-mail address").fill(ISSUER_EMAIL)
    page.get_by_label("Password").fill(ISSUER_PASSWORD)
    shots.take(page, "issuer signs up")
    page.get_by_role("button", name="Create account").click()
    _expect_heading(page, "Check your e-mail")
    page.goto(link_in(server.wait_for_email(ISSUER_EMAIL), "/sign-up/confirm/"))
    _expect_heading(page, "Finish creating your account")
    page.get_by_label("Password").fill(ISSUER_PASSWORD)
    shots.take(page, "issuer confirms the sign-up from the e-mail")
    page.get_by_role("button", name="Create my account").click()
    _expect_heading(page, "Create your organisation")
    page.get_by_label("Name").first.fill(ORGANIZATION)
    page.get_by_label("Type of organisation").select_option("university")
    page.get_by_label("Website").fill("https://www.harbour-college.example")
    page.get_by_label("Country").select_option("IE")
    page.get_by_label("Region").fill("Munster")
    page.get_by_label("Contact e-mail").fill("badges@harbour-college.example")
    page.get_by_label("Description").fill("A college of further education in Cork.")
    shots.take(page, "issuer creates the organisation")
    page.get_by_role("button", name="Create organisation").click()
    _expect_heading(page, ORGANIZATION)
    shots.take(page, "organisation dashboard")


def operator_vouches_for_the_new_issuer(server: RunningServer) -> None:
    """Signing up is not being vouched for: the operator verifies the new issuer."""
    verified = run_cli(["issuer", "verify", "--all", "--json"], server.env)
    assert verified.returncode == 0, verified.stderr
    assert '"verified": true' in verified.stdout


def issuer_creates_and_publishes_a_micro_credential(page: Any, shots: Screenshots) -> None:
    from playwright.sync_api import expect

    page.get_by_role("link", name="New micro-credential").click()
    page.locator("[id='name']").fill(MICRO_CREDENTIAL)
    page.locator("[id='description']").fill(
        "Plan and lead safe harbour boat trips with a small crew: routes, weather, safety."
    )
    page.get_by_label("This is an EU micro-credential").check()
    page.get_by_label("Learning outcomes").fill(
        "Plan a coastal route with tides and weather.\nBrief and lead a crew of four safely."
    )
    page.get_by_label("ECTS credits").fill("2")
    page.get_by_label("EQF level").select_option(label="Level 4")
    page.get_by_label("practical assessment").check()
    page.get_by_label("Form of participation").select_option(label="Presential")
    page.get_by_label("Type of quality assurance").select_option(
        label="Institutional Quality Assurance"
    )
    shots.take(page, "issuer fills in the micro-credential")
    page.get_by_role("button", name="Save").click()
    _expect_heading(page, MICRO_CREDENTIAL)
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".badge").first).to_have_text("published")
    shots.take(page, "micro-credential published")


def issuer_awards_it(page: Any, shots: Screenshots) -> None:
    from playwright.sync_api import expect

    page.get_by_role("link", name="Awards").click()
    _expect_heading(page, f"Awards of {MICRO_CREDENTIAL}")
    page.get_by_label("Learner's e-mail address").fill(LEARNER_EMAIL)
    page.get_by_label("Learner's name").fill(LEARNER_NAME)
    page.get_by_role("button", name="Award", exact=True).click()
    expect(page.get_by_role("row", name=LEARNER_NAME)).to_contain_text("issued")
    shots.take(page, "issuer awarded it")


def learner_claims_from_the_email(
    browser: Any, server: RunningServer, shots: Screenshots, folder: Path
) -> tuple[Path, Path]:
    """Claim link from the .eml in the outbox; sign up, accept, download PNG and PDF."""
    from playwright.sync_api import expect

    claim_link = link_in(server.wait_for_email(LEARNER_EMAIL), "/claim/")
    learner = _person(browser)
    learner.goto(claim_link)
    _expect_heading(learner, "Claim your credential")
    shots.take(learner, "learner opens the claim link")
    expect(learner.get_by_label("Your name")).to_have_value(LEARNER_NAME)
    learner.get_by_label("E-mail address").fill(LEARNER_EMAIL)
    learner.get_by_label("Password").fill("sea shanty for four voices")
    learner.get_by_role("button", name="Create account").click()
    learner.get_by_role("button", name="Accept", exact=True).click()
    _expect_heading(learner, "Your wallet")
    card = learner.get_by_role("article").filter(has_text=MICRO_CREDENTIAL)
    expect(card.locator(".badge")).to_have_text("accepted")
    shots.take(learner, "learner wallet after accepting")
    png = download(learner, "Baked PNG", folder)
    pdf = fetch_linked(learner, "PDF certificate", folder / "certificate.pdf")
    learner.context.close()
    return png, pdf


def issuer_revokes(page: Any, award_id: str, shots: Screenshots) -> None:
    from playwright.sync_api import expect

    page.reload()
    row = page.get_by_role("row", name=LEARNER_NAME)
    expect(row).to_contain_text("accepted")
    row.get_by_label(f"Reason for revoking {LEARNER_NAME}'s award").fill(REVOKE_REASON)
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("row", name=LEARNER_NAME)).to_contain_text("revoked")
    shots.take(page, "issuer revoked the award")


def test_issue_claim_download_verify_tamper_and_revoke(
    browser: Any, page: Any, server: RunningServer, screenshots: Screenshots, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    issuer_signs_up_and_creates_the_organisation(page, server, screenshots)
    operator_vouches_for_the_new_issuer(server)
    issuer_creates_and_publishes_a_micro_credential(page, screenshots)
    issuer_awards_it(page, screenshots)

    png, pdf = learner_claims_from_the_email(browser, server, screenshots, tmp_path)
    credential = extract_png(png.read_bytes())
    assert isinstance(credential, dict)
    assert credential["credentialSubject"]["achievement"]["name"] == MICRO_CREDENTIAL
    assert pdf.read_bytes().startswith(b"%PDF")
    assert LEARNER_NAME in "".join(p.extract_text() for p in PdfReader(pdf).pages)

    employer_verifies(browser, server, png, screenshots, MICRO_CREDENTIAL)

    award_id = str(credential["id"]).rsplit("/", 1)[-1]
    issuer_revokes(page, award_id, screenshots)
    visitor = _person(browser)
    visitor.goto(f"{server.base_url}/credentials/{award_id}")
    expect(visitor.locator(".verdict")).to_contain_text("Revoked.")
    expect(visitor.locator(".verdict")).to_contain_text(REVOKE_REASON)
    screenshots.take(visitor, "public page says revoked")


def sign_in(page: Any, server: RunningServer, email: str, password: str) -> None:
    page.goto(server.base_url + "/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_demo_tour_public_pages_and_issuer_dashboard(
    browser: Any, page: Any, tmp_path: Path, screenshots: Screenshots
) -> None:
    from playwright.sync_api import expect

    home = tmp_path / "demo-home"
    demo = start_server(home, demo=True)
    try:
        seeded = load_accounts(home)
        assert seeded is not None
        admin, learner = seeded.accounts
        visitor = _person(browser)
        # a public credential: verified live, with its ESCO skills and EU elements
        visitor.goto(f"{demo.base_url}/credentials/{seeded.award_ids[0]}")
        _expect_heading(visitor, f"{LEARNERS[0].name} earned {DATA_ANALYSIS}")
        expect(visitor.locator(".verdict")).to_contain_text("Verified.")
        expect(visitor.get_by_role("link", name="Python (computer programming)")).to_have_attribute(
            "href", "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
        )
        expect(visitor.get_by_role("heading", name="EU micro-credential elements")).to_be_visible()
        screenshots.take(visitor, "demo public credential verified")
        badge = download(visitor, "Badge image with the credential inside (PNG)", tmp_path)
        employer_verifies(browser, demo, badge, screenshots, DATA_ANALYSIS)
        # the revoked one says so, with the issuer's reason
        visitor.goto(f"{demo.base_url}/credentials/{seeded.revoked_award_id}")
        expect(visitor.locator(".verdict")).to_contain_text("Revoked.")
        expect(visitor.locator(".verdict")).to_contain_text(REVOKED[2])
        screenshots.take(visitor, "demo revoked credential")
        # the issuer admin printed at start-up signs in and sees the three organisations
        sign_in(page, demo, admin.email, admin.password)
        _expect_heading(page, "Your organisations")
        for issuer in ISSUERS:
            expect(page.get_by_role("link", name=issuer.name)).to_be_visible()
        screenshots.take(page, "demo issuer admin organisations")
        page.get_by_role("link", name=ISSUERS[0].name).click()
        row = page.get_by_role("row", name=DATA_ANALYSIS)
        expect(row).to_contain_text("published")
        issued = sum(DATA_ANALYSIS in learner.earned for learner in LEARNERS)
        expect(row.get_by_role("cell").nth(1)).to_have_text(str(issued))
        screenshots.take(page, "demo university dashboard")
        # the demo learner's wallet holds every credential she earned, accepted
        wallet = _person(browser)
        sign_in(wallet, demo, learner.email, learner.password)
        wallet.goto(demo.base_url + "/wallet")
        _expect_heading(wallet, "Your wallet")
        cards = wallet.get_by_role("article")
        expect(cards).to_have_count(len(LEARNERS[0].earned))
        for name in LEARNERS[0].earned:
            expect(cards.filter(has_text=name).locator(".badge")).to_have_text("accepted")
        screenshots.take(wallet, "demo learner wallet")
    finally:
        demo.stop()
