"""Validate SBOM files with the official validators, strictly.

Usage: python validate.py FILE...
       python validate.py --serve    (for the tests: one JSON list of files per input line, one
                                      JSON answer per line, {"ok": true|false, "report": TEXT};
                                      the validators' heavy imports are paid once)

CycloneDX JSON (1.7, 1.6, 1.5) goes through cyclonedx-python-lib's strict JSON validator; SPDX 2.3
JSON through spdx-tools (parse, then full document validation). Both then get the checks no
schema makes: every bom-ref / SPDX id is unique and every reference resolves.
Prints one `ok: FILE (...)` line per valid file; exits 1 listing every problem otherwise.
"""

import json
import sys


def cyclonedx_problems(path, doc):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    versions = {
        "1.7": SchemaVersion.V1_7,
        "1.6": SchemaVersion.V1_6,
        "1.5": SchemaVersion.V1_5,
    }
    spec = doc.get("specVersion")
    if spec not in versions:
        return [f"unsupported specVersion {spec!r}"]
    with open(path, encoding="utf-8") as f:
        error = JsonStrictValidator(versions[spec]).validate_str(f.read())
    problems = [f"schema: {error}"] if error else []

    refs = []

    def walk(component):
        refs.append(component.get("bom-ref"))
        for child in component.get("components", []):
            walk(child)

    if "component" in doc.get("metadata", {}):
        walk(doc["metadata"]["component"])
    for component in doc.get("components", []):
        walk(component)
    seen = set()
    for ref in refs:
        if ref is None:
            problems.append("a component has no bom-ref")
        elif ref in seen:
            problems.append(f"duplicate bom-ref {ref}")
        seen.add(ref)
    dep_refs = set()
    for dep in doc.get("dependencies", []):
        if dep["ref"] in dep_refs:
            problems.append(f"duplicate dependencies entry for {dep['ref']}")
        dep_refs.add(dep["ref"])
        for target in [dep["ref"], *dep.get("dependsOn", [])]:
            if target not in seen:
                problems.append(f"dangling dependency reference {target}")
    return problems


def spdx_problems(path, doc):
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    problems = []
    try:
        parsed = parse_file(path)
    except Exception as e:  # the parser raises its own error types with every message
        return [f"parse: {e}"]
    for message in validate_full_spdx_document(parsed, "SPDX-2.3"):
        problems.append(f"spdx-tools: {message.validation_message}")
    ids = [p["SPDXID"] for p in doc.get("packages", [])] + [doc["SPDXID"]]
    if len(ids) != len(set(ids)):
        problems.append("duplicate SPDX ids")
    known = set(ids)
    for rel in doc.get("relationships", []):
        for key in ("spdxElementId", "relatedSpdxElement"):
            if rel[key] not in known:
                problems.append(f"dangling relationship element {rel[key]}")
    return problems


def main(paths, out=sys.stdout):
    failed = False
    for path in paths:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if doc.get("bomFormat") == "CycloneDX":
            kind = f"CycloneDX {doc.get('specVersion')}"
            problems = cyclonedx_problems(path, doc)
        elif str(doc.get("spdxVersion", "")).startswith("SPDX-"):
            kind = doc["spdxVersion"]
            problems = spdx_problems(path, doc)
        else:
            kind, problems = "unknown", ["neither CycloneDX nor SPDX JSON"]
        if problems:
            failed = True
            print(f"invalid: {path} ({kind})", file=out)
            for p in problems:
                print(f"  {p}", file=out)
        else:
            print(f"ok: {path} ({kind})", file=out)
    return 1 if failed else 0


def serve():
    import io
    import traceback

    for line in sys.stdin:
        report = io.StringIO()
        try:
            ok = main(json.loads(line), report) == 0
        except Exception:  # a file that is not JSON, or a validator that crashed: say so
            ok = False
            report.write(traceback.format_exc())
        print(json.dumps({"ok": ok, "report": report.getvalue()}), flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        sys.exit(main(sys.argv[1:]))
