// swift run -c release benchmark [--threads N] [--steps N] [--json]
//
// Times the workloads of the MNIST experiment: the GEMM kernel at 1024³ and at the CNN's shapes,
// conv2d forward and backward, and one REINFORCE training step (forward, sample, backward, Adam)
// of the CNN and of the MLP on the first MNIST training batch of 128; reports medians, images/s,
// throughput as a share of the FP32 FMA peak it measures first, and peak RSS.
// Scripts/pytorch_reference.py runs the same workloads in PyTorch right after this and prints
// the ratios.

import ExampleSupport
import Foundation
import MNISTReinforce
import NN

let usage = """
  usage: benchmark [--threads N] [--steps N] [--json] [--skip-gemm] [--skip-conv] [--models cnn,mlp]
                   [--workloads lstm,transformer,attention,overhead,gemm64]
    --threads N   compute threads (default: all cores)
    --steps N     timed training steps per model after warm-up (default 20)
    --json        print one JSON object instead of a table
    --skip-gemm   leave out the GEMM shapes
    --skip-conv   leave out the conv2d timings
    --models L    the training steps to time, comma-separated (default cnn,mlp)
    --workloads L the newer workloads, comma-separated (default all; `none` for none): lstm and
                  transformer language-model steps, attention, per-op overhead, float64 GEMM
  """

/// Median of `values`.
func median(_ values: [Double]) -> Double {
  let s = values.sorted()
  return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Milliseconds taken by each of `repeats` calls of `body`, after `warmup` untimed calls.
func time(repeats: Int, warmup: Int = 2, _ body: () -> Void) -> [Double] {
  for _ in 0..<warmup { body() }
  return (0..<repeats).map { _ in
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
  }
}

/// Minor page faults of this process so far.
func minorPageFaults() -> Int {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return usage.ru_minflt
}

/// Peak resident set size of this process in bytes.
func peakRSS() -> Int {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return usage.ru_maxrss * 1024
}

/// The multiply-add flops (2 per multiply-add) of one training step at `batch`: the forward
/// matrix products and convolutions, their weight gradients, and every input gradient except
/// the image's (it needs none).
func trainingStepFlops(_ model: PolicyModel, batch: Int) -> Double {
  let b = Double(batch)
  switch model {
  case .cnn:
    let conv1 = 2 * b * 32 * 26 * 26 * 9
    let conv2 = 2 * b * 64 * 24 * 24 * 288
    let fc1 = 2 * b * 9216 * 128
    let fc2 = 2 * b * 128 * 10
    return 2 * conv1 + 3 * (conv2 + fc1 + fc2)
  case .mlp:
    return 2 * (2 * b * 784 * 128) + 3 * (2 * b * 128 * 10)
  }
}

/// One REINFORCE step of the original experiment on a fixed batch.
func trainingStep(_ policy: Module, _ optimizer: Optimizer, _ x: Tensor, _ y: Tensor) {
  let m = Categorical(probs: policy(x))
  let action = m.sample()
  let reward = action.eq(y)
  let loss = (-m.logProb(action) * reward).mean()
  optimizer.zeroGrad()
  loss.backward()
  optimizer.step()
}

runCommandLine(usage: usage) {
  let args = try Arguments(
    Array(CommandLine.arguments.dropFirst()),
    valued: ["--threads", "--steps", "--models", "--workloads"],
    boolean: ["--json", "--skip-gemm", "--skip-conv", "--help"])
  if args.flag("--help") {
    print(usage)
    return
  }
  if args.values["--threads"] != nil {
    setNumThreads(try args.int("--threads", default: 1, in: 1...1024))
  }
  let steps = try args.int("--steps", default: 20, in: 1...10_000)
  var results: [String: Any] = ["threads": numThreads()]
  var lines = ["swift-autograd benchmark, \(numThreads()) thread(s)"]
  let peak = measureFMAPeak(threads: numThreads())
  results["fma_peak_gflops"] = peak.gflops
  lines.append(
    String(
      format: "FP32 FMA peak (measured, %d threads, %d-lane vectors): %.1f GFLOPS", numThreads(),
      peak.vectorLanes, peak.gflops))
  /// `gflops` as a percentage of the measured peak (`scale` 0.5 for float64: half the lanes).
  func percent(_ gflops: Double, scale: Double = 1) -> Double {
    100 * gflops / (peak.gflops * scale)
  }

  if !args.flag("--skip-gemm") {
    var gemm = [[String: Any]]()
    for r in runGEMMBenchmarks() {
      gemm.append([
        "name": r.name, "m": r.m, "n": r.n, "k": r.k, "gflops": r.gflops,
        "percent_of_peak": percent(r.gflops),
      ])
      lines.append(
        String(
          format: "gemm %-24@ %5d×%5d×%5d  %7.1f GFLOPS  %5.1f %% of peak", r.name as NSString,
          r.m, r.n, r.k, r.gflops, percent(r.gflops)))
    }
    results["gemm"] = gemm
  }

  let generator = Generator(seed: 1)
  var convs = [[String: Any]]()
  for (name, c, o, size) in [("conv1", 1, 32, 28), ("conv2", 32, 64, 26)]
  where !args.flag("--skip-conv") {
    let x = Tensor.randn([128, c, size, size], generator: generator).requiringGrad()
    let w = (Tensor.randn([o, c, 3, 3], generator: generator) * 0.1).requiringGrad()
    let b = Tensor.zeros([o]).requiringGrad()
    let forward = median(time(repeats: 10) { _ = noGrad { conv2d(x, weight: w, bias: b) } })
    let y = conv2d(x, weight: w, bias: b)
    let g = Tensor.ones(y.shape)
    let backward = median(
      time(repeats: 10) { y.backward(gradient: g, retainGraph: true) })
    convs.append(["name": name, "forward_ms": forward, "backward_ms": backward])
    lines.append(
      String(
        format: "%@ [128,%d,%d,%d]→%d: forward %.2f ms, backward %.2f ms", name, c, size, size, o,
        forward, backward))
  }
  results["conv2d"] = convs

  var training = [[String: Any]]()
  let names = (args.string("--models") ?? "cnn,mlp").split(separator: ",").map(String.init)
  for name in names {
    guard let model = PolicyModel(rawValue: name) else {
      throw UsageError("--models takes \(PolicyModel.spellings) (comma-separated), got '\(name)'")
    }
    manualSeed(0)
    let policy: Module = model == .cnn ? Policy() : MLPPolicy()
    let optimizer = Adam(policy.parameters())
    // The first training batch of the shipped MNIST (as the PyTorch reference uses), or noise
    // when the data is not found.
    let (x, y) =
      (try? MNIST(split: .train))?.batch(Array(0..<128)[...])
      ?? (
        Tensor.randn([128, 1, 28, 28], generator: generator),
        Tensor(shape: [128], indices: (0..<128).map { $0 % 10 })
      )
    for _ in 0..<3 { trainingStep(policy, optimizer, x, y) }
    let (faults, misses) = (minorPageFaults(), memoryStatistics().cacheMisses)
    let ms = median(time(repeats: steps, warmup: 0) { trainingStep(policy, optimizer, x, y) })
    let faultsPerStep = Double(minorPageFaults() - faults) / Double(steps)
    let missesPerStep = Double(memoryStatistics().cacheMisses - misses) / Double(steps)
    let gflops = trainingStepFlops(model, batch: 128) / ms / 1e6
    training.append([
      "model": model.rawValue, "median_ms": ms, "images_per_s": 128_000 / ms,
      "page_faults_per_step": faultsPerStep, "new_buffers_per_step": missesPerStep,
      "gflops": gflops, "percent_of_peak": percent(gflops),
    ])
    lines.append(
      String(
        format:
          "training step %@ (batch 128): median %.2f ms, %.0f images/s, %.1f GFLOPS (%.1f %% of peak); per step %.0f page faults, %.1f new buffers ≥ 32 KiB",
        model.rawValue, ms, 128_000 / ms, gflops, percent(gflops), faultsPerStep, missesPerStep))
  }
  results["training"] = training

  let known: Set<String> = ["lstm", "transformer", "attention", "overhead", "gemm64"]
  let selected = Set(
    (args.string("--workloads") ?? known.sorted().joined(separator: ",")).split(separator: ",")
      .map(String.init))
  if !selected.isSubset(of: known.union(["none"])) {
    throw UsageError(
      "--workloads takes \(known.sorted().joined(separator: ", ")) or none, got '\(args.string("--workloads")!)'"
    )
  }
  var workloads = [[String: Any]]()
  for r in runModelWorkloads(steps: steps, selected: selected) {
    var entry: [String: Any] = ["name": r.name, "median_ms": r.medianMs]
    var line = String(format: "%@: median %.2f ms, %@", r.name, r.medianMs, r.detail)
    if let flops = r.flops {
      let gflops = flops / r.medianMs / 1e6
      let share = percent(gflops, scale: r.isFloat64 ? 0.5 : 1)
      entry["gflops"] = gflops
      entry["percent_of_peak"] = share
      line += String(format: " (%.1f %% of the %@ peak)", share, r.isFloat64 ? "FP64" : "FP32")
    }
    workloads.append(entry)
    lines.append(line)
  }
  results["workloads"] = workloads
  results["peak_rss_bytes"] = peakRSS()
  lines.append(String(format: "peak RSS %.0f MB", Double(peakRSS()) / 1e6))

  if args.flag("--json") {
    let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
  } else {
    print(lines.joined(separator: "\n"))
  }
}
