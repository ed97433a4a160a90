#!/usr/bin/env python3
"""Self-test of tests/ngsi/validate.py against the example files.

Usage: python3 tests/ngsi/selftest.py

Exits 0 when every check below passes:
- Every entity in the valid examples (official and Đà Nẵng) validates.
- Every entity in the invalid examples fails.
- Each failure names the expected problem.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # keep tests/ngsi free of __pycache__
sys.path.insert(0, str(HERE))
from validate import validate  # noqa: E402

EX = HERE / "examples"

VALID = [(p, False) for p in sorted((EX / "official" / "keyvalues").glob("*.json"))]
VALID += [(p, True) for p in sorted((EX / "official" / "normalized").glob("*.json"))]
VALID += [(EX / "danang-keyvalues.json", False), (EX / "danang-normalized.json", True)]

# file -> (normalized?, per-entity substring expected in that entity's failures)
INVALID = {
    "invalid/keyvalues/broken.json": (False, [
        "$.pm25: '12.5' is not of type 'number'",
        "no vendored schema for type 'AirQualityObservation'",
        "$.occupancy: 50.9 is greater than the maximum of 1",
        "'dateObserved' is a required property",
        "$.waterLevel: -0.35 is less than the minimum of 0",
        "are the axes swapped?",
        "'open' is not one of ['Closed', 'Open', 'Suspended']",
        "is not an absolute URI",
    ]),
    "invalid/normalized/broken.json": (True, [
        "$.pm25: normalized attribute must be an object",
        "$.pm10: a Property carries `value`, not `object`",
        "$.refRoadSegment: a Relationship carries `object`, not `value`",
        "$.averageVehicleSpeed.unitCode: unitCode must be a non-empty string",
        "`location` must be a GeoProperty",
        "attribute type must be one of Property|GeoProperty|Relationship, got 'Text'",
        "$.co: -5 is less than the minimum of 0",
    ]),
    # Official upstream normalized examples that do not satisfy their own schema.
    "invalid/normalized/upstream-AirQualityObserved.json": (True, ["$.windDirection: 186 is greater than the maximum of 180"]),
    "invalid/normalized/upstream-FloodMonitoring.json": (True, ["$.floodLevelStatus.type: attribute type must be one of"]),
    "invalid/normalized/upstream-WaterObserved.json": (True, ["$.dateObserved.object: a Relationship needs `object`"]),
    "invalid/normalized/upstream-QueueMonitor.json": (True, ["`location` must be a GeoProperty, got Property"]),
}


def main() -> int:
    problems = []
    checked = 0
    for path, normalized in VALID:
        entities = json.loads(path.read_text(encoding="utf-8"))
        entities = entities if isinstance(entities, list) else [entities]
        checked += len(entities)
        fails = validate(entities, normalized=normalized)
        problems += [f"expected valid: {path.relative_to(HERE)}: {f}" for f in fails]
    for rel, (normalized, expected) in INVALID.items():
        entities = json.loads((EX / rel).read_text(encoding="utf-8"))
        entities = entities if isinstance(entities, list) else [entities]
        if len(entities) != len(expected):
            problems.append(f"{rel}: {len(entities)} entities but {len(expected)} expectations")
        for i, (entity, want) in enumerate(zip(entities, expected)):
            checked += 1
            fails = validate(entity, normalized=normalized)
            if not any(want in f for f in fails):
                problems.append(f"expected failure {want!r} for {rel} [{i}], got {fails}")
    for p in problems:
        print("SELFTEST FAIL", p)
    print(f"selftest: {checked} entities checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
