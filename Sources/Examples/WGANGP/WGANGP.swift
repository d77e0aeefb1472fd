import ExampleSupport
import Foundation
import NN

/// The settings of a run: the toy experiment of Gulrajani et al. 2017 (`gan_toy.py`, eight
/// Gaussians), with its hyperparameters, except the width and the number of iterations, cut to
/// fit the gallery's two-minute budget (`--hidden 512 --steps 100000` is the original).
public struct Options: Sendable {
  /// Generator iterations (the original: 100,000).
  public var steps = 3000
  /// Hidden width of both networks (the original: 512).
  public var hidden = 128
  /// Critic iterations per generator iteration.
  public var criticIterations = 5
  /// The gradient-penalty weight λ (0.1 for the toy datasets).
  public var lambda = 0.1
  /// Points per batch.
  public var batchSize = 256
  /// Adam's learning rate (β = (0.5, 0.9)).
  public var learningRate = 1e-4
  /// The seed of the weights, the data and the noise.
  public var seed: UInt64 = 0
  /// Iterations between printed lines and log rows.
  public var logEvery = 100
  /// Where to write the CSV log, if anywhere.
  public var logPath: String?
  /// Where to write the scatter plot of real and generated points (SVG), if anywhere.
  public var plotPath: String?
  /// CPU threads for the kernels (nil: the library's default).
  public var threads: Int?

  /// The defaults.
  public init() {}

  /// The help text.
  public static let usage = """
    usage: wgan-gp [options]

    WGAN with gradient penalty (Gulrajani et al. 2017) on a mixture of eight Gaussians: MLP
    generator and critic (3 hidden ReLU layers), 5 critic steps per generator step, λ = 0.1,
    Adam(1e-4, β = (0.5, 0.9)). Reports how many of the eight modes the samples cover and their
    mean distance to the nearest mode.

    options:
      --steps N          generator iterations (default 3000; the original 100000)
      --hidden N         hidden width (default 128; the original 512)
      --critic-iters N   critic iterations per generator iteration (default 5)
      --lambda X         gradient-penalty weight (default 0.1)
      --batch-size N     points per batch (default 256)
      --lr X             Adam learning rate (default 0.0001)
      --seed N           random seed (default 0)
      --log-every N      iterations between printed lines (default 100)
      --log FILE.csv     write step, critic_cost, wasserstein, generator_cost, modes,
                         mean_distance, elapsed_seconds
      --plot FILE.svg    write a scatter plot of real and generated points
      --threads N        CPU threads for the kernels (default: all cores)
      --help             show this text
    """


  /// Parses `arguments` (without the program name); throws a ``UsageError`` naming the problem.
  public init(arguments: [String]) throws {
    let args = try Arguments(
      arguments,
      valued: [
        "--steps", "--hidden", "--critic-iters", "--lambda", "--batch-size", "--lr", "--seed",
        "--log-every", "--log", "--plot", "--threads",
      ], boolean: ["--help"])
    if let extra = args.positional.first { throw UsageError("unexpected argument '\(extra)'") }
    steps = try args.int("--steps", default: steps, in: 1...10_000_000)
    hidden = try args.int("--hidden", default: hidden, in: 1...65536)
    criticIterations = try args.int("--critic-iters", default: criticIterations, in: 1...100)
    lambda = try args.double("--lambda", default: lambda, in: 0...1e6)
    batchSize = try args.int("--batch-size", default: batchSize, in: 1...1_000_000)
    learningRate = try args.double("--lr", default: learningRate, in: 1e-10...10)
    seed = UInt64(try args.int("--seed", default: Int(seed), in: 0...Int.max))
    logEvery = try args.int("--log-every", default: logEvery, in: 1...10_000_000)
    logPath = args.string("--log")
    plotPath = args.string("--plot")
    if args.values["--threads"] != nil {
      threads = try args.int("--threads", default: 1, in: 1...1024)
    }
  }
}

/// The eight centres: the unit circle at multiples of 45°, times 2, divided by 1.414 (as
/// `gan_toy.py` scales its data).
public let modeCentres: [(Double, Double)] = [
  (1, 0), (-1, 0), (0, 1), (0, -1), (0.5.squareRoot(), 0.5.squareRoot()),
  (0.5.squareRoot(), -(0.5.squareRoot())), (-(0.5.squareRoot()), 0.5.squareRoot()),
  (-(0.5.squareRoot()), -(0.5.squareRoot())),
].map { (2 * $0.0 / 1.414, 2 * $0.1 / 1.414) }

/// A batch of the mixture: a random centre plus N(0, 0.02²) noise per point, divided by 1.414.
public func eightGaussians(_ n: Int, generator: Generator) -> Tensor {
  let noise = Tensor.randn([n, 2], generator: generator).scalars
  let picks = Tensor.rand([n], generator: generator).scalars.map { min(Int($0 * 8), 7) }
  var values = [Float](repeating: 0, count: 2 * n)
  for i in 0..<n {
    values[2 * i] = Float(modeCentres[picks[i]].0) + noise[2 * i] * 0.02 / 1.414
    values[2 * i + 1] = Float(modeCentres[picks[i]].1) + noise[2 * i + 1] * 0.02 / 1.414
  }
  return Tensor(shape: [n, 2], scalars: values)
}

/// An MLP 2 → hidden → hidden → hidden → `outputs` with ReLU, weights N(0, 0.02²) and zero
/// biases (`gan_toy.py`'s `weights_init`).
public func toyMLP(hidden: Int, outputs: Int) -> Sequential {
  let net = Sequential {
    Linear(2, hidden)
    ReLU()
    Linear(hidden, hidden)
    ReLU()
    Linear(hidden, hidden)
    ReLU()
    Linear(hidden, outputs)
  }
  net.apply { module in
    guard let linear = module as? Linear else { return }
    noGrad {
      linear.weight.assign(Tensor.normal(linear.weight.shape, mean: 0, std: 0.02))
      linear.bias?.assign(Tensor.zeros(linear.bias!.shape))
    }
  }
  return net
}

/// How well samples cover the mixture: the modes that receive at least 1 % of the samples within
/// 0.1 of their centre (about seven standard deviations), and the mean distance of the samples to
/// their nearest centre.
public func modeCoverage(_ samples: Tensor) -> (modes: Int, meanDistance: Double) {
  let v = samples.doubleScalars
  let n = samples.shape[0]
  var hits = [Int](repeating: 0, count: 8)
  var total = 0.0
  for i in 0..<n {
    let d = modeCentres.map { c in
      ((v[2 * i] - c.0) * (v[2 * i] - c.0) + (v[2 * i + 1] - c.1) * (v[2 * i + 1] - c.1))
        .squareRoot()
    }
    let best = d.enumerated().min { $0.1 < $1.1 }!
    total += best.1
    if best.1 < 0.1 { hits[best.0] += 1 }
  }
  return (hits.filter { Double($0) >= 0.01 * Double(n) }.count, total / Double(n))
}

/// One logged point of training.
public struct LogRow: Sendable {
  /// The generator iteration (1-based).
  public var step: Int
  /// The critic's cost D(fake) − D(real) + penalty, at its last iteration.
  public var criticCost: Double
  /// The estimate D(real) − D(fake) of the Wasserstein distance.
  public var wasserstein: Double
  /// The generator's cost −D(G(z)).
  public var generatorCost: Double
  /// Modes covered by 2,500 samples.
  public var modes: Int
  /// Their mean distance to the nearest centre.
  public var meanDistance: Double
  /// Seconds since training started.
  public var elapsed: Double
}

/// Trains the WGAN-GP; `report` receives each printed line.
public func train(_ o: Options, report: (String) -> Void = { print($0) }) throws -> [LogRow] {
  if let threads = o.threads { setNumThreads(threads) }
  manualSeed(o.seed)
  let data = Generator(seed: o.seed &+ 1)
  let generator = toyMLP(hidden: o.hidden, outputs: 2)
  let critic = toyMLP(hidden: o.hidden, outputs: 1)
  let optimizerD = Adam(critic.parameters(), learningRate: o.learningRate, betas: (0.5, 0.9))
  let optimizerG = Adam(generator.parameters(), learningRate: o.learningRate, betas: (0.5, 0.9))
  let fixedNoise = Tensor.randn([2500, 2], generator: Generator(seed: o.seed &+ 2))
  var rows = [LogRow]()
  var progress = ProgressLine(total: o.steps)
  let start = Date()
  for step in 1...o.steps {
    critic.requiresGrad(true)
    var criticCost = 0.0
    var wasserstein = 0.0
    for _ in 0..<o.criticIterations {
      let real = eightGaussians(o.batchSize, generator: data)
      optimizerD.zeroGrad()
      let dReal = critic(real).mean()
      let fake = noGrad { generator(Tensor.randn([o.batchSize, 2])) }
      let dFake = critic(fake).mean()
      // The gradient penalty at random interpolates, differentiated again (createGraph).
      let alpha = Tensor.rand([o.batchSize, 1])
      let interpolates = (alpha * real + (1 - alpha) * fake).requiringGrad()
      let gradients = grad(
        [critic(interpolates).reshape([-1])], [interpolates],
        gradOutputs: [Tensor.ones([o.batchSize])], createGraph: true)[0]!
      let penalty = (gradients.norm(dims: [1]) - 1).pow(2).mean() * o.lambda
      let cost = dFake - dReal + penalty
      cost.backward()
      optimizerD.step()
      criticCost = cost.item()
      wasserstein = (dReal - dFake).item()
    }
    critic.requiresGrad(false)  // frozen: the generator step leaves no gradient on the critic
    optimizerG.zeroGrad()
    let generatorCost = -critic(generator(Tensor.randn([o.batchSize, 2]))).mean()
    generatorCost.backward()
    optimizerG.step()
    progress.update(step: step, done: step, extra: String(format: "W %.4f", wasserstein))
    if step % o.logEvery == 0 || step == o.steps {
      let (modes, distance) = modeCoverage(noGrad { generator(fixedNoise) })
      let row = LogRow(
        step: step, criticCost: criticCost, wasserstein: wasserstein,
        generatorCost: generatorCost.item(), modes: modes, meanDistance: distance,
        elapsed: Date().timeIntervalSince(start))
      rows.append(row)
      progress.finish()
      report(
        String(
          format:
            "iteration %d: critic cost %.4f, Wasserstein estimate %.4f, generator cost %.4f, modes %d/8, mean distance %.4f",
          step, row.criticCost, row.wasserstein, row.generatorCost, modes, distance))
    }
  }
  progress.finish()
  if let path = o.logPath {
    var log = CSVLog(header: [
      "step", "critic_cost", "wasserstein", "generator_cost", "modes", "mean_distance",
      "elapsed_seconds",
    ])
    for r in rows {
      log.append([
        String(r.step), String(r.criticCost), String(r.wasserstein), String(r.generatorCost),
        String(r.modes),
        String(r.meanDistance), String(format: "%.3f", r.elapsed),
      ])
    }
    try log.write(to: URL(fileURLWithPath: path))
  }
  if let path = o.plotPath {
    let real = eightGaussians(1000, generator: Generator(seed: 99)).doubleScalars
    let fake = noGrad { generator(fixedNoise) }.doubleScalars
    func points(_ v: [Double], _ n: Int) -> [(Double, Double)] {
      (0..<n).map { (v[2 * $0], v[2 * $0 + 1]) }
    }
    try SVGChart(
      title: "WGAN-GP on eight Gaussians (seed \(o.seed), \(o.steps) iterations)", xLabel: "x",
      yLabel: "y",
      series: [
        .init(name: "data", points: points(real, 1000), color: 3, scatter: true),
        .init(name: "generated", points: points(fake, 1000), color: 0, scatter: true),
      ], yRange: -2...2, xRange: -2...2
    ).write(to: URL(fileURLWithPath: path))
  }
  return rows
}
