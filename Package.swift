// swift-tools-version:6.2
import Foundation
import PackageDescription

/// Whether the build machine supports the AVX-512 subset the GEMM kernel uses (Linux only).
/// Set AUTOGRAD_NO_AVX512=1 to build the AVX2 kernel anyway, e.g. for an older target CPU.
let buildHostHasAVX512: Bool = {
  if ProcessInfo.processInfo.environment["AUTOGRAD_NO_AVX512"] != nil { return false }
  guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
    let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
  else { return false }
  let flags = Set(flagsLine.split(separator: " ").map(String.init))
  return ["avx512f", "avx512vl", "avx512bw", "avx512dq"].allSatisfy(flags.contains)
}()

/// Kernels are plain Swift loops; without a target-CPU setting Swift emits baseline x86-64 code
/// (no FMA, SSE2 only), which is up to 80× slower. AVX2+FMA always (the project's minimum CPU),
/// AVX-512 when the build machine has it. `-fno-math-errno` lets `squareRoot()` (a C shim on
/// Linux) become a vector instruction instead of a per-lane call that may set errno; the result
/// is the same IEEE square root. See Documentation/Performance.md.
let fastMath: [SwiftSetting] =
  buildHostHasAVX512
  ? [
    .unsafeFlags(
      [
        "-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mavx512f", "-Xcc", "-mavx512vl",
        "-Xcc", "-mavx512bw", "-Xcc", "-mavx512dq", "-Xcc", "-fno-math-errno",
      ],
      .when(platforms: [.linux])),
    .define("AUTOGRAD_AVX512", .when(platforms: [.linux])),
  ]
  : [
    .unsafeFlags(
      ["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-fno-math-errno"], .when(platforms: [.linux]))
  ]

let package = Package(
  name: "swift-autograd",
  products: [
    .library(name: "Autograd", targets: ["Autograd"]),
    .library(name: "NN", targets: ["NN"]),
    .library(name: "ByteFormats", targets: ["ByteFormats"]),
    .executable(name: "mnist-reinforce", targets: ["mnist-reinforce"]),
    .executable(name: "cartpole-reinforce", targets: ["cartpole-reinforce"]),
    .executable(name: "actor-critic", targets: ["actor-critic"]),
    .executable(name: "wgan-gp", targets: ["wgan-gp"]),
    .executable(name: "vae", targets: ["vae"]),
    .executable(name: "time-sequence", targets: ["time-sequence"]),
    .executable(name: "word-language-model", targets: ["word-language-model"]),
    .executable(name: "benchmark", targets: ["benchmark"]),
  ],
  targets: [
    // Raw loops on buffers (GEMM, im2col, reductions, the thread pool, the buffer cache); they
    // know nothing of tensors or the tape. An implementation detail of Autograd.
    // Its generic kernels are `@inlinable public`, so that Autograd specialises them (an
    // unspecialised kernel is ten times slower); it is not a product.
    .target(name: "AutogradKernels", swiftSettings: fastMath),
    // Tensors, ops and the tape, on the kernels.
    .target(name: "Autograd", dependencies: ["AutogradKernels"], swiftSettings: fastMath),
    // General byte formats (gzip/inflate, CRC-32, Huffman codes, IDX); no tensors.
    .target(name: "ByteFormats"),
    // Modules, layers, losses, optimizers, checkpoints, datasets: Autograd's public API only.
    .target(name: "NN", dependencies: ["Autograd", "ByteFormats"], swiftSettings: fastMath),
    .target(
      name: "ExampleSupport", dependencies: ["NN"], path: "Sources/Examples/ExampleSupport",
      swiftSettings: fastMath),
    .target(
      name: "MNISTReinforce", dependencies: ["NN", "ExampleSupport"],
      path: "Sources/Examples/MNISTReinforce", swiftSettings: fastMath),
    .executableTarget(
      name: "mnist-reinforce", dependencies: ["MNISTReinforce", "ExampleSupport", "NN"],
      path: "Sources/Examples/mnist-reinforce", swiftSettings: fastMath),
    .target(
      name: "Environments", dependencies: ["NN"], path: "Sources/Examples/Environments",
      swiftSettings: fastMath),
    .target(
      name: "ActorCritic", dependencies: ["NN", "ExampleSupport", "Environments"],
      path: "Sources/Examples/ActorCritic", swiftSettings: fastMath),
    .executableTarget(
      name: "actor-critic", dependencies: ["ActorCritic", "ExampleSupport"],
      path: "Sources/Examples/actor-critic", swiftSettings: fastMath),
    .target(
      name: "WGANGP", dependencies: ["NN", "ExampleSupport"], path: "Sources/Examples/WGANGP",
      swiftSettings: fastMath),
    .executableTarget(
      name: "wgan-gp", dependencies: ["WGANGP", "ExampleSupport"],
      path: "Sources/Examples/wgan-gp", swiftSettings: fastMath),
    .target(
      name: "VAEExample", dependencies: ["NN", "ExampleSupport"], path: "Sources/Examples/VAE",
      swiftSettings: fastMath),
    .executableTarget(
      name: "vae", dependencies: ["VAEExample", "ExampleSupport"], path: "Sources/Examples/vae",
      swiftSettings: fastMath),
    .target(
      name: "TimeSequence", dependencies: ["NN", "ExampleSupport"],
      path: "Sources/Examples/TimeSequence", swiftSettings: fastMath),
    .executableTarget(
      name: "time-sequence", dependencies: ["TimeSequence", "ExampleSupport"],
      path: "Sources/Examples/time-sequence", swiftSettings: fastMath),
    .target(
      name: "WordLanguageModel", dependencies: ["NN", "ExampleSupport"],
      path: "Sources/Examples/WordLanguageModel", swiftSettings: fastMath),
    .executableTarget(
      name: "word-language-model", dependencies: ["WordLanguageModel", "ExampleSupport"],
      path: "Sources/Examples/word-language-model", swiftSettings: fastMath),
    .target(
      name: "CartPoleReinforce", dependencies: ["NN", "ExampleSupport", "Environments"],
      path: "Sources/Examples/CartPoleReinforce", swiftSettings: fastMath),
    .executableTarget(
      name: "cartpole-reinforce", dependencies: ["CartPoleReinforce", "ExampleSupport", "NN"],
      path: "Sources/Examples/cartpole-reinforce", swiftSettings: fastMath),
    .executableTarget(
      name: "benchmark", dependencies: ["MNISTReinforce", "ExampleSupport", "NN"],
      path: "Sources/Examples/benchmark", swiftSettings: fastMath),
    .testTarget(
      name: "AutogradTests", dependencies: ["Autograd", "AutogradKernels"], swiftSettings: fastMath),
    .testTarget(
      name: "NNTests", dependencies: ["NN", "Autograd", "ByteFormats"], exclude: ["Fixtures"],
      swiftSettings: fastMath),
    .testTarget(
      name: "ExamplesTests",
      dependencies: [
        "MNISTReinforce", "CartPoleReinforce", "ActorCritic", "WGANGP", "VAEExample", "TimeSequence", "WordLanguageModel", "Environments", "ExampleSupport", "NN",
      ],
      swiftSettings: fastMath),
  ],
  swiftLanguageModes: [.v6]
)
