"""The demo's issuers, micro-credentials and learners, written out as data.

``credstack serve --demo`` seeds these through the real services (so every check the
services make applies to them). The skills are real ESCO v1.1.1 concepts: their URIs and
preferred labels were copied from the official ESCO CSV export (``skills_en.csv``) when
this file was written, so the demo never reads ESCO data at run time. "This service uses
the ESCO classification of the European Commission."

The organisations and people are fictional; their web addresses use the reserved
``example.*`` domains (RFC 2606), so nothing points at a real institution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DemoIssuer:
    """One demo organisation: its full profile and the micro-credentials it offers."""

    slug: str
    name: str
    type: str
    url: str
    country: str
    region: str
    email: str
    description: str
    linkedin_organization_id: str | None
    #: YAML-shaped definitions (``credstack.core.achievement`` format)
    definitions: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class DemoLearner:
    """A learner and the micro-credentials (by name) they have earned."""

    name: str
    email: str
    earned: tuple[str, ...]


def _esco(uuid: str, label: str) -> dict[str, str]:
    return {"esco": f"http://data.europa.eu/esco/skill/{uuid}", "label": label}


def _institutional_qa(body: str, url: str) -> dict[str, str]:
    return {
        "type": "institutional-quality-assurance",
        "body": body,
        "description": "Designed and reviewed under the awarding body's quality assurance system.",
        "url": url,
    }


UNIVERSITY_URL = "https://www.northbridge-university.example"
ASSOCIATION_URL = "https://www.eu-cyber-professionals.example"
COMPANY_URL = "https://www.verdant-logistics.example"

DATA_ANALYSIS = "Data Analysis with Python"
ENERGY = "Energy Efficiency in Buildings"
ACCESSIBILITY = "Accessible Digital Services"
CYBER = "Cybersecurity Risk Fundamentals"
PROJECT = "Project Management Essentials"
FORKLIFT = "Safe Forklift and Warehouse Operations"

UNIVERSITY = DemoIssuer(
    slug="northbridge-university",
    name="Northbridge University of Applied Sciences",
    type="university",
    url=UNIVERSITY_URL,
    country="NL",
    region="Utrecht",
    email="microcredentials@northbridge-university.example",
    description=(
        "A public university of applied sciences offering short, assessed courses for "
        "professionals alongside its degree programmes."
    ),
    linkedin_organization_id="10456321",
    definitions=(
        {
            "name": DATA_ANALYSIS,
            "description": (
                "A short, assessed course in which learners clean, analyse and visualise real "
                "datasets with Python and report their findings to a non-specialist audience."
            ),
            "eu_micro_credential": True,
            "version": "2025.1",
            "field_of_study": "Data science",
            "tags": ["python", "data analysis", "statistics"],
            "learning_outcomes": [
                "Load, clean and reshape tabular data with pandas, documenting each step.",
                "Apply descriptive statistics and simple hypothesis tests to a stated question.",
                "Produce clear, accessible charts and a one-page summary of the findings.",
            ],
            "criteria": "Submit a reproducible analysis of an open dataset and pass the exam.",
            "criteria_url": f"{UNIVERSITY_URL}/microcredentials/data-analysis/criteria",
            "workload_hours": 125,
            "ects_credits": 5,
            "eqf_level": 6,
            "qf_ehea_cycle": "first",
            "assessment": ["project-work", "written-examination"],
            "participation": "online",
            "learning_setting": "non-formal",
            "schedule": "part-time-light",
            "learning_activities": ["e-learning-coursework", "self-motivated-study"],
            "learning_opportunity": "short-learning-programme",
            "supervision": "supervised-with-id",
            "quality_assurance": _institutional_qa(
                "Netherlands-Flanders Accreditation Organisation (example)",
                f"{UNIVERSITY_URL}/quality",
            ),
            "prerequisites": "Basic programming in any language.",
            "languages": ["en"],
            "duration": "P8W",
            "validity": "P5Y",
            "price": {"amount": 390, "currency": "EUR"},
            "further_information": f"{UNIVERSITY_URL}/microcredentials/data-analysis",
            "skills": [
                _esco("ccd0a1d9-afda-43d9-b901-96344886e14d", "Python (computer programming)"),
                _esco("2b92a5b2-6758-4ee3-9fb4-b6387a55cc8f", "perform data analysis"),
                _esco("50b100ea-74fd-4706-99db-3e4ca55e51b8", "perform data cleansing"),
                _esco(
                    "382c11ed-20d5-4ae7-b60e-15fec527fa6c", "apply statistical analysis techniques"
                ),
                _esco(
                    "c3e36d05-8ae8-447f-bb2b-6f9409f85389", "deliver visual presentation of data"
                ),
            ],
        },
        {
            "name": ENERGY,
            "description": (
                "Learners measure and model the energy use of existing buildings and propose "
                "costed renovation measures that cut consumption."
            ),
            "eu_micro_credential": True,
            "version": "2025.1",
            "field_of_study": "Building services engineering",
            "learning_outcomes": [
                "Analyse a building's metered energy consumption and identify its main losses.",
                "Run an energy simulation to compare renovation options.",
                "Recommend renewable energy technologies suited to a given site.",
            ],
            "criteria": "An energy audit report of a real building, assessed by two examiners.",
            "workload_hours": 84,
            "ects_credits": 3,
            "eqf_level": 6,
            "assessment": ["project-work", "presentation"],
            "participation": "blended",
            "learning_setting": "non-formal",
            "schedule": "part-time-light",
            "learning_activities": ["classroom-coursework", "lab-simulation-practice-coursework"],
            "learning_opportunity": "course",
            "supervision": "supervised",
            "quality_assurance": _institutional_qa(
                "Netherlands-Flanders Accreditation Organisation (example)",
                f"{UNIVERSITY_URL}/quality",
            ),
            "languages": ["en", "nl"],
            "duration": "P6W",
            "price": {"amount": 450, "currency": "EUR"},
            "skills": [
                _esco("29bfe2cd-f011-4f94-a3aa-f77768e60460", "analyse energy consumption"),
                _esco("83fc0b2b-6cd2-46af-b1ff-d3fc83604c26", "energy efficiency"),
                _esco("ffa1d58b-ba09-49bd-a982-e743b2237006", "perform energy simulations"),
                _esco("f8413360-6114-40de-a276-c59b764b9913", "renewable energy technologies"),
            ],
        },
        {
            "name": ACCESSIBILITY,
            "description": (
                "How to design and test web and mobile services that people with disabilities "
                "can use, following the European accessibility standard EN 301 549."
            ),
            "eu_micro_credential": True,
            "version": "2025.1",
            "learning_outcomes": [
                "Audit a digital service against the ICT accessibility standards.",
                "Design user interfaces that work with keyboards and screen readers.",
            ],
            "workload_hours": 56,
            "ects_credits": 2,
            "eqf_level": 5,
            "qf_ehea_cycle": "short",
            "assessment": ["practical-assessment", "portfolio"],
            "participation": "online",
            "learning_setting": "non-formal",
            "schedule": "part-time-light",
            "learning_activities": ["e-learning-coursework"],
            "learning_opportunity": "mooc",
            "supervision": "unsupervised-with-id",
            "quality_assurance": _institutional_qa(
                "Netherlands-Flanders Accreditation Organisation (example)",
                f"{UNIVERSITY_URL}/quality",
            ),
            "languages": ["en"],
            "duration": "P4W",
            "skills": [
                _esco("3e23db60-0c3d-498a-a6ac-ffbed0ecb033", "ICT accessibility standards"),
                _esco("fd33c66c-70c4-40e6-b87c-5495bd3bf26e", "design user interface"),
            ],
        },
    ),
)

ASSOCIATION = DemoIssuer(
    slug="eu-cyber-professionals",
    name="European Association of Cybersecurity Professionals",
    type="association",
    url=ASSOCIATION_URL,
    country="BE",
    region="Brussels-Capital",
    email="certification@eu-cyber-professionals.example",
    description=(
        "An industry association that sets practice standards for security and project "
        "professionals and certifies their skills."
    ),
    linkedin_organization_id=None,
    definitions=(
        {
            "name": CYBER,
            "description": (
                "The security risks an organisation faces, the EU rules that apply, and the "
                "counter-measures a practitioner puts in place."
            ),
            "eu_micro_credential": True,
            "version": "2025.2",
            "learning_outcomes": [
                "Identify and rate the ICT security risks of a small organisation.",
                "Explain the obligations of the NIS2 Directive and the GDPR for that organisation.",
                "Select counter-measures against common cyber attacks and justify them.",
            ],
            "criteria": "Pass a supervised online examination (70 % or more).",
            "workload_hours": 40,
            "eqf_level": 5,
            "assessment": ["written-examination"],
            "participation": "online",
            "learning_setting": "non-formal",
            "learning_activities": ["e-learning-coursework", "self-motivated-study"],
            "learning_opportunity": "course",
            "supervision": "supervised-with-id",
            "quality_assurance": {
                "type": "program-quality-assurance",
                "body": "European Association of Cybersecurity Professionals, examination board",
            },
            "languages": ["en", "fr", "de"],
            "validity": "P3Y",
            "price": {"amount": 250, "currency": "EUR"},
            "skills": [
                _esco("fe1c2b32-7fe9-4668-affa-07ff658a68cf", "identify ICT security risks"),
                _esco("7814e88f-c133-4c3b-b27f-857afa145d42", "ICT security legislation"),
                _esco("5898d99a-62a4-4e10-a2e3-0d815ce44248", "cyber attack counter-measures"),
                _esco("06358891-8424-43c5-891e-d40f226bef40", "manage IT security compliances"),
            ],
        },
        {
            "name": PROJECT,
            "description": (
                "Plan, run and close a small project: scope, schedule, budget, risks and the "
                "information stakeholders need."
            ),
            "eu_micro_credential": True,
            "version": "2025.1",
            "learning_outcomes": [
                "Write a project plan with scope, schedule and budget.",
                "Run a risk analysis and keep a risk register up to date.",
                "Report progress to stakeholders with the right project information.",
            ],
            "workload_hours": 30,
            "eqf_level": 5,
            "assessment": ["project-work", "oral-examination"],
            "participation": "blended",
            "learning_setting": "non-formal",
            "learning_activities": ["workshop-seminar-or-conference"],
            "learning_opportunity": "course",
            "supervision": "supervised",
            "quality_assurance": {
                "type": "program-quality-assurance",
                "body": "European Association of Cybersecurity Professionals, examination board",
            },
            "languages": ["en"],
            "skills": [
                _esco("cd5efa8c-e44d-4cbc-91c6-796018dbed68", "perform project management"),
                _esco("1dd23dba-dd00-45ab-abf4-642902538317", "perform risk analysis"),
                _esco("21c5790c-0930-4d74-b3b0-84caf5af12ea", "manage budgets"),
                _esco("22902bf9-cc3f-495b-811a-c441e28e23f6", "manage project information"),
            ],
        },
    ),
)

COMPANY = DemoIssuer(
    slug="verdant-logistics",
    name="Verdant Logistics GmbH",
    type="company",
    url=COMPANY_URL,
    country="DE",
    region="Hamburg",
    email="academy@verdant-logistics.example",
    description="A logistics company whose in-house academy trains warehouse staff.",
    linkedin_organization_id=None,
    definitions=(
        {
            "name": FORKLIFT,
            "description": (
                "Practical training in operating a counterbalance forklift and handling goods "
                "safely in a warehouse, ending with a practical test."
            ),
            "eu_micro_credential": True,
            "version": "2025.1",
            "learning_outcomes": [
                "Operate a forklift safely to load, move and stack goods.",
                "Apply health and safety standards in a busy warehouse.",
                "Keep the warehouse database accurate when goods are moved.",
            ],
            "criteria": "Pass the practical forklift test and the safety quiz.",
            "workload_hours": 24,
            "eqf_level": 3,
            "assessment": ["practical-assessment", "quiz"],
            "participation": "presential",
            "learning_setting": "non-formal",
            "schedule": "full-time",
            "learning_activities": ["job-experience", "classroom-coursework"],
            "learning_opportunity": "course",
            "supervision": "supervised-with-id",
            "quality_assurance": {
                "type": "institutional-license",
                "body": "Verdant Logistics Academy, licensed training provider (example)",
            },
            "languages": ["de", "en"],
            "duration": "P3D",
            "validity": "P2Y",
            "skills": [
                _esco("28cb374e-6261-4133-8371-f9a5470145da", "operate forklift"),
                _esco("dcc96a49-0bac-4a9c-8f8e-a32b4e47e6eb", "apply health and safety standards"),
                _esco("089ddb19-1c7a-43ff-ba64-070f7ce4787a", "warehouse operations"),
                _esco("e0ae0101-ab8f-47a2-938b-ab0cc367b3b5", "maintain warehouse database"),
            ],
        },
    ),
)

ISSUERS: tuple[DemoIssuer, ...] = (UNIVERSITY, ASSOCIATION, COMPANY)

#: the first learner is the demo learner account; the others are issued to by e-mail only
LEARNERS: tuple[DemoLearner, ...] = (
    DemoLearner("Amira Haddad", "amira.haddad@learner.example", (DATA_ANALYSIS, CYBER, PROJECT)),
    DemoLearner("Jonas Becker", "jonas.becker@learner.example", (FORKLIFT, PROJECT)),
    DemoLearner("Lucía Fernández", "lucia.fernandez@learner.example", (ENERGY, ACCESSIBILITY)),
    DemoLearner("Mateusz Nowak", "mateusz.nowak@learner.example", (DATA_ANALYSIS, CYBER)),
)

#: (learner e-mail, micro-credential) of the award the demo shows as revoked, and why
REVOKED = ("mateusz.nowak@learner.example", CYBER, "Examination result withdrawn after review")
