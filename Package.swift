// swift-tools-version:6.0
import PackageDescription

/// Kernels are plain Swift loops; without a target-CPU setting Swift emits baseline x86-64 code
/// (no FMA, SSE2 only), which is up to 80× slower. See Documentation/Performance.md.
let fastMath: [SwiftSetting] = [
  .unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"], .when(platforms: [.linux]))
]

let package = Package(
  name: "swift-autograd",
  products: [
    .library(name: "Autograd", targets: ["Autograd"]),
    .library(name: "NN", targets: ["NN"]),
  ],
  targets: [
    .target(name: "Autograd", swiftSettings: fastMath),
    .target(name: "NN", dependencies: ["Autograd"], swiftSettings: fastMath),
    .testTarget(name: "AutogradTests", dependencies: ["Autograd"], swiftSettings: fastMath),
    .testTarget(
      name: "NNTests", dependencies: ["NN", "Autograd"], exclude: ["Fixtures"],
      swiftSettings: fastMath),
  ],
  swiftLanguageModes: [.v6]
)
