import ExampleSupport
import Foundation
import NN

/// The settings of a run: pytorch/examples `vae/main.py`'s flags and defaults.
public struct Options: Sendable {
  /// Images per batch (`--batch-size`, 128).
  public var batchSize = 128
  /// Training epochs (`--epochs`, 10).
  public var epochs = 10
  /// The seed (`--seed`, 1).
  public var seed: UInt64 = 1
  /// Batches between printed lines (`--log-interval`, 10).
  public var logInterval = 10
  /// Stop each epoch after this many batches (nil: the whole training set), for smoke tests.
  public var maxBatches: Int?
  /// Where the reconstruction and sample grids go (`results/`, as the original).
  public var resultsDirectory = "results"
  /// Where the MNIST files are.
  public var dataDirectory: String?
  /// Where to write the per-epoch CSV log, if anywhere.
  public var logPath: String?
  /// CPU threads for the kernels (nil: the library's default).
  public var threads: Int?

  /// The defaults.
  public init() {}

  /// The help text.
  public static let usage = """
    usage: vae [options]

    The variational autoencoder of pytorch/examples (vae/main.py) on MNIST: 784-400-(20, 20)
    encoder, 20-400-784 decoder, binary cross-entropy plus KL divergence, Adam at 1e-3. Saves
    results/reconstruction_E.png and results/sample_E.png after every epoch.

    options:
      --batch-size N     images per batch (default 128)
      --epochs N         training epochs (default 10)
      --seed N           random seed (default 1)
      --log-interval N   batches between printed lines (default 10)
      --max-batches N    stop each epoch after N batches (default: the whole set)
      --results DIR      where the PNG grids go (default results)
      --data-dir DIR     MNIST directory (default: Data/MNIST in the repo, or $MNIST_DIR)
      --log FILE.csv     write epoch, train_loss, test_loss, elapsed_seconds
      --threads N        CPU threads for the kernels (default: all cores)
      --help             show this text
    """


  /// Parses `arguments` (without the program name); throws a ``UsageError`` naming the problem.
  public init(arguments: [String]) throws {
    let args = try Arguments(
      arguments,
      valued: [
        "--batch-size", "--epochs", "--seed", "--log-interval", "--max-batches", "--results",
        "--data-dir", "--log", "--threads",
      ], boolean: ["--help"])
    if let extra = args.positional.first { throw UsageError("unexpected argument '\(extra)'") }
    batchSize = try args.int("--batch-size", default: batchSize, in: 1...60_000)
    epochs = try args.int("--epochs", default: epochs, in: 1...100_000)
    seed = UInt64(try args.int("--seed", default: Int(seed), in: 0...Int.max))
    logInterval = try args.int("--log-interval", default: logInterval, in: 1...1_000_000)
    if args.values["--max-batches"] != nil {
      maxBatches = try args.int("--max-batches", default: 1, in: 1...1_000_000)
    }
    resultsDirectory = args.string("--results", default: resultsDirectory)!
    dataDirectory = args.string("--data-dir")
    logPath = args.string("--log")
    if args.values["--threads"] != nil {
      threads = try args.int("--threads", default: 1, in: 1...1024)
    }
  }
}

/// The original's `VAE`, under its parameter names.
public final class VAE: Module, @unchecked Sendable {
  let fc1 = Linear(784, 400)
  let fc21 = Linear(400, 20)
  let fc22 = Linear(400, 20)
  let fc3 = Linear(20, 400)
  let fc4 = Linear(400, 784)

  /// The mean and log-variance of q(z | x) for images [N, 784].
  public func encode(_ x: Tensor) -> (mu: Tensor, logvar: Tensor) {
    let h1 = fc1(x).relu()
    return (fc21(h1), fc22(h1))
  }

  /// z = μ + ε·σ with ε ~ N(0, 1): a sample that is differentiable in μ and log σ².
  public func reparameterize(_ mu: Tensor, _ logvar: Tensor) -> Tensor {
    let std = (0.5 * logvar).exp()
    return mu + Tensor.randnLike(std) * std
  }

  /// The Bernoulli means p(x | z), [N, 784].
  public func decode(_ z: Tensor) -> Tensor { fc4(fc3(z).relu()).sigmoid() }

  /// The reconstruction, μ and log σ² of images [N, 1, 28, 28] (or [N, 784]).
  public func reconstruct(_ x: Tensor) -> (recon: Tensor, mu: Tensor, logvar: Tensor) {
    let (mu, logvar) = encode(x.reshape([-1, 784]))
    return (decode(reparameterize(mu, logvar)), mu, logvar)
  }

  /// The reconstruction.
  public override func forward(_ input: Tensor) -> Tensor { reconstruct(input).recon }
}

/// The original's loss: binary cross-entropy summed over pixels and batch, plus the KL
/// divergence −½·Σ(1 + log σ² − μ² − σ²).
public func vaeLoss(_ recon: Tensor, _ x: Tensor, _ mu: Tensor, _ logvar: Tensor) -> Tensor {
  let bce = binaryCrossEntropy(recon, x.reshape([-1, 784]), reduction: .sum)
  let kld = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum()
  return bce + kld
}

/// One epoch's losses per image.
public struct EpochRow: Sendable {
  /// The epoch (1-based).
  public var epoch: Int
  /// The mean training loss per image.
  public var trainLoss: Double
  /// The mean test loss per image.
  public var testLoss: Double
  /// Seconds since training started.
  public var elapsed: Double
}

/// Trains the VAE; `report` receives each printed line (the original's).
public func train(_ o: Options, report: (String) -> Void = { print($0) }) throws -> [EpochRow] {
  if let threads = o.threads { setNumThreads(threads) }
  manualSeed(o.seed)
  let directory = o.dataDirectory.map { URL(fileURLWithPath: $0) }
  // transforms.ToTensor(): pixels in [0, 1].
  let trainSet = try MNIST(split: .train, directory: directory, mean: 0, std: 1)
  let testSet = try MNIST(split: .test, directory: directory, mean: 0, std: 1)
  let trainLoader = DataLoader(trainSet, batchSize: o.batchSize, shuffle: true)
  let testLoader = DataLoader(testSet, batchSize: o.batchSize, shuffle: false)
  let model = VAE()
  let optimizer = Adam(model.parameters(), learningRate: 1e-3)
  let results = URL(fileURLWithPath: o.resultsDirectory, isDirectory: true)
  try FileManager.default.createDirectory(at: results, withIntermediateDirectories: true)
  var rows = [EpochRow]()
  let start = Date()
  for epoch in 1...o.epochs {
    model.train()
    var trainLoss = 0.0
    var seen = 0
    let batches = min(trainLoader.count, o.maxBatches ?? .max)
    var progress = ProgressLine(total: batches)
    for (index, (data, _)) in trainLoader.enumerated() {
      if index >= batches { break }
      optimizer.zeroGrad()
      let (recon, mu, logvar) = model.reconstruct(data)
      let loss = vaeLoss(recon, data, mu, logvar)
      loss.backward()
      trainLoss += loss.item()
      seen += data.shape[0]
      optimizer.step()
      progress.update(step: index + 1, done: index + 1)
      if index % o.logInterval == 0 {
        progress.finish()
        report(
          String(
            format: "Train Epoch: %d [%d/%d (%.0f%%)]\tLoss: %.6f", epoch, index * o.batchSize,
            trainSet.count, 100 * Double(index) / Double(trainLoader.count),
            loss.item() / Double(data.shape[0])))
      }
    }
    progress.finish()
    let trainMean = trainLoss / Double(o.maxBatches == nil ? trainSet.count : seen)
    report(String(format: "====> Epoch: %d Average loss: %.4f", epoch, trainMean))

    model.eval()
    var testLoss = 0.0
    try noGrad {
      for (index, (data, _)) in testLoader.enumerated() {
        let (recon, mu, logvar) = model.reconstruct(data)
        testLoss += vaeLoss(recon, data, mu, logvar).item()
        if index == 0 {
          let n = min(data.shape[0], 8)
          let comparison = Tensor.cat(
            [
              data.slice(dim: 0, start: 0, end: n),
              recon.reshape([-1, 1, 28, 28]).slice(dim: 0, start: 0, end: n),
            ])
          try PNG.writeGrid(
            comparison, columns: n,
            to: results.appendingPathComponent("reconstruction_\(epoch).png"))
        }
      }
    }
    let testMean = testLoss / Double(testSet.count)
    report(String(format: "====> Test set loss: %.4f", testMean))
    let sample = noGrad { model.decode(Tensor.randn([64, 20])) }
    try PNG.writeGrid(
      sample.reshape([64, 1, 28, 28]), to: results.appendingPathComponent("sample_\(epoch).png"))
    rows.append(
      EpochRow(
        epoch: epoch, trainLoss: trainMean, testLoss: testMean,
        elapsed: Date().timeIntervalSince(start)))
  }
  if let path = o.logPath {
    var log = CSVLog(header: ["epoch", "train_loss", "test_loss", "elapsed_seconds"])
    for r in rows {
      log.append([
        String(r.epoch), String(r.trainLoss), String(r.testLoss), String(format: "%.3f", r.elapsed),
      ])
    }
    try log.write(to: URL(fileURLWithPath: path))
  }
  return rows
}
