import ExampleSupport
import Foundation
import MNISTReinforce
import NN
import Testing

/// The study's instruments: per-class logs, gradient statistics, the weighted cross-entropy
/// control, the initial state for the PyTorch twin, and the mean-curve and per-class charts.
@Suite("mnist-reinforce study instruments", .serialized)
struct StudyTests {
  static func temporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "study-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }

  static func options(steps: Int, fixed: Bool) -> Options {
    var o = Options()
    o.model = .mlp
    o.steps = steps
    o.seed = 5
    o.fixedBatch = fixed
    o.batchSize = 64
    return o
  }

  @Test("ClassStatistics counts, accuracies, mean π(y|x) and the confusion rows by hand")
  func classStatisticsByHand() {
    var p = [Double](repeating: 0, count: 30)
    // Image 0: class 3, answered 3 with 0.7. Image 1: class 3, answered 8 (π(3) = 0.2).
    // Image 2: class 5, answered 5 with 0.9.
    p[3] = 0.7
    p[8] = 0.3
    p[10 + 3] = 0.2
    p[10 + 8] = 0.8
    p[20 + 5] = 0.9
    p[20 + 1] = 0.1
    var s = ClassStatistics()
    s.add(
      probabilities: Tensor(shape: [3, 10], scalars: p.map(Float.init)),
      labels: Tensor(shape: [3], indices: [3, 3, 5]))
    #expect(s.count[3] == 2 && s.count[5] == 1 && s.count.reduce(0, +) == 3)
    #expect(s.accuracy(ofClass: 3) == 0.5 && s.accuracy(ofClass: 5) == 1)
    #expect(abs(s.meanLabelProbability(ofClass: 3) - 0.45) < 1e-6)
    #expect(s.predicted[3][3] == 1 && s.predicted[3][8] == 1 && s.predicted[5][5] == 1)
    #expect(abs(s.accuracy - 2.0 / 3) < 1e-12)
    let rows = s.rows(step: 7, set: .test)
    #expect(rows.count == 10 && rows.allSatisfy { $0.count == ClassStatistics.header.count })
    #expect(rows[3][0] == "7" && rows[3][1] == "test" && rows[3][3] == "2")
  }

  @Test("the sampled gradient with every action right and advantage 1 is the CE gradient")
  func gradientStatisticsAgreeWhenSamplesAreLabels() {
    Generator.withDefault(Generator(seed: 1)) {
      let policy = MLPPolicy()
      let x = Tensor.randn([8, 1, 28, 28])
      let labels = Tensor(shape: [8], indices: [0, 1, 2, 3, 4, 5, 6, 7])
      let m = Categorical(probs: policy(x))
      let s = GradientStatistics(
        distribution: m, action: labels, labels: labels, advantage: Tensor.ones([8]),
        parameters: policy.parameters())
      #expect(abs(s.cosineReinforceCrossEntropy - 1) < 1e-5)
      #expect(abs(s.reinforceNorm / s.crossEntropyNorm - 1) < 1e-5)
      // At initialisation π(y|x) ≈ 1/10, so the weighted gradient is about a tenth of CE's.
      #expect(
        s.weightedNorm < 0.2 * s.crossEntropyNorm && s.weightedNorm > 0.05 * s.crossEntropyNorm)
      #expect(s.cosineWeightedCrossEntropy > 0.9)
    }
  }

  @Test(
    "--grad-stats and --log-classes only observe: the run's parameters are bit for bit the same")
  func instrumentsDoNotPerturbTheRun() throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var progress = ProgressLine(total: 0)
    let plain = try Generator.withDefault(Generator(seed: 0)) {
      try runExperiment(Self.options(steps: 60, fixed: true), progress: &progress)
    }
    var o = Self.options(steps: 60, fixed: true)
    o.gradientLogPath = dir.appendingPathComponent("g.csv").path
    o.gradientStatisticsEvery = 20
    o.classLogPath = dir.appendingPathComponent("c.csv").path
    o.evalEvery = 30
    let observed = try Generator.withDefault(Generator(seed: 0)) {
      try runExperiment(o, progress: &progress)
    }
    for (a, b) in zip(plain.policy.namedParameters(), observed.policy.namedParameters()) {
      #expect(a.tensor.scalars == b.tensor.scalars, "\(a.name) differs")
    }
    let gradients = try CSVLog.read(from: URL(fileURLWithPath: o.gradientLogPath!))
    #expect(gradients.header == GradientStatistics.header)
    #expect(gradients.rows.map { $0[0] } == ["20", "40", "60"])
    for row in gradients.rows {
      let cosine = Double(row[1])!
      #expect(cosine > -1 && cosine <= 1 + 1e-9)
    }
    let classes = try CSVLog.read(from: URL(fileURLWithPath: o.classLogPath!))
    let batchRows = classes.rows.filter { $0[1] == "batch" }
    let testRows = classes.rows.filter { $0[1] == "test" }
    // The fixed batch at every report (20, 40, 60), the test set at every evaluation (30, 60).
    #expect(Set(batchRows.map { $0[0] }) == ["20", "40", "60"] && batchRows.count == 30)
    #expect(Set(testRows.map { $0[0] }) == ["30", "60"] && testRows.count == 20)
    let last = testRows.filter { $0[0] == "60" }
    #expect(last.map { Int($0[3])! }.reduce(0, +) == 10_000)
    let right = last.map { Double($0[3])! * Double($0[4])! }.reduce(0, +)
    #expect(abs(right / 10_000 - observed.testAccuracies.last!.accuracy) < 1e-9)
    // Each class's predicted counts add up to its count.
    for row in classes.rows { #expect(row[6...].map { Int($0)! }.reduce(0, +) == Int(row[3])!) }
  }

  @Test("π(y)-weighted cross-entropy parses, and learns the fixed batch faster than chance")
  func weightedCrossEntropyLearns() throws {
    #expect(
      try Options(arguments: ["--objective", "weighted-cross-entropy"]).objective
        == .weightedCrossEntropy)
    var o = Self.options(steps: 100, fixed: true)
    o.objective = .weightedCrossEntropy
    var progress = ProgressLine(total: 0)
    let result = try Generator.withDefault(Generator(seed: 0)) {
      try runExperiment(o, progress: &progress)
    }
    #expect(result.reports.first!.score < 0.7)
    #expect(result.reports.last!.score > 0.9, "\(result.reports.map(\.score))")
  }

  @Test("--save-initial holds the initial weights and every epoch's data order")
  func initialState() throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    // Batches of 6,000: ten steps to an epoch, so the eleventh is in the second.
    func run(steps: Int, _ name: String) throws -> [String: Tensor] {
      var o = Self.options(steps: steps, fixed: false)
      o.batchSize = 6000
      o.initialStatePath = dir.appendingPathComponent(name).path
      var progress = ProgressLine(total: 0)
      _ = try Generator.withDefault(Generator(seed: 0)) {
        try runExperiment(o, progress: &progress)
      }
      let (tensors, metadata) = try Safetensors.read(
        from: URL(fileURLWithPath: o.initialStatePath!))
      #expect(metadata["seed"] == "5" && metadata["model"] == "mlp" && metadata["step"] == "0")
      return tensors
    }
    let one = try run(steps: 1, "one.safetensors")
    // The same seed builds the same initial policy.
    let fresh = Generator.withDefault(Generator(seed: 0)) { () -> MLPPolicy in
      manualSeed(5)
      return MLPPolicy()
    }
    for (name, tensor) in fresh.stateDict() {
      #expect(one[name]?.scalars == tensor.scalars, "\(name)")
    }
    let order = try #require(one["data_order"])
    #expect(order.shape == [1, 60_000])
    #expect(Set(order.indices) == Set(0..<60_000))
    let two = try #require(try run(steps: 11, "two.safetensors")["data_order"])
    #expect(two.shape == [2, 60_000])
    #expect(Array(two.indices.prefix(60_000)) == order.indices, "epoch 0's order is the same")
    #expect(Array(two.indices.suffix(60_000)) != order.indices, "epoch 1 has its own order")
    #expect(Set(two.indices.suffix(60_000)) == Set(0..<60_000))
  }

  @Test("--init-weights starts from a checkpoint's policy, whatever objective it was saved with")
  func initialWeights() throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var first = Self.options(steps: 30, fixed: true)
    first.savePath = dir.appendingPathComponent("run.safetensors").path
    var progress = ProgressLine(total: 0)
    let trained = try Generator.withDefault(Generator(seed: 0)) {
      try runExperiment(first, progress: &progress)
    }
    var next = Self.options(steps: 1, fixed: true)
    next.objective = .weightedCrossEntropy
    next.seed = 9  // another seed would draw other initial weights
    next.initialWeightsPath = first.savePath
    next.learningRate = 1e-12  // one step that barely moves
    let continued = try Generator.withDefault(Generator(seed: 0)) {
      try runExperiment(next, progress: &progress)
    }
    for (a, b) in zip(trained.policy.namedParameters(), continued.policy.namedParameters()) {
      let gap = zip(a.tensor.scalars, b.tensor.scalars).map { Swift.abs($0 - $1) }.max()!
      #expect(gap < 1e-6, "\(a.name) moved by \(gap)")
    }
  }

  @Test("--init-weights with a missing or corrupt file throws an error naming the file")
  func initialWeightsBadFile() throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corrupt = dir.appendingPathComponent("corrupt.safetensors")
    try Data("not a safetensors file".utf8).write(to: corrupt)
    for path in [dir.appendingPathComponent("missing.safetensors").path, corrupt.path] {
      var o = Self.options(steps: 1, fixed: true)
      o.initialWeightsPath = path
      var progress = ProgressLine(total: 0)
      #expect {
        _ = try Generator.withDefault(Generator(seed: 0)) {
          try runExperiment(o, progress: &progress)
        }
      } throws: { error in
        "\(error)".contains(path)
      }
    }
  }

  @Test("an unwritable --log-classes, --grad-stats or --save-initial path throws naming the file")
  func unwritableOutputs() throws {
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("no-such-directory/out").path
    let settings: [(String, WritableKeyPath<Options, String?>)] = [
      ("--log-classes", \.classLogPath), ("--grad-stats", \.gradientLogPath),
      ("--save-initial", \.initialStatePath),
    ]
    for (flag, keyPath) in settings {
      var o = Self.options(steps: 1, fixed: true)
      o.gradientStatisticsEvery = 1
      o[keyPath: keyPath] = path
      var progress = ProgressLine(total: 0)
      #expect("\(flag) names the file") {
        _ = try Generator.withDefault(Generator(seed: 0)) {
          try runExperiment(o, progress: &progress)
        }
      } throws: { error in
        "\(error)".contains(path)
      }
    }
  }

  @Test("the study's flags parse, and a bad one names itself")
  func flags() throws {
    let o = try Options(arguments: [
      "--log-classes", "c.csv", "--grad-stats", "g.csv", "--grad-stats-every", "25",
      "--save-initial", "i.safetensors",
    ])
    #expect(o.classLogPath == "c.csv" && o.gradientLogPath == "g.csv")
    #expect(o.gradientStatisticsEvery == 25 && o.initialStatePath == "i.safetensors")
    #expect(
      try Options(arguments: ["--init-weights", "w.safetensors"]).initialWeightsPath
        == "w.safetensors")
    #expect {
      _ = try Options(arguments: ["--init-weights", "a", "--resume", "b"])
    } throws: { error in
      (error as? UsageError)?.message.contains("exclude each other") == true
    }
    #expect {
      _ = try Options(arguments: ["--grad-stats-every", "0"])
    } throws: { error in
      (error as? UsageError)?.message.contains("--grad-stats-every") == true
    }
    #expect {
      _ = try Options(arguments: ["--objective", "weighted"])
    } throws: { error in
      (error as? UsageError)?.message.contains("weighted-cross-entropy") == true
    }
  }

  @Test("mean curves: the mean and sample sd of each step over runs; charts draw every series")
  func charts() throws {
    let a: CSVTable = (["step", "score"], [["20", "0.2"], ["40", "0.4"]])
    let b: CSVTable = (["step", "score"], [["20", "0.4"], ["40", ""]])
    let (points, band) = try meanCurve([a, b], column: "score")
    #expect(points.map(\.0) == [20, 40])
    #expect(abs(points[0].1 - 0.3) < 1e-12 && abs(points[1].1 - 0.4) < 1e-12)
    #expect(abs(band[0].high - 0.3 - 0.02.squareRoot()) < 1e-12 && band[1].low == 0.4)
    let chart = try meanCurveChart(title: "t", groups: [("A", [a, b])], column: "score")
    #expect(chart.svg.contains("<polygon") && chart.svg.contains("A (2 runs)"))
    #expect(throws: UsageError.self) { try meanCurve([a], column: "loss") }

    var rows = [[String]]()
    for step in [20, 40] {
      var s = ClassStatistics()
      s.add(
        probabilities: Tensor(shape: [1, 10], scalars: [Float](repeating: 0.1, count: 10)),
        labels: Tensor(shape: [1], indices: [step == 20 ? 2 : 4]))
      rows += s.rows(step: step, set: .batch)
    }
    let classes = try classChart(
      title: "c", table: (ClassStatistics.header, rows), set: .batch)
    #expect(classes.series.count == 11 && classes.series[2].points.count == 2)
    #expect(classes.series[10].points.map(\.1) == [0, 0])
    #expect(throws: UsageError.self) {
      try classChart(title: "c", table: (ClassStatistics.header, rows), set: .test)
    }
  }
}
