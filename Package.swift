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
    .executable(name: "mnist-reinforce", targets: ["mnist-reinforce"]),
    .executable(name: "benchmark", targets: ["benchmark"]),
  ],
  targets: [
    .target(name: "Autograd", swiftSettings: fastMath),
    .target(name: "NN", dependencies: ["Autograd"], swiftSettings: fastMath),
    .target(
      name: "ExampleSupport", dependencies: ["NN"], path: "Sources/Examples/ExampleSupport",
      swiftSettings: fastMath),
    .target(
      name: "MNISTReinforce", dependencies: ["NN", "ExampleSupport"],
      path: "Sources/Examples/MNISTReinforce", swiftSettings: fastMath),
    .executableTarget(
      name: "mnist-reinforce", dependencies: ["MNISTReinforce", "ExampleSupport", "NN"],
      path: "Sources/Examples/mnist-reinforce", swiftSettings: fastMath),
    .executableTarget(
      name: "benchmark", dependencies: ["MNISTReinforce", "ExampleSupport", "NN"],
      path: "Sources/Examples/benchmark", swiftSettings: fastMath),
    .testTarget(name: "AutogradTests", dependencies: ["Autograd"], swiftSettings: fastMath),
    .testTarget(
      name: "NNTests", dependencies: ["NN", "Autograd"], exclude: ["Fixtures"],
      swiftSettings: fastMath),
    .testTarget(
      name: "ExamplesTests", dependencies: ["MNISTReinforce", "ExampleSupport", "NN"],
      swiftSettings: fastMath),
  ],
  swiftLanguageModes: [.v6]
)
