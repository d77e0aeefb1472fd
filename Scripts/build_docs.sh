#!/usr/bin/env bash
# Builds the API reference of the Autograd and NN modules as a DocC archive, with the toolchain's
# own tools (no Swift-DocC plugin package):
#
#   1. the release build of the test command, `swift test -c release -Xswiftc -enable-testing`,
#      run as `swift test list` so that it builds (or finds up to date) and runs no test: the docs
#      share that build instead of recompiling the modules with other flags (a plain
#      `swift build -c release` would, and the next `swift test` would recompile them again);
#   2. swift-symbolgraph-extract on the built modules (public and open symbols, with source
#      locations and doc comments) into .build/docs/symbol-graphs;
#   3. docc convert of Documentation/Autograd.docc plus those symbol graphs into
#      .build/docs/swift-autograd.doccarchive.
#
# Usage: Scripts/build_docs.sh [--symbol-graphs-only]
#   --symbol-graphs-only   stop after step 2 (Scripts/check_doc_coverage.py uses this)
#
# View it by serving the archive with any static web server, e.g.
#   python3 -m http.server -d .build/docs/swift-autograd.doccarchive 8000
# then open http://localhost:8000/documentation/autograd (or /documentation/nn).
set -euo pipefail
cd "$(dirname "$0")/.."

symbol_graphs_only=false
for argument in "$@"; do
  case "$argument" in
    --symbol-graphs-only) symbol_graphs_only=true ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "build_docs.sh: unknown option $argument" >&2; exit 2 ;;
  esac
done

# The documented modules, and those rendered in the archive (the libraries a user depends on).
modules=(Autograd NN ByteFormats ExampleSupport MNISTReinforce CartPoleReinforce)
archive_modules=(Autograd NN ByteFormats)
build_flags=(-c release -Xswiftc -enable-testing)

# The toolchain's tools live next to `swift`; fall back to PATH.
toolchain_bin="$(dirname "$(readlink -f "$(command -v swift)")")"
tool() {
  if [[ -x "$toolchain_bin/$1" ]]; then echo "$toolchain_bin/$1"; else command -v "$1"; fi
}
symbolgraph_extract="$(tool swift-symbolgraph-extract)" || {
  echo "build_docs.sh: swift-symbolgraph-extract not found next to swift or on PATH" >&2; exit 1; }

# Build; drop the test names it lists (lines like `NNTests.ModuleTests/names()`), keep the rest.
swift test list "${build_flags[@]}" | sed -E '/^[A-Za-z0-9_]+\.[^ ]*\)$/d'
module_dir="$(swift build "${build_flags[@]}" --show-bin-path)/Modules"
for module in "${modules[@]}"; do
  [[ -f "$module_dir/$module.swiftmodule" ]] || {
    echo "build_docs.sh: $module_dir/$module.swiftmodule was not built" >&2; exit 1; }
done

out=.build/docs
graphs="$out/symbol-graphs"
rm -rf "$graphs"
mkdir -p "$graphs"
for module in "${modules[@]}"; do
  mkdir -p "$graphs/$module"
  "$symbolgraph_extract" -module-name "$module" -I "$module_dir" \
    -module-cache-path "$out/module-cache" -minimum-access-level public \
    -emit-extension-block-symbols -output-dir "$graphs/$module"
done
echo "symbol graphs: $graphs"
$symbol_graphs_only && exit 0

docc="$(tool docc)" || { echo "build_docs.sh: docc not found next to swift or on PATH" >&2; exit 1; }
# docc reads one directory of symbol graphs: gather the archive's modules into one.
archive_graphs="$out/archive-symbol-graphs"
rm -rf "$archive_graphs"
mkdir -p "$archive_graphs"
for module in "${archive_modules[@]}"; do cp "$graphs/$module"/*.symbols.json "$archive_graphs/"; done
archive="$out/swift-autograd.doccarchive"
rm -rf "$archive"
"$docc" convert Documentation/Autograd.docc \
  --additional-symbol-graph-dir "$archive_graphs" \
  --fallback-display-name swift-autograd --fallback-bundle-identifier org.swift-autograd \
  --warnings-as-errors --output-path "$archive"
[[ -d "$archive/documentation/autograd" && -d "$archive/documentation/nn" ]] || {
  echo "build_docs.sh: $archive lacks the Autograd or NN pages" >&2; exit 1; }
echo "documentation archive: $archive"
