import ExampleSupport
import Foundation
import NN

/// What a run measured.
public struct RunResult {
  /// `(step, average score over the report interval, average loss)` for each report.
  public var reports: [(step: Int, score: Double, loss: Double)] = []
  /// `(step, accuracy)` for each test evaluation.
  public var testAccuracies: [(step: Int, accuracy: Double)] = []
  /// The policy after the last step.
  public var policy: Module
  /// Wall-clock seconds of the run.
  public var seconds: Double = 0
}

/// A seed for step `step` of run `seed` (SplitMix64 of both), so that a resumed run draws exactly
/// what an uninterrupted one would.
func mix(_ seed: UInt64, _ stream: UInt64, _ step: Int) -> UInt64 {
  var z = seed &* 0x9E37_79B9_7F4A_7C15 &+ stream &* 0xBF58_476D_1CE4_E5B9 &+ UInt64(step)
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

/// Test accuracy of the greedy policy (argmax π) on `data`.
public func testAccuracy(_ policy: Module, on data: MNIST) -> Double {
  classStatistics(policy, on: data).accuracy
}

/// Trains a policy on MNIST as the original script did, with the options' variations, printing
/// `step N, avg score S` every 20 steps through `progress`.
public func runExperiment(_ o: Options, progress: inout ProgressLine) throws -> RunResult {
  if let threads = o.threads { setNumThreads(threads) }
  let directory = o.dataDirectory.map { URL(fileURLWithPath: $0) }
  let train = try MNIST(split: .train, directory: directory)
  let test = try MNIST(split: .test, directory: directory)

  manualSeed(o.seed)
  let policy: Module = o.model == .cnn ? Policy() : MLPPolicy()
  let optimizer = Adam(policy.parameters(), learningRate: o.learningRate)
  var first = 1
  if let path = o.initialWeightsPath {
    let saved = try Safetensors.read(from: URL(fileURLWithPath: path)).tensors
    let names = Set(policy.stateDict().keys)
    try policy.loadStateDict(saved.filter { names.contains($0.key) }, source: path)
  }
  if let resume = o.resumePath {
    let metadata = try loadCheckpoint(
      model: policy, optimizer: optimizer, from: URL(fileURLWithPath: resume))
    guard let step = metadata["step"].flatMap(Int.init) else {
      throw CheckpointError(source: resume, "no 'step' in the checkpoint's metadata")
    }
    for key in ["model", "objective", "baseline", "batch-size", "seed", "fixed-batch"] {
      if let saved = metadata[key], saved != o.metadataValue(key) {
        throw CheckpointError(
          source: resume, "saved with --\(key) \(saved), but this run has \(o.metadataValue(key))")
      }
    }
    first = step + 1
  }

  var result = RunResult(policy: policy)
  var log = CSVLog(header: ["step", "score", "loss", "test_accuracy", "elapsed_seconds"])
  var classLog = CSVLog(header: ClassStatistics.header)
  var gradientLog = CSVLog(header: GradientStatistics.header)
  let fixed = DataLoader(train, batchSize: o.batchSize).makeIterator().next()!
  let batchesPerEpoch = train.count / o.batchSize
  if let path = o.initialStatePath {
    try saveInitialState(policy, o, train: train, to: URL(fileURLWithPath: path))
  }
  var batches: DataLoader.Iterator?
  var (scoreSum, lossSum, count) = (0.0, 0.0, 0)

  func save(_ step: Int) throws {
    guard let path = o.savePath else { return }
    try saveCheckpoint(
      model: policy, optimizer: optimizer, metadata: o.metadata(step: step),
      to: URL(fileURLWithPath: path))
  }

  for step in first...max(first, o.steps) where step <= o.steps {
    // Every random draw of this step comes from seeds fixed by (seed, step): dropout masks and
    // sampled actions from the default generator, the data order from the epoch's generator.
    manualSeed(mix(o.seed, 1, step))
    let (x, y): (Tensor, Tensor)
    if o.fixedBatch {
      (x, y) = fixed
    } else {
      let epoch = (step - 1) / batchesPerEpoch
      let position = (step - 1) % batchesPerEpoch
      if position == 0 || batches == nil {
        let loader = DataLoader(
          train, batchSize: o.batchSize, shuffle: true, dropLast: true,
          generator: Generator(seed: mix(o.seed, 2, epoch)))
        batches = loader.makeIterator()
        for _ in 0..<position { _ = batches!.next() }
      }
      (x, y) = batches!.next()!
    }

    // The original step: probs = policy(x); a ~ Categorical(probs); r = [a == y];
    // loss = mean(−log π(a|x) · r); backward; Adam step.
    let probs = policy(x)
    let m = Categorical(probs: probs)
    let action = m.sample()
    let reward = action.eq(y)
    let advantage = o.baseline == .mean ? reward - reward.mean() : reward
    let loss: Tensor
    switch o.objective {
    case .reinforce: loss = (-m.logProb(action) * advantage).mean()
    case .crossEntropy: loss = -m.logProb(y).mean()
    case .weightedCrossEntropy:
      // −sg(π(y|x))·log π(y|x): the gradient is π(y|x)·∇(−log π(y|x)), REINFORCE's expectation.
      let logPy = m.logProb(y)
      loss = (-(logPy.exp().detached() * logPy)).mean()
    }
    if o.gradientLogPath != nil && step % o.gradientStatisticsEvery == 0 {
      let statistics = GradientStatistics(
        distribution: m, action: action, labels: y, advantage: advantage,
        parameters: policy.parameters())
      gradientLog.append(statistics.row(step: step))
      try gradientLog.write(to: URL(fileURLWithPath: o.gradientLogPath!))
    }
    optimizer.zeroGrad()
    loss.backward()
    optimizer.step()

    scoreSum += reward.mean().item()
    lossSum += loss.item()
    count += 1
    progress.update(step: step, done: step - first + 1)
    var accuracy: Double?
    if (o.evalEvery > 0 && step % o.evalEvery == 0) || step == o.steps {
      if o.classLogPath != nil {
        let statistics = classStatistics(policy, on: test)
        accuracy = statistics.accuracy
        classLog.append(contentsOf: statistics.rows(step: step, set: .test))
      } else {
        accuracy = testAccuracy(policy, on: test)
      }
      result.testAccuracies.append((step, accuracy!))
    }
    if let path = o.classLogPath, o.fixedBatch, step % o.reportEvery == 0 || step == o.steps {
      let statistics = classStatistics(policy, images: fixed.inputs, labels: fixed.targets)
      classLog.append(contentsOf: statistics.rows(step: step, set: .batch))
      try classLog.write(to: URL(fileURLWithPath: path))
    } else if let path = o.classLogPath, accuracy != nil {
      try classLog.write(to: URL(fileURLWithPath: path))
    }
    if step % o.reportEvery == 0 || step == o.steps {
      let score = scoreSum / Double(count)
      let meanLoss = lossSum / Double(count)
      result.reports.append((step, score, meanLoss))
      progress.log("step \(step), avg score \(score)")
      log.append([
        String(step), String(score), String(meanLoss), accuracy.map { String($0) } ?? "",
        String(format: "%.2f", progress.elapsed),
      ])
      if let path = o.logPath { try log.write(to: URL(fileURLWithPath: path)) }
      (scoreSum, lossSum, count) = (0, 0, 0)
    } else if let accuracy {
      log.append(["\(step)", "", "", "\(accuracy)", String(format: "%.2f", progress.elapsed)])
    }
    if let accuracy, step != o.steps { progress.log("step \(step), test accuracy \(accuracy)") }
    if o.saveEvery > 0 && step % o.saveEvery == 0 { try save(step) }
  }
  try save(o.steps)
  if let path = o.plotPath {
    try learningCurve(
      title: "MNIST REINFORCE (\(o.model.rawValue), \(o.objective.rawValue))", logs: [("run", log)]
    )
    .write(to: URL(fileURLWithPath: path))
  }
  result.seconds = progress.elapsed
  return result
}

/// Writes the initial weights of `policy` and, for a shuffled run, the data order of every epoch
/// the run will visit (`data_order`, int64 [epochs, examples]) to a safetensors file, with the
/// run's settings in its metadata.
func saveInitialState(_ policy: Module, _ o: Options, train: MNIST, to url: URL) throws {
  var tensors = policy.stateDict()
  if !o.fixedBatch {
    let batchesPerEpoch = train.count / o.batchSize
    let epochs = (o.steps + batchesPerEpoch - 1) / batchesPerEpoch
    var order = [Int]()
    for epoch in 0..<epochs {
      let loader = DataLoader(
        train, batchSize: o.batchSize, shuffle: true, dropLast: true,
        generator: Generator(seed: mix(o.seed, 2, epoch)))
      order += loader.makeIterator().order
    }
    tensors["data_order"] = Tensor(shape: [epochs, train.count], indices: order)
  }
  try Safetensors.write(tensors, metadata: o.metadata(step: 0), to: url)
}

extension Options {
  /// The settings a resumed run must share with the saved one.
  func metadataValue(_ key: String) -> String {
    switch key {
    case "model": model.rawValue
    case "objective": objective.rawValue
    case "baseline": baseline.rawValue
    case "batch-size": String(batchSize)
    case "seed": String(seed)
    case "fixed-batch": String(fixedBatch)
    default: ""
    }
  }

  /// The checkpoint metadata for a save after `step`.
  func metadata(step: Int) -> [String: String] {
    var m = ["step": String(step)]
    for key in ["model", "objective", "baseline", "batch-size", "seed", "fixed-batch"] {
      m[key] = metadataValue(key)
    }
    return m
  }
}

/// A learning-curve chart of the score (and test accuracy, where logged) of one or more CSV logs.
public func learningCurve(title: String, logs: [(name: String, log: CSVLog)]) -> SVGChart {
  var series = [SVGChart.Series]()
  for (index, (name, log)) in logs.enumerated() {
    let rows = log.rows
    let score = rows.compactMap { r -> (Double, Double)? in
      guard let s = Double(r[0]), let v = Double(r[1]) else { return nil }
      return (s, v)
    }
    let accuracy = rows.compactMap { r -> (Double, Double)? in
      guard let s = Double(r[0]), let v = Double(r[3]) else { return nil }
      return (s, v)
    }
    if !score.isEmpty {
      series.append(.init(name: "\(name): train score", points: score, color: index))
    }
    if !accuracy.isEmpty {
      series.append(
        .init(name: "\(name): test accuracy", points: accuracy, color: index, dashed: true))
    }
  }
  return SVGChart(
    title: title, xLabel: "step", yLabel: "avg score / accuracy", series: series, yRange: 0...1)
}
