#!/usr/bin/env bash
# Builds and runs a small consumer package that depends on this repository BY VERSION, the way a
# user's Package.swift would (`.package(url:, from:)`): SwiftPM refuses unsafe build flags in a
# versioned dependency whose manifest declares a tools version below 6.2, so this is the test that
# the manifest keeps a versioned dependency working.
#
#   bash Scripts/check_versioned_dependency.sh
#
# It clones the committed HEAD into a temporary directory, tags the clone 100.0.0, writes the
# consumer (Autograd and NN through their public API: a model declared in main.swift handed to a
# background queue, a layer, a custom function, a gradient penalty with createGraph, an optimizer
# step) and builds it in debug (the point is resolution
# and compilation, not speed). Takes about two minutes on 2 cores; run once per CI run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

git clone -q "$root" "$work/swift-autograd"
git -C "$work/swift-autograd" -c user.name=ci -c user.email=ci@localhost tag -a 100.0.0 -m "versioned-dependency test"

mkdir -p "$work/consumer/Sources/consumer"
cat > "$work/consumer/Package.swift" <<MANIFEST
// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "consumer",
  dependencies: [.package(url: "file://$work/swift-autograd", from: "100.0.0")],
  targets: [
    .executableTarget(
      name: "consumer", dependencies: [.product(name: "NN", package: "swift-autograd")])
  ]
)
MANIFEST

cat > "$work/consumer/Sources/consumer/main.swift" <<'SWIFT'
import Dispatch
import NN
import Synchronization

/// A user's op with its own backward.
struct Square: DifferentiableFunction {
  func forward(_ ctx: inout FunctionContext, _ inputs: [Tensor]) -> Tensor {
    ctx.saveForBackward(inputs[0])
    return inputs[0] * inputs[0]
  }
  func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> [Tensor?] {
    [2 * gradOutput * ctx.savedTensors[0]]
  }
}

/// A user's model, declared in main.swift as a new user would (Swift 6 mode).
final class Net: Module {
  let fc1 = Linear(2, 4)
  let fc2 = Linear(4, 1)
  override func forward(_ input: Tensor) -> Tensor { fc2(fc1(input).relu()) }
}

manualSeed(0)
let net = Net()
let probe = Tensor.randn([3, 2])
let onMain = noGrad { net(probe) }.scalars
// Handed to a background queue with no nonisolated(unsafe): modules are Sendable.
let group = DispatchGroup()
let fromQueue = Mutex<[Float]>([])
DispatchQueue.global().async(group: group) {
  let y = noGrad { net(probe) }.scalars
  fromQueue.withLock { $0 = y }
}
group.wait()
guard fromQueue.withLock({ $0 }) == onMain else { fatalError("consumer: background forward differs") }
let critic = Linear(2, 1)
let optimizer = Adam(critic.parameters(), learningRate: 0.01)
let x = Tensor.randn([8, 2]).requiringGrad()
let gradients = grad([Square()(critic(x)).sum()], [x], createGraph: true)[0]!
let penalty = (gradients.pow(2).sum(dim: 1).sqrt() - 1).pow(2).mean()
penalty.backward()
let hasGradients = critic.parameters().allSatisfy { $0.grad != nil }
optimizer.step()
print("consumer ok: penalty \(penalty.item()), every parameter has a gradient: \(hasGradients)")
guard hasGradients, penalty.item().isFinite else { fatalError("consumer: unexpected result") }
SWIFT

cd "$work/consumer"
swift build 2>&1 | tail -n 3
output="$(swift run --skip-build consumer)"
echo "$output"
case "$output" in
  "consumer ok:"*"every parameter has a gradient: true") echo "versioned dependency: ok" ;;
  *) echo "versioned dependency: unexpected output" >&2; exit 1 ;;
esac
