#!/usr/bin/env python3
"""Fails when a source file imports upward (the floors are in ARCHITECTURE.md).

- `startup` is named only by `main.rs` and `startup.rs`: nothing below knows how the app is put
  together.
- A feature's `pages` and `routes` are named only inside that feature and by `startup.rs`.
- Domain files (every file of a feature that is not `pages`, `routes` or `extract`, and the shared
  modules below the web layer) name neither the web layer (`web::`) nor any `pages` or `routes`.
- Web files (`pages`, `routes`, `extract`, and `web/`) name no `repo` and no `entities`: a page
  asks a service, which checks the role and hands the repo its scope, so a page cannot read rows
  around the check.
- A feature names no other feature's `repo`: it asks that feature's service, which shares only
  what it has chosen to. The demo, which writes fixtures straight into every table as a migration
  would, is the one exception.

It reads `use` trees (braces expanded) and paths in the code, ignoring comments and strings.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
# Top-level modules that sit above the features or are the web layer itself.
TOP = {"main.rs", "startup.rs", "lib.rs"}
WEB_FILES = {"pages", "routes", "extract"}
SHARED = {"web"}
# Features allowed to write other features' tables directly.
FIXTURES = {"demo"}
FEATURES = {p.name for p in SRC.iterdir() if p.is_dir()} - SHARED - {"entities"}


def strip(text):
    """Source without comments, string and char literals."""
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'r#*"(?:.|\n)*?"#*', '""', text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    text = re.sub(r"'(?:\\.|[^'\\])'", "''", text)
    return text


def expand(tree):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e]."""
    tree = re.sub(r"\s+as\s+\w+", "", tree)
    tree = re.sub(r"\s+", "", tree)
    depth, start = 0, None
    for i, ch in enumerate(tree):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                prefix, inner, rest = tree[:start], tree[start + 1 : i], tree[i + 1 :]
                parts, level, last = [], 0, 0
                for j, c in enumerate(inner):
                    if c == "{":
                        level += 1
                    elif c == "}":
                        level -= 1
                    elif c == "," and level == 0:
                        parts.append(inner[last:j])
                        last = j + 1
                parts.append(inner[last:])
                return [p for part in parts if part for p in expand(prefix + part + rest)]
    return [tree]


def paths(text):
    """Every module path the file names: its `use` trees expanded, and `a::b` paths in code."""
    found = []
    for tree in re.findall(r"\buse\s+([^;]+);", text):
        found.extend(expand(tree))
    code = re.sub(r"\buse\s+[^;]+;", "", text)
    found.extend(re.findall(r"\b(?:[a-z_][a-z0-9_]*::)+[A-Za-z_][A-Za-z0-9_]*", code))
    return found


def layer(rel):
    """('top'|'web'|'domain', feature or None) for a path relative to src/."""
    parts = rel.parts
    if len(parts) == 1:
        name = parts[0]
        if name in TOP:
            return "top", None
        return ("web" if name[:-3] in SHARED else "domain"), None
    feature = parts[0]
    if feature in SHARED:
        return "web", feature
    stem = pathlib.PurePath(parts[1]).stem
    return ("web" if stem in WEB_FILES else "domain"), feature


def problems(path):
    rel = path.relative_to(SRC)
    kind, feature = layer(rel)
    text = strip(path.read_text(encoding="utf-8"))
    found = []
    for p in set(paths(text)):
        segments = [s for s in p.split("::") if s not in ("crate", "self")]
        if rel.name not in ("main.rs", "startup.rs") and "startup" in segments:
            found.append(f"names startup ({p})")
        if kind == "top":
            continue
        for i, s in enumerate(segments[:-1] if len(segments) > 1 else []):
            if segments[i + 1] not in ("pages", "routes"):
                continue
            if kind == "domain":
                found.append(f"domain code names a web module ({p})")
            elif s != feature and s not in ("super", "self") and p.startswith("crate::"):
                found.append(f"names another feature's {segments[i + 1]} ({p})")
        if kind == "web" and ("repo" in segments[:-1] or "entities" in segments[:-1]):
            found.append(f"web code reads the database around the services ({p})")
        if kind == "domain" and feature not in FIXTURES:
            for i, s in enumerate(segments[1:], start=1):
                if s == "repo" and segments[i - 1] in FEATURES and segments[i - 1] != feature:
                    found.append(f"names another feature's repo, not its service ({p})")
        if kind == "domain" and p.startswith("crate::web"):
            found.append(f"domain code names the web layer ({p})")
    return sorted(set(found))


def main():
    failures = 0
    for path in sorted(SRC.rglob("*.rs")):
        for problem in problems(path):
            print(f"{path.relative_to(ROOT)}: {problem}")
            failures += 1
    if failures:
        print(f"{failures} upward import(s); see ARCHITECTURE.md for the floors")
        return 1
    print("imports point down: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
