"""Compares the components of two CycloneDX JSON documents by purl, ecosystem by ecosystem.

Usage: compare.py OURS THEIRS [--names NAME_OURS NAME_THEIRS]

A purl is compared without its qualifiers and subpath (`?download_url=...`, `#...`), with its
percent-encoding undone and its type and name lowercased as the purl specification asks for
npm, pypi and cargo (PyPI names also with `_` and `.` as `-`). Every component counts: the
document's subject (metadata.component), the listed components and their nested ones. Prints a
count per ecosystem and every purl found in one document only; exits 0 either way.
"""

import json
import sys
from collections import defaultdict
from urllib.parse import unquote


def walk(component):
    yield component
    for sub in component.get("components", []):
        yield from walk(sub)


def normal(purl):
    purl = purl.split("#", 1)[0].split("?", 1)[0]
    kind, _, rest = purl.partition("/")
    rest = unquote(rest)
    kind = kind.lower()
    if kind == "pkg:pypi":
        name, _, version = rest.partition("@")
        rest = name.lower().replace("_", "-").replace(".", "-") + "@" + version
    elif kind in ("pkg:npm", "pkg:cargo"):
        name, _, version = rest.rpartition("@")
        rest = name.lower() + "@" + version
    return kind + "/" + rest


def purls(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    tops = [doc.get("metadata", {}).get("component") or {}, *doc.get("components", [])]
    found = defaultdict(set)
    for top in tops:
        for c in walk(top):
            if c.get("purl"):
                p = normal(c["purl"])
                found[p.split("/", 1)[0].removeprefix("pkg:")].add(p)
    return found


def main(argv):
    ours_path, theirs_path = argv[1], argv[2]
    names = argv[4:6] if len(argv) >= 6 and argv[3] == "--names" else ["ours", "theirs"]
    ours, theirs = purls(ours_path), purls(theirs_path)
    same = True
    for eco in sorted(set(ours) | set(theirs)):
        a, b = ours.get(eco, set()), theirs.get(eco, set())
        print(f"{eco:8} {names[0]} {len(a):4}  {names[1]} {len(b):4}  in both {len(a & b):4}")
        for p in sorted(a - b):
            print(f"  only in {names[0]}: {p}")
            same = False
        for p in sorted(b - a):
            print(f"  only in {names[1]}: {p}")
            same = False
    print("same components" if same else "components differ (listed above)")


if __name__ == "__main__":
    main(sys.argv)
