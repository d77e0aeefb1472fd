#!/usr/bin/env python3
"""Fails when a public or open symbol of the documented modules has no doc comment of its own.

    python3 Scripts/check_doc_coverage.py                  # builds, extracts, checks
    python3 Scripts/check_doc_coverage.py --symbol-graph-dir .build/docs/symbol-graphs

Without --symbol-graph-dir it runs `Scripts/build_docs.sh --symbol-graphs-only` (the release
build of `swift test -c release -Xswiftc -enable-testing`, up to date after a test run, then
swift-symbolgraph-extract for Autograd, NN, ExampleSupport, MNISTReinforce and
CartPoleReinforce) and reads the graphs it writes.

A symbol counts when its declaration is in this repository's Sources/ (its symbol-graph
`location`): members the compiler synthesizes or inherits from a protocol extension of another
module (`!=`, `hashValue`, `init(rawValue:)`, Sequence's `map`, …) have no location there and
are not ours. A symbol is documented when it has a `///` comment of its own, not one inherited
from a protocol requirement or an overridden method. Extension blocks on other modules' types
(`extension Float: TensorScalar`) count too: they declare public conformances.

Prints `N public symbols, M undocumented`, then each undocumented symbol with its source
location, and exits 1 when M > 0. Python 3 standard library only.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = ROOT / "Sources"


def source_path(uri):
    """The file a symbol-graph `uri` names, or None when it is not a local file."""
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme != "file":
        return None
    return pathlib.Path(urllib.parse.unquote(parsed.path)).resolve()


def is_ours(path):
    return path is not None and SOURCES in path.parents


def has_own_doc(symbol, path):
    doc = symbol.get("docComment")
    if not doc or not any(line.get("text", "").strip() for line in doc.get("lines", [])):
        return False
    # An inherited comment names the file of the declaration it was inherited from.
    return "uri" not in doc or source_path(doc["uri"]) == path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--symbol-graph-dir", type=pathlib.Path,
                        help="read these symbol graphs instead of building and extracting them")
    args = parser.parse_args()

    graph_dir = args.symbol_graph_dir
    if graph_dir is None:
        build = subprocess.run([str(ROOT / "Scripts" / "build_docs.sh"), "--symbol-graphs-only"],
                               cwd=ROOT, stdout=sys.stderr)
        if build.returncode != 0:
            print("check_doc_coverage: building the symbol graphs failed", file=sys.stderr)
            return 2
        graph_dir = ROOT / ".build" / "docs" / "symbol-graphs"
    files = sorted(graph_dir.rglob("*.symbols.json"))
    if not files:
        print(f"check_doc_coverage: no *.symbols.json under {graph_dir}", file=sys.stderr)
        return 2

    seen = set()
    undocumented = []
    for file in files:
        graph = json.loads(file.read_text())
        module = graph["module"]["name"]
        for symbol in graph["symbols"]:
            if symbol.get("accessLevel") not in ("public", "open"):
                continue
            location = symbol.get("location")
            path = source_path(location["uri"]) if location else None
            if not is_ours(path):
                continue
            identifier = symbol["identifier"]["precise"]
            if identifier in seen:
                continue
            seen.add(identifier)
            if has_own_doc(symbol, path):
                continue
            name = ".".join(symbol["pathComponents"])
            if symbol["kind"]["identifier"] == "swift.extension":
                name = "extension " + name
            line = location["position"]["line"] + 1
            undocumented.append((str(path.relative_to(ROOT)), line, f"{module}: {name}"))

    print(f"{len(seen)} public symbols, {len(undocumented)} undocumented")
    for path, line, name in sorted(undocumented):
        print(f"  {name}  ({path}:{line})")
    return 1 if undocumented else 0


if __name__ == "__main__":
    sys.exit(main())
