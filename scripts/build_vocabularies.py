"""Build the EU controlled-vocabulary subset Credstack ships for micro-credentials.

Why: an achievement definition says ``eqf_level: 5`` or ``assessment: written-examination``
and the credential must carry the EU concept URI and its published label. The runtime
needs only a few dozen concepts, so this script turns the research CSVs (from the
European Learning Model controlled vocabularies, see ``shared/data/eu-vocabularies``)
into one small JSON file, adds a short code per concept, and writes the attribution
the licence asks for. It is deterministic: run it again and the output is identical.

Usage: ``python scripts/build_vocabularies.py [--source DIR] [--out DIR]``
(defaults: ``$CREDSTACK_SHARED/data/eu-vocabularies`` and
``src/credstack/core/data/vocabularies``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

#: vocabulary name used by Credstack -> CSV file in the source folder
VOCABULARIES = {
    "eqf_level": "eqf_level.csv",
    "assessment_type": "assessment_type.csv",
    "mode_of_learning": "mode_of_learning_and_assessment.csv",
    "learning_setting": "learning_setting.csv",
    "learning_schedule": "learning_schedule.csv",
    "learning_activity": "learning_activity_type.csv",
    "learning_opportunity": "learning_opportunity_type.csv",
    "supervision": "supervision_verification.csv",
    "quality_assurance": "accreditation_type.csv",
    "credit_system": "education_credit_system.csv",
}

#: extra short codes people naturally type, per vocabulary (alias -> code of the concept)
ALIASES: dict[str, dict[str, str]] = {
    "mode_of_learning": {
        "on-site": "presential",
        "onsite": "presential",
        "in-person": "presential",
        "face-to-face": "presential",
        "work-based": "workbased",
    },
    "learning_setting": {"formal": "formal-learning", "non-formal": "non-formal-learning"},
    "supervision": {
        "unsupervised": "unsupervised-without-id-verification",
        "supervised": "supervised-without-id-verification",
        "supervised-with-id": "supervised-with-id-verification",
        "unsupervised-with-id": "unsupervised-with-id-verification",
    },
    "credit_system": {
        "ects": "european-credit-transfer-system",
        "ecvet": "european-credit-system-for-vocational-education-and-training",
    },
    "assessment_type": {"exam": "written-examination", "oral-exam": "oral-examination"},
}

ATTRIBUTION = (
    "Contains EU Vocabularies data (European Learning Model controlled vocabularies), "
    "(c) European Union, CC BY 4.0. Modified: a subset of concepts; labels trimmed of "
    "whitespace; short codes added by Credstack."
)


#: research notes the CSVs append to a scheme's name, not part of the name itself
_SCHEME_NOTE = re.compile(r"\s*\((?:older name|Europass;)[^)]*\)$")


def short_code(label: str) -> str:
    """The code a person can type for a concept: its English label, lower-case, hyphenated."""
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def read_vocabulary(path: Path, name: str) -> dict[str, object]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["uri"].strip()]
    concepts = []
    for row in rows:
        label = row["label_en"].strip()
        if not label:
            continue  # concepts whose label is unknown cannot be shown to anyone
        concepts.append(
            {
                "uri": row["uri"].strip(),
                "label": label,
                "notation": row["notation"].strip(),
                "code": row["notation"].strip() if name == "eqf_level" else short_code(label),
                "definition": row["definition_en"].strip(),
                "note": row["note"].strip(),
            }
        )
    codes = [c["code"] for c in concepts]
    if len(set(codes)) != len(codes):
        raise SystemExit(f"{path}: two concepts share a short code: {sorted(codes)}")
    aliases = ALIASES.get(name, {})
    for alias, target in aliases.items():
        if target not in codes:
            raise SystemExit(f"{name}: alias {alias!r} points at unknown code {target!r}")
        if alias in codes:
            raise SystemExit(f"{name}: alias {alias!r} hides a real code")
    return {
        "scheme": rows[0]["vocabulary"].strip(),
        "scheme_label": _SCHEME_NOTE.sub("", rows[0]["vocabulary_label"].strip()),
        "concepts": concepts,
        "aliases": dict(sorted(aliases.items())),
    }


def build(source: Path) -> dict[str, Any]:
    vocabularies = {
        name: read_vocabulary(source / file, name) for name, file in VOCABULARIES.items()
    }
    return {
        "attribution": ATTRIBUTION,
        "source": "shared/data/eu-vocabularies (see its SOURCES.md for each concept's origin)",
        "generated_by": "scripts/build_vocabularies.py",
        "vocabularies": vocabularies,
    }


def main(argv: list[str] | None = None) -> int:
    shared = Path(os.environ.get("CREDSTACK_SHARED", REPO_ROOT.parent / "shared"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=shared / "data" / "eu-vocabularies")
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT / "src/credstack/core/data/vocabularies"
    )
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        print(f"source folder {args.source} not found (set CREDSTACK_SHARED)", file=sys.stderr)
        return 2
    data = build(args.source)
    schemes = [str(v["scheme"]) for v in data["vocabularies"].values()]
    args.out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    (args.out / "eu_vocabularies.json").write_text(text, encoding="utf-8")
    (args.out / "ATTRIBUTION.md").write_text(
        "# EU controlled vocabularies (subset)\n\n"
        f"{ATTRIBUTION}\n\n"
        "Generated by `scripts/build_vocabularies.py` from the CSVs in "
        "`shared/data/eu-vocabularies/`; do not edit `eu_vocabularies.json` by hand.\n"
        "Concept schemes: " + ", ".join(f"`{scheme}`" for scheme in schemes) + ".\n",
        encoding="utf-8",
    )
    print(f"wrote {args.out / 'eu_vocabularies.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
