#!/usr/bin/env python3
"""Validate NGSI-LD entities against the official Smart Data Models JSON Schemas, offline.

Usage:
    python3 tests/ngsi/validate.py [--normalized] [--check-formats] [-q] FILE.json [FILE.json ...]

Each FILE holds one entity (a JSON object) or a JSON array of entities.

By default, entities are read in NGSI-LD keyValues form
(`{"id": ..., "type": ..., "pm25": 12.5, ...}`). With --normalized they are read in
normalized form (`{"pm25": {"type": "Property", "value": 12.5, "unitCode": "GQ"}, ...}`).
The normalized structure is checked first. The entity is then converted to keyValues and
validated like a keyValues entity.

How an entity is checked:
  * The schema is picked by the entity's `type`. It is loaded from the files vendored under
    tests/ngsi/schemas/ (see SOURCES.md).
  * Every remote `$ref` (common-schema.json, Environment-schema.json) resolves through a
    `referencing.Registry` keyed by the canonical URLs. Nothing is fetched. A `$ref` to a file
    that is not vendored is reported as a failure.
  * The validator is the JSON Schema draft the schema declares in `$schema`. The generic
    "http://json-schema.org/schema#" is treated as Draft 2020-12, because pysmartdatamodels'
    validate_payload validates every model with jsonschema.Draft202012Validator.
  * Like pysmartdatamodels, `format` is an annotation only: it is not asserted. With
    --check-formats, "date-time" (RFC 3339) and "uri" (has a scheme) are asserted as well.
  * `@context` is removed before schema validation. No vendored schema sets
    additionalProperties/unevaluatedProperties, so it would be accepted anyway; removing it
    keeps the result independent of that. Its shape is still checked: a string, an object,
    or an array of those.
  * NGSI-LD rules outside the schemas: `id` must be an absolute URI, and GeoJSON positions
    must be [longitude, latitude] with |lon| <= 180 and |lat| <= 90.
  * Warnings never change the exit code. They are given for: attributes that the model does
    not define (the same check as pysmartdatamodels), an id that does not start with
    urn:ngsi-ld:<type>:, and a keyValues entity that looks normalized.

Exit status: 0 if every entity is valid; 1 if any entity is invalid; 2 on a usage error
(bad arguments, unreadable file, invalid JSON, no entities).

Importable:
    from validate import validate
    failures = validate(entities, normalized=False)   # list[str]; empty means all valid

Only jsonschema and referencing are needed (both are dependencies of pysmartdatamodels).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import jsonschema
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

RAW = "https://raw.githubusercontent.com/smart-data-models"
PAGES = "https://smart-data-models.github.io"

# entity type -> (subject repository, folder)
MODELS: dict[str, tuple[str, str]] = {
    "AirQualityObserved": ("dataModel.Environment", "AirQualityObserved"),
    "WaterObserved": ("dataModel.Environment", "WaterObserved"),
    "FloodMonitoring": ("dataModel.Environment", "FloodMonitoring"),
    "NoiseLevelObserved": ("dataModel.Environment", "NoiseLevelObserved"),
    "TrafficFlowObserved": ("dataModel.Transportation", "TrafficFlowObserved"),
    "QueueMonitor": ("dataModel.QueueManagement", "QueueMonitor"),
}

# The shared schemas that models `$ref`: (vendored path, URLs a `$ref` may use for them).
SHARED: list[tuple[str, list[str]]] = [
    (
        "data-models/common-schema.json",
        [f"{PAGES}/data-models/common-schema.json", f"{RAW}/data-models/master/common-schema.json"],
    ),
    (
        "dataModel.Environment/Environment-schema.json",
        [
            f"{RAW}/dataModel.Environment/master/Environment-schema.json",
            f"{PAGES}/dataModel.Environment/Environment-schema.json",
        ],
    ),
]

# `$schema` value -> validator class. "http://json-schema.org/schema" (the "latest" alias)
# maps to 2020-12, as pysmartdatamodels validates every model with Draft202012Validator.
DIALECTS: dict[str, type] = {
    "https://json-schema.org/draft/2020-12/schema": jsonschema.Draft202012Validator,
    "https://json-schema.org/draft/2019-09/schema": jsonschema.Draft201909Validator,
    "http://json-schema.org/draft-07/schema": jsonschema.Draft7Validator,
    "http://json-schema.org/draft-06/schema": jsonschema.Draft6Validator,
    "http://json-schema.org/draft-04/schema": jsonschema.Draft4Validator,
    "http://json-schema.org/schema": jsonschema.Draft202012Validator,
}

NGSI_LD_ATTR_TYPES = ("Property", "GeoProperty", "Relationship")
# Members of a normalized attribute that are not sub-attributes.
ATTR_RESERVED = {
    "type", "value", "object", "observedAt", "unitCode", "datasetId",
    "createdAt", "modifiedAt", "deletedAt", "instanceId", "lang",
}

URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
RFC3339_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
UNIT_CODE_RE = re.compile(r"^[A-Z0-9]{2,3}$")


# --------------------------------------------------------------------------- schemas

def _load(rel: str) -> dict:
    with open(SCHEMA_DIR / rel, encoding="utf-8") as f:
        return json.load(f)


def _no_network(uri: str):
    # Called for any URI that is not vendored: fail instead of fetching it.
    raise NoSuchResource(ref=uri)


def _build() -> tuple[Registry, dict[str, dict]]:
    pairs = []
    schemas: dict[str, dict] = {}
    for rel, urls in SHARED:
        contents = _load(rel)
        res = Resource.from_contents(contents, default_specification=DRAFT202012)
        pairs += [(u, res) for u in {*urls, contents.get("$id", urls[0])}]
    for type_, (repo, folder) in MODELS.items():
        contents = _load(f"{repo}/{folder}/schema.json")
        schemas[type_] = contents
        res = Resource.from_contents(contents, default_specification=DRAFT202012)
        urls = {f"{RAW}/{repo}/master/{folder}/schema.json", f"{PAGES}/{repo}/{folder}/schema.json"}
        if "$id" in contents:
            urls.add(contents["$id"])
        pairs += [(u, res) for u in urls]
    return Registry(retrieve=_no_network).with_resources(pairs), schemas


REGISTRY, SCHEMAS = _build()


def validator_class(schema: dict) -> type:
    dialect = str(schema.get("$schema", "")).rstrip("#")
    try:
        return DIALECTS[dialect]
    except KeyError:
        raise ValueError(f"unsupported $schema {schema.get('$schema')!r}") from None


def _format_checker(cls: type) -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(cls.FORMAT_CHECKER.checkers.keys())

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not RFC3339_RE.match(value):
            return False
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        return True

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        return not isinstance(value, str) or bool(URI_RE.match(value))

    return checker


def model_properties(type_: str) -> set[str]:
    """Every top-level attribute the model's schema defines, `$ref`s followed."""
    schema = SCHEMAS[type_]
    resolver = REGISTRY.resolver(base_uri=schema.get("$id", ""))
    names: set[str] = set()

    def walk(sub: Any, depth: int = 0) -> None:
        if not isinstance(sub, dict) or depth > 5:
            return
        if "$ref" in sub:
            try:
                walk(resolver.lookup(sub["$ref"]).contents, depth + 1)
            except Unresolvable:
                pass  # already reported as a failure by the schema validation
        names.update(sub.get("properties", {}))
        for part in sub.get("allOf", []):
            walk(part, depth + 1)

    walk(schema)
    return names


# --------------------------------------------------------------------------- helpers

def _path(parts: Iterable[Any]) -> str:
    out = "$"
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif re.fullmatch(r"[A-Za-z_@][A-Za-z0-9_@]*", str(p)):
            out += f".{p}"
        else:
            out += f"[{json.dumps(p)}]"
    return out


def _label(entity: Any, index: int) -> str:
    eid = entity.get("id") if isinstance(entity, dict) else None
    return f"[{index}] {eid}" if isinstance(eid, str) else f"[{index}] <no id>"


def _check_context(ctx: Any) -> bool:
    items = ctx if isinstance(ctx, list) else [ctx]
    return bool(items) and all(isinstance(i, (str, dict)) for i in items)


def _check_positions(coords: Any, path: list, out: list[tuple[list, str]]) -> None:
    if isinstance(coords, list) and coords and all(isinstance(c, (int, float)) for c in coords):
        if len(coords) >= 2:
            lon, lat = coords[0], coords[1]
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                out.append((path, f"GeoJSON position {coords} is not [longitude, latitude] "
                                  "(|lon| <= 180, |lat| <= 90); are the axes swapped?"))
        return
    if isinstance(coords, list):
        for i, c in enumerate(coords):
            _check_positions(c, path + [i], out)


def _check_ngsi_ld(entity: dict) -> list[tuple[list, str]]:
    """NGSI-LD rules the Smart Data Models schemas do not express."""
    out: list[tuple[list, str]] = []
    eid = entity.get("id")
    if isinstance(eid, str) and not URI_RE.match(eid):
        out.append((["id"], f"NGSI-LD: id {eid!r} is not an absolute URI (e.g. urn:ngsi-ld:...)"))
    if "@context" in entity and not _check_context(entity["@context"]):
        out.append((["@context"], "NGSI-LD: @context must be a string, an object or a "
                                  "non-empty array of those"))
    for name, val in entity.items():
        if isinstance(val, dict) and val.get("type") in (
            "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"
        ):
            _check_positions(val.get("coordinates"), [name, "coordinates"], out)
    return out


# --------------------------------------------------------------------------- normalized

def _is_attr(v: Any) -> bool:
    return isinstance(v, dict) and v.get("type") in NGSI_LD_ATTR_TYPES


def _check_attr(attr: Any, path: list, out: list[tuple[list, str]],
                warns: list[tuple[list, str]]) -> None:
    if isinstance(attr, list):
        out.append((path, "multi-attribute arrays (datasetId instances) are not supported "
                          "by this validator; send one instance"))
        return
    if not isinstance(attr, dict):
        out.append((path, f"normalized attribute must be an object with type "
                          f"Property|GeoProperty|Relationship, got {json.dumps(attr)[:60]}"))
        return
    kind = attr.get("type")
    if kind not in NGSI_LD_ATTR_TYPES:
        out.append((path + ["type"], f"attribute type must be one of "
                                     f"{'|'.join(NGSI_LD_ATTR_TYPES)}, got {kind!r}"))
        return
    if kind == "Relationship":
        if "value" in attr:
            out.append((path, "a Relationship carries `object`, not `value`"))
        obj = attr.get("object")
        ok = (isinstance(obj, str) and URI_RE.match(obj)) or (
            isinstance(obj, list) and obj and all(isinstance(o, str) and URI_RE.match(o) for o in obj)
        )
        if not ok:
            out.append((path + ["object"], "a Relationship needs `object`: a URI "
                                           f"(or array of URIs), got {json.dumps(obj)[:60]}"))
    else:
        if "object" in attr:
            out.append((path, f"a {kind} carries `value`, not `object`"))
        if "value" not in attr or attr["value"] is None:
            out.append((path + ["value"], f"a {kind} needs a non-null `value`"))
        elif kind == "GeoProperty":
            v = attr["value"]
            if not (isinstance(v, dict) and isinstance(v.get("type"), str) and "coordinates" in v):
                out.append((path + ["value"], "a GeoProperty value must be a GeoJSON geometry "
                                              "({type, coordinates})"))
    if "observedAt" in attr:
        oa = attr["observedAt"]
        if not (isinstance(oa, str) and RFC3339_RE.match(oa)):
            out.append((path + ["observedAt"], f"observedAt must be an RFC 3339 date-time, "
                                               f"got {json.dumps(oa)}"))
        elif not oa.upper().endswith("Z"):
            warns.append((path + ["observedAt"], "observedAt should be in UTC ('Z')"))
    if "unitCode" in attr:
        uc = attr["unitCode"]
        if not isinstance(uc, str) or not uc:
            out.append((path + ["unitCode"], f"unitCode must be a non-empty string, got {json.dumps(uc)}"))
        elif not UNIT_CODE_RE.match(uc):
            warns.append((path + ["unitCode"], f"unitCode {uc!r} does not look like a UN/CEFACT "
                                               "common code (2-3 upper-case characters)"))
    for key in ("datasetId", "instanceId"):
        if key in attr and not (isinstance(attr[key], str) and URI_RE.match(attr[key])):
            out.append((path + [key], f"{key} must be a URI"))
    for key, sub in attr.items():
        if key not in ATTR_RESERVED:
            _check_attr(sub, path + [key], out, warns)  # sub-attribute (property of property)


def _unwrap_value(v: Any) -> Any:
    # {"@type": "DateTime", "@value": "..."} -> "..."
    if isinstance(v, dict) and "@value" in v:
        return v["@value"]
    return v


def normalized_to_keyvalues(entity: dict) -> dict:
    """NGSI-LD normalized -> keyValues. Sub-attributes (observedAt, unitCode, ...) are dropped."""
    out: dict = {}
    for name, attr in entity.items():
        if name in ("id", "type", "@context") or not isinstance(attr, dict):
            out[name] = attr
        elif attr.get("type") == "Relationship":
            out[name] = attr.get("object")
        else:
            out[name] = _unwrap_value(attr.get("value"))
    return out


GEO_ATTRS = ("location", "observationSpace", "operationSpace")  # GeoProperty by definition


def check_normalized(entity: dict) -> tuple[list[tuple[list, str]], list[tuple[list, str]]]:
    out: list[tuple[list, str]] = []
    warns: list[tuple[list, str]] = []
    for name, attr in entity.items():
        if name in ("id", "type", "@context"):
            continue
        _check_attr(attr, [name], out, warns)
        if name in GEO_ATTRS and _is_attr(attr) and attr["type"] != "GeoProperty":
            out.append(([name, "type"], f"NGSI-LD: `{name}` must be a GeoProperty, got {attr['type']}"))
    for key in ("id", "type"):
        if not isinstance(entity.get(key), str):
            out.append(([key], f"`{key}` must be a string"))
    return out, warns


# --------------------------------------------------------------------------- validation

def check_entity(entity: Any, normalized: bool = False, check_formats: bool = False
                 ) -> tuple[list[tuple[list, str]], list[tuple[list, str]]]:
    """(failures, warnings) for one entity, each a list of (path parts, message)."""
    if not isinstance(entity, dict):
        return [([], f"an entity must be a JSON object, got {type(entity).__name__}")], []
    fails: list[tuple[list, str]] = []
    warns: list[tuple[list, str]] = []
    if normalized:
        f, w = check_normalized(entity)
        fails += f
        warns += w
        entity = normalized_to_keyvalues(entity)
    else:
        looks = [k for k, v in entity.items() if k not in ("id", "type", "@context") and _is_attr(v)]
        if looks:
            warns.append(([], f"attribute(s) {', '.join(looks[:5])} look normalized "
                              "({type: Property, value}); did you mean --normalized?"))

    type_ = entity.get("type")
    if type_ not in SCHEMAS:
        fails.append((["type"], f"no vendored schema for type {type_!r} "
                                f"(known: {', '.join(sorted(SCHEMAS))})"))
        return fails, warns

    fails += _check_ngsi_ld(entity)
    eid = entity.get("id")
    if isinstance(eid, str) and not eid.startswith(f"urn:ngsi-ld:{type_}:"):
        warns.append((["id"], f"id does not follow urn:ngsi-ld:{type_}:<...>"))

    instance = {k: v for k, v in entity.items() if k != "@context"}
    schema = SCHEMAS[type_]
    cls = validator_class(schema)
    kwargs = {"registry": REGISTRY}
    if check_formats:
        kwargs["format_checker"] = _format_checker(cls)
    validator = cls(schema, **kwargs)
    try:
        errors = sorted(validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))
        for err in errors:
            msg = err.message
            if err.context:  # oneOf/anyOf: name the closest branch's failure too
                inner = best_match(err.context)
                msg += f" (closest: {_path(inner.absolute_path)}: {inner.message})"
            fails.append((list(err.absolute_path), f"{msg} [schema {err.validator}]"))
    except Unresolvable as e:
        fails.append(([], f"unresolvable $ref {e} (not vendored under tests/ngsi/schemas)"))

    known = model_properties(type_)
    unknown = [k for k in instance if k not in known]
    if unknown:
        warns.append(([], f"attribute(s) not defined in {type_} schema: {', '.join(unknown)}"))
    return fails, warns


def validate(entities: Any, normalized: bool = False, *, check_formats: bool = False,
             warnings: list[str] | None = None) -> list[str]:
    """Validate one entity (dict) or a list of entities.

    Returns one line per failure, "<[index] id>: <JSON path>: <message>". The list is empty
    when every entity is valid. Pass a list as `warnings` to collect warning lines as well.
    """
    if isinstance(entities, dict):
        entities = [entities]
    failures: list[str] = []
    for i, entity in enumerate(entities):
        label = _label(entity, i)
        fails, warns = check_entity(entity, normalized=normalized, check_formats=check_formats)
        failures += [f"{label}: {_path(p)}: {m}" for p, m in fails]
        if warnings is not None:
            warnings += [f"{label}: {_path(p)}: {m}" for p, m in warns]
    return failures


# --------------------------------------------------------------------------- CLI

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="validate.py",
        description="Validate NGSI-LD entities against the vendored Smart Data Models schemas.",
    )
    ap.add_argument("files", nargs="+", metavar="FILE.json",
                    help="one entity or a JSON array of entities")
    ap.add_argument("--normalized", action="store_true",
                    help="entities are in NGSI-LD normalized form (default: keyValues)")
    ap.add_argument("--check-formats", action="store_true",
                    help="also assert `format` (date-time, uri); pysmartdatamodels does not")
    ap.add_argument("-q", "--quiet", action="store_true", help="print failures only")
    args = ap.parse_args(argv)  # exits 2 on a usage error

    batches = []
    for name in args.files:
        try:
            with open(name, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            print(f"validate.py: cannot read {name}: {e}", file=sys.stderr)
            return 2
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list) or not data:
            print(f"validate.py: {name}: expected an entity object or a non-empty array of them",
                  file=sys.stderr)
            return 2
        batches.append((name, data))

    total = bad = 0
    for name, data in batches:
        for i, entity in enumerate(data):
            total += 1
            label = _label(entity, i)
            fails, warns = check_entity(entity, normalized=args.normalized,
                                        check_formats=args.check_formats)
            prefix = f"{name} {label}"
            for p, m in fails:
                print(f"FAIL {prefix}: {_path(p)}: {m}")
            if not args.quiet:
                for p, m in warns:
                    print(f"WARN {prefix}: {_path(p)}: {m}")
                if not fails:
                    t = entity.get("type") if isinstance(entity, dict) else None
                    print(f"OK   {prefix} ({t})")
            bad += bool(fails)
    form = "normalized" if args.normalized else "keyValues"
    print(f"{total} entit{'y' if total == 1 else 'ies'} ({form}): {total - bad} valid, {bad} invalid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
