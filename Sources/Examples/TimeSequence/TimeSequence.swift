import ExampleSupport
import Foundation
import NN

/// The settings of a run: pytorch/examples `time_sequence_prediction`'s flags and defaults,
/// except the number of LBFGS steps, cut to fit the gallery's budget (`--steps 15` is the
/// original).
public struct Options: Sendable {
  /// LBFGS steps (the original: 15).
  public var steps = 2
  /// Steps predicted past the end of each test sequence (1000, as the original).
  public var future = 1000
  /// The seed of the initial weights.
  public var seed: UInt64 = 0
  /// Where to save the initial weights (safetensors), so that the PyTorch twin starts from them.
  public var saveInitialPath: String?
  /// Where to write the CSV log, if anywhere.
  public var logPath: String?
  /// Where to write the prediction plot of the last step (SVG), if anywhere.
  public var plotPath: String?
  /// CPU threads for the kernels (nil: the library's default).
  public var threads: Int?

  /// The defaults.
  public init() {}

  /// The help text.
  public static let usage = """
    usage: time-sequence [options]

    pytorch/examples time_sequence_prediction: two LSTM cells (51 units) and a linear layer in
    float64 learn sine waves with LBFGS (lr 0.8), then predict 1000 steps past the end of three
    test waves. Prints `loss:` for every closure evaluation and `test loss:` after each step.

    options:
      --steps N             LBFGS steps (default 2; the original 15)
      --future N            steps predicted past the test sequences (default 1000)
      --seed N              seed of the initial weights (default 0)
      --save-initial FILE   save the initial weights (safetensors) for the PyTorch twin
      --log FILE.csv        write step, train_loss, test_loss, elapsed_seconds
      --plot FILE.svg       write the predictions of the last step
      --threads N           CPU threads for the kernels (default: all cores)
      --help                show this text
    """


  /// Parses `arguments` (without the program name); throws a ``UsageError`` naming the problem.
  public init(arguments: [String]) throws {
    let args = try Arguments(
      arguments,
      valued: ["--steps", "--future", "--seed", "--save-initial", "--log", "--plot", "--threads"],
      boolean: ["--help"])
    if let extra = args.positional.first { throw UsageError("unexpected argument '\(extra)'") }
    steps = try args.int("--steps", default: steps, in: 1...100_000)
    future = try args.int("--future", default: future, in: 0...1_000_000)
    seed = UInt64(try args.int("--seed", default: Int(seed), in: 0...Int.max))
    saveInitialPath = args.string("--save-initial")
    logPath = args.string("--log")
    plotPath = args.string("--plot")
    if args.values["--threads"] != nil {
      threads = try args.int("--threads", default: 1, in: 1...1024)
    }
  }
}

/// The original's `generate_sine_wave.py` data: 100 waves `sin((t + shift)/20)`, t in 0..<1000,
/// float64 [100, 1000]. The original draws the shifts with numpy's `RandomState(2)` in
/// [−80, 80); here they are the fixed sequence `(37·i + 11) mod 160 − 80` over the same range,
/// so that the PyTorch twin builds the same data without numpy's generator.
public func sineWaves(count: Int = 100, length: Int = 1000, period: Double = 20) -> Tensor {
  var values = [Double]()
  values.reserveCapacity(count * length)
  for i in 0..<count {
    let shift = Double((37 * i + 11) % 160 - 80)
    for t in 0..<length { values.append(sin((Double(t) + shift) / period)) }
  }
  return Tensor(shape: [count, length], scalars: values)
}

/// The original's `Sequence`: `lstm1` (LSTMCell 1 → 51), `lstm2` (51 → 51), `linear` (51 → 1).
public final class SequenceModel: Module, @unchecked Sendable {
  let lstm1 = LSTMCell(1, 51)
  let lstm2 = LSTMCell(51, 51)
  let linear = Linear(51, 1)

  /// The one-step predictions for every step of `input` [N, T], then `future` steps fed back
  /// from the model's own output: [N, T + future].
  public func predict(_ input: Tensor, future: Int = 0) -> Tensor {
    let n = input.shape[0]
    var state1 = (
      h: Tensor.zeros([n, 51], dtype: input.dtype), c: Tensor.zeros([n, 51], dtype: input.dtype)
    )
    var state2 = state1
    var outputs = [Tensor]()
    var output = Tensor.zeros([n, 1], dtype: input.dtype)
    for inputT in input.split(size: 1, dim: 1) {
      state1 = lstm1(inputT, state1)
      state2 = lstm2(state1.h, state2)
      output = linear(state2.h)
      outputs.append(output)
    }
    for _ in 0..<future {
      state1 = lstm1(output, state1)
      state2 = lstm2(state1.h, state2)
      output = linear(state2.h)
      outputs.append(output)
    }
    return Tensor.cat(outputs, dim: 1)
  }

  /// The one-step predictions of `input` [N, T].
  public override func forward(_ input: Tensor) -> Tensor { predict(input) }
}

/// One LBFGS step's losses.
public struct StepRow: Sendable {
  /// The step (0-based, as the original prints it).
  public var step: Int
  /// The training loss at the step's first evaluation.
  public var trainLoss: Double
  /// The test loss after the step.
  public var testLoss: Double
  /// Seconds since training started.
  public var elapsed: Double
}

/// Trains the model; `report` receives each printed line (the original's).
public func train(_ o: Options, report: (String) -> Void = { print($0) }) throws -> [StepRow] {
  if let threads = o.threads { setNumThreads(threads) }
  manualSeed(o.seed)
  let data = sineWaves()
  let input = data.slice(dim: 0, start: 3).slice(dim: 1, start: 0, end: 999)
  let target = data.slice(dim: 0, start: 3).slice(dim: 1, start: 1)
  let testInput = data.slice(dim: 0, start: 0, end: 3).slice(dim: 1, start: 0, end: 999)
  let testTarget = data.slice(dim: 0, start: 0, end: 3).slice(dim: 1, start: 1)
  let model = SequenceModel().double()
  if let path = o.saveInitialPath { try model.save(to: URL(fileURLWithPath: path)) }
  let optimizer = LBFGS(model.parameters(), learningRate: 0.8)
  var rows = [StepRow]()
  var prediction = Tensor.zeros([3, 999 + o.future], dtype: .float64)
  let start = Date()
  for i in 0..<o.steps {
    report("STEP:  \(i)")
    let first = optimizer.step {
      optimizer.zeroGrad()
      let loss = mseLoss(model(input), target)
      report("loss: \(loss.item())")
      loss.backward()
      return loss
    }
    prediction = noGrad { model.predict(testInput, future: o.future) }
    let testLoss = noGrad { mseLoss(prediction.slice(dim: 1, start: 0, end: 999), testTarget) }
      .item()
    report("test loss: \(testLoss)")
    rows.append(
      StepRow(
        step: i, trainLoss: first.item(), testLoss: testLoss,
        elapsed: Date().timeIntervalSince(start)))
  }
  if let path = o.logPath {
    var log = CSVLog(header: ["step", "train_loss", "test_loss", "elapsed_seconds"])
    for r in rows {
      log.append([
        String(r.step), String(r.trainLoss), String(r.testLoss), String(format: "%.3f", r.elapsed),
      ])
    }
    try log.write(to: URL(fileURLWithPath: path))
  }
  if let path = o.plotPath {
    let y = prediction.doubleScalars
    let width = prediction.shape[1]
    var series = [SVGChart.Series]()
    for k in 0..<3 {
      let row = Array(y[(k * width)..<((k + 1) * width)])
      series.append(
        .init(
          name: "wave \(k) (input part)", points: (0..<999).map { (Double($0), row[$0]) }, color: k)
      )
      series.append(
        .init(
          name: "wave \(k) (predicted)", points: (999..<width).map { (Double($0), row[$0]) },
          color: k, dashed: true))
    }
    try SVGChart(
      title: "Predict future values for time sequences (step \(o.steps - 1))", xLabel: "x",
      yLabel: "y",
      series: series, yRange: -1.5...1.5
    ).write(to: URL(fileURLWithPath: path))
  }
  return rows
}
