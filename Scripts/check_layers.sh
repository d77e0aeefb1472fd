#!/usr/bin/env bash
# Checks the layering rules the compiler alone does not enforce (run by .ci/run):
# - Autograd declares no `package` symbols, so NN (and everything above) can only use its public
#   API — `package` access would cross target boundaries inside this package;
# - only Autograd and the tests import AutogradKernels (SwiftPM lets a target import a transitive
#   dependency's module, so the manifest alone does not stop NN or an example from doing it);
# - ByteFormats and AutogradKernels import no module of this package.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
if grep -rnE '^\s*package (func|var|let|struct|class|enum|protocol|init|static|typealias|extension)' Sources/Autograd; then
  echo "layers: Sources/Autograd declares package symbols (NN must use its public API only)" >&2
  status=1
fi
if grep -rn 'import AutogradKernels' Sources --include=*.swift | grep -v '^Sources/Autograd/'; then
  echo "layers: only Autograd may import AutogradKernels" >&2
  status=1
fi
if grep -rnE 'import (Autograd|NN|AutogradKernels)$' Sources/ByteFormats Sources/AutogradKernels; then
  echo "layers: ByteFormats and AutogradKernels must not import this package's modules" >&2
  status=1
fi
[ "$status" = 0 ] && echo "layers: ok"
exit "$status"
