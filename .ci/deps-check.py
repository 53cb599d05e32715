#!/usr/bin/env python3
"""Dependency policy check for the `portabilling` and `portabilling-cli` packages: licenses
and duplicate versions.

Reads `cargo metadata --format-version 1` (the resolved graph for every platform, default
features) and fails when:

1. a crate anywhere in the graph of either package (normal, build and dev dependencies) has
   a license expression that cannot be satisfied with the licenses in ALLOWED_LICENSES, or has
   no `license` field at all;
2. two versions of one crate are in the *normal* dependency graph of either (what is
   compiled into the library and the command), unless the crate is in ALLOWED_DUPLICATES
   with the reason written next to it;
3. a direct dependency of either (any kind, optional or not), beyond the chosen five and the
   workspace's own crates, has no row in the README's "Dependencies" section or no entry in
   DEPENDENCIES.md.

On failure it prints `cargo tree -d -e normal` for the duplicates. It takes a second or two:
no tool to install. Run it from anywhere: `python3 .ci/deps-check.py`.
"""

import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ["portabilling", "portabilling-cli"]

# SPDX identifiers a dependency may be used under. Every one is permissive and asks no more
# than keeping the notice; the README's license (MIT OR Apache-2.0) is unaffected.
ALLOWED_LICENSES = {
    "MIT",
    "Apache-2.0",
    "Apache-2.0 WITH LLVM-exception",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "CC0-1.0",
    # unicode-ident's Unicode data tables.
    "Unicode-3.0",
    # Mozilla's CA certificate list as data (webpki-roots, webpki-root-certs): a permissive
    # data license that asks for the notice only.
    "CDLA-Permissive-2.0",
    # MPL-2.0 is not listed: no dependency needs it today. Add it only with a reason (it is
    # file-level copyleft: changes to MPL files must be published).
}

# Crates allowed in two versions in the normal graph, each with the reason it cannot be
# avoided today. Keep this list short: every entry is compiled twice.
ALLOWED_DUPLICATES = {
    # syn 3 comes through clap_derive, serde_derive and thiserror-impl. syn 2 is only in the
    # resolve, through rcgen's optional `x509-parser` feature (asn1-rs-derive, synstructure),
    # which the crate does not enable: `cargo tree -e normal,build --target all` shows no
    # syn 2, so nothing of it is compiled. (tracing is declared without its `attributes`
    # feature, which brought syn 2 in for real.)
    "syn": "syn 2 only in the resolve (rcgen's optional x509-parser, not enabled); syn 3 via the derives",
    # Windows only (the check covers every platform; on Linux and macOS there is no
    # windows-sys at all): ring 0.17, under rustls, pins windows-sys 0.52; clap's anstream
    # and tracing-subscriber's nu-ansi-term, both for the command's terminal output, use
    # 0.61. Goes away when ring moves to 0.61 or later.
    "windows-sys": "Windows only: 0.52 via ring, 0.61 via clap and nu-ansi-term (the CLI)",
    # The `postgres` feature (on in the command): postgres-protocol 0.6.12 uses rand 0.10,
    # which uses getrandom 0.4, while ring 0.17 (under rustls) pins getrandom 0.2. Every
    # postgres-protocol since 0.6.8 uses a rand whose getrandom is newer than ring's; older
    # ones would pin the whole postgres stack to early 2025. Both are small OS-random shims.
    # Goes away when ring moves to a newer getrandom.
    "getrandom": "0.2 via ring, 0.4 via rand in postgres-protocol (feature postgres)",
    # wasi comes with those two getrandoms and is compiled only for wasm targets.
    "wasi": "wasm targets only, under the two getrandoms",
    # postgres-protocol 0.6.12 (SCRAM authentication; the latest) uses base64 0.22; ureq and
    # pem (under rcgen) use 0.23. A few hundred lines each; goes away when postgres-protocol
    # moves to 0.23.
    "base64": "0.22 via postgres-protocol (feature postgres), 0.23 via ureq and rcgen's pem",
}


# The dependencies the project chose at the start; every other one must be justified.
CHOSEN = {"ureq", "quick-xml", "serde", "rustls", "thiserror"}


def unjustified(root_package, own):
    """Direct dependencies beyond CHOSEN that the README or DEPENDENCIES.md does not name."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    _, _, section = readme.partition("\n## Dependencies\n")
    section = section.split("\n## ", 1)[0]
    with open(os.path.join(ROOT, "DEPENDENCIES.md"), encoding="utf-8") as f:
        details = f.read()
    problems = []
    for name in sorted({d["name"] for d in root_package["dependencies"]} - CHOSEN - own):
        if f"| `{name}` |" not in section:
            problems.append(f"{name}: a direct dependency with no row in the README's Dependencies section")
        if f"**{name}**" not in details and f"**{name}.**" not in details:
            problems.append(f"{name}: a direct dependency with no entry in DEPENDENCIES.md")
    return problems


def cargo_metadata():
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
    ).stdout
    return json.loads(out)


def tokens(expression):
    # Old crates write "MIT/Apache-2.0" for "MIT OR Apache-2.0".
    expression = expression.replace("/", " OR ")
    return re.findall(r"\(|\)|[A-Za-z0-9.+-]+", expression)


def allowed(expression):
    """Whether an SPDX expression can be satisfied with ALLOWED_LICENSES."""
    toks = tokens(expression)
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else None

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def primary():
        if peek() == "(":
            take()
            value = disjunction()
            if take() != ")":
                raise ValueError("unbalanced parentheses")
            return value
        ident = take()
        if peek() == "WITH":
            take()
            ident = f"{ident} WITH {take()}"
        return ident in ALLOWED_LICENSES

    def conjunction():
        value = primary()
        while peek() == "AND":
            take()
            value = primary() and value
        return value

    def disjunction():
        value = conjunction()
        while peek() == "OR":
            take()
            value = conjunction() or value
        return value

    result = disjunction()
    if pos != len(toks):
        raise ValueError(f"cannot parse the license expression {expression!r}")
    return result


def main():
    meta = cargo_metadata()
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    own = {packages[m]["name"] for m in meta["workspace_members"]}
    roots = [
        p["id"]
        for p in meta["packages"]
        if p["name"] in PACKAGES and p["id"] in meta["workspace_members"]
    ]

    def reachable(root, kinds):
        seen, todo = set(), [root]
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for dep in nodes[node]["deps"]:
                dep_kinds = {k["kind"] for k in dep["dep_kinds"]}
                # Below the root only normal edges matter for what is built into it; at the
                # root, the kinds asked for.
                wanted = kinds if node == root else {None} | (kinds & {"build"})
                if dep_kinds & wanted:
                    todo.append(dep["pkg"])
        return seen

    problems = []
    everything, normal = set(), set()
    for root in roots:
        problems += unjustified(packages[root], own)
        everything |= reachable(root, {None, "build", "dev"})
        normal |= reachable(root, {None})

    licenses = {}
    for pid in sorted(everything, key=lambda i: packages[i]["name"]):
        p = packages[pid]
        license = p.get("license")
        if not license:
            problems.append(
                f"{p['name']} {p['version']}: no SPDX `license` field"
                + (f" (license file {p['license_file']})" if p.get("license_file") else "")
            )
            continue
        try:
            ok = allowed(license)
        except (ValueError, IndexError) as e:
            problems.append(f"{p['name']} {p['version']}: {e}")
            continue
        licenses.setdefault(license, []).append(p["name"])
        if not ok:
            problems.append(
                f"{p['name']} {p['version']}: license `{license}` is not in the allow-list"
            )

    versions = {}
    for pid in normal:
        p = packages[pid]
        versions.setdefault(p["name"], set()).add(p["version"])
    duplicates = {n: sorted(v) for n, v in versions.items() if len(v) > 1}
    for name, vs in sorted(duplicates.items()):
        if name not in ALLOWED_DUPLICATES:
            problems.append(
                f"{name} is in the normal graph in {len(vs)} versions: {', '.join(vs)}"
            )
    for name in sorted(ALLOWED_DUPLICATES):
        if name not in duplicates:
            problems.append(
                f"{name} is allowed as a duplicate but is no longer one: remove it from ALLOWED_DUPLICATES"
            )

    print(
        f"deps-check: {len(everything)} crates in the graph of {' and '.join(PACKAGES)} "
        f"(normal, build, dev), {len(normal)} in their normal graphs"
    )
    for license, names in sorted(licenses.items(), key=lambda kv: -len(kv[1])):
        print(f"deps-check:   {len(names):3} {license}")
    for name, vs in sorted(duplicates.items()):
        note = ALLOWED_DUPLICATES.get(name, "NOT ALLOWED")
        print(f"deps-check: duplicate {name} {', '.join(vs)}: {note}")
    if problems:
        print("deps-check: FAILED", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        if any(n not in ALLOWED_DUPLICATES for n in duplicates):
            subprocess.run(
                ["cargo", "tree", "-d", "-e", "normal", "--target", "all", "-p", PACKAGES[0], "-p", PACKAGES[1]],
                cwd=ROOT,
                check=False,
            )
        return 1
    print("deps-check: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
