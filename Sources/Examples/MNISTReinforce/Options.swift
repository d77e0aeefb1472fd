import ExampleSupport
import Foundation

/// The policy network.
public enum PolicyModel: String, CommandLineChoice {
  /// The original script's CNN.
  case cnn
  /// An MLP 784-128-10.
  case mlp
}

/// What the policy is trained on.
public enum Objective: String, CommandLineChoice {
  /// REINFORCE with reward 1 for the right digit (the original).
  case reinforce
  /// Supervised cross-entropy on the labels, for comparison.
  case crossEntropy = "cross-entropy"
  /// π(y)-weighted cross-entropy, mean(−sg(π(y|x))·log π(y|x)) with sg the stop-gradient: the
  /// exact expected REINFORCE gradient, without the sampling noise (a control for the study).
  case weightedCrossEntropy = "weighted-cross-entropy"
}

/// The baseline subtracted from the reward in REINFORCE.
public enum Baseline: String, CommandLineChoice {
  /// None (the original).
  case none
  /// The batch's mean reward: advantage r − mean r.
  case mean
}

/// The settings of one run of the experiment; the defaults reproduce the original script.
public struct Options: Equatable, Sendable {
  /// The total number of training steps (a resumed run continues up to this step).
  public var steps = 2000
  /// Images per step.
  public var batchSize = 128
  /// Adam's learning rate.
  public var learningRate = 1e-3
  /// Seeds the initial weights, the data order, dropout and the sampled actions.
  public var seed: UInt64 = 0
  /// The policy network (the original's CNN by default).
  public var model = PolicyModel.cnn
  /// REINFORCE (the original) or supervised cross-entropy.
  public var objective = Objective.reinforce
  /// No baseline (the original) or the batch mean.
  public var baseline = Baseline.none
  /// Train on the first batch every step, as the original's loop did.
  public var fixedBatch = false
  /// Evaluate test accuracy every N steps (0: only at the end).
  public var evalEvery = 0
  /// Where the MNIST files are (default: the repository's Data/MNIST or `MNIST_DIR`).
  public var dataDirectory: String?
  /// A CSV log of step, score, loss, test accuracy and elapsed seconds.
  public var logPath: String?
  /// An SVG learning curve written at the end.
  public var plotPath: String?
  /// A checkpoint written at the end (and every `saveEvery` steps).
  public var savePath: String?
  /// Save every N steps (0: only at the end).
  public var saveEvery = 0
  /// A checkpoint to continue from.
  public var resumePath: String?
  /// A checkpoint (or `--save-initial` file) whose policy weights replace the initial ones; the
  /// optimizer starts fresh at step 1, and the objective may differ from the saved run's.
  public var initialWeightsPath: String?
  /// Compute threads (default: all cores).
  public var threads: Int?
  /// Lines between score reports (20, as the original).
  public var reportEvery = 20
  /// A CSV log of per-class accuracy, mean π(y|x) and predicted-class counts: on the fixed batch
  /// at every report (with `fixedBatch`), and on the test set at every evaluation.
  public var classLogPath: String?
  /// A CSV log comparing the sampled REINFORCE gradient with the weighted and plain
  /// cross-entropy gradients on the same batch, every `gradientStatisticsEvery` steps.
  public var gradientLogPath: String?
  /// Steps between gradient comparisons (with `gradientLogPath`).
  public var gradientStatisticsEvery = 50
  /// A safetensors file written before the first step: the initial weights and, for shuffled
  /// runs, the data order (`data_order`, one row of example indices per epoch), so that a twin
  /// in another framework can start from the same point and see the same batches.
  public var initialStatePath: String?

  /// The default options.
  public init() {}

  /// The usage text.
  public static let usage = """
    usage: mnist-reinforce [options]
           mnist-reinforce plot A.csv [B.csv …] -o OUT.svg [--title T]
           mnist-reinforce plot-mean NAME=A.csv,B.csv … -o OUT.svg [--column C] [--title T]
           mnist-reinforce plot-classes CLASSES.csv -o OUT.svg [--set batch|test] [--title T]

    Trains an MNIST classifier as a policy with REINFORCE (reward 1 for the right digit), as in
    the original "REINFORCE == CrossEntropy?" experiment, and prints `step N, avg score S`.

    options:
      --steps N            total training steps (default 2000)
      --batch-size N       images per step (default 128)
      --lr X               Adam learning rate (default 0.001)
      --seed N             random seed (default 0)
      --model cnn|mlp      the original CNN, or an MLP 784-128-10 (default cnn)
      --objective reinforce|cross-entropy|weighted-cross-entropy   (default reinforce;
                           weighted-cross-entropy is −sg(π(y|x))·log π(y|x), the expected
                           REINFORCE gradient without sampling noise)
      --baseline none|mean advantage r − mean(r) over the batch (default none)
      --fixed-batch        train on the first batch every step, as the original loop did
      --eval-every N       test accuracy every N steps (default: at the end only)
      --data-dir DIR       MNIST directory (default: Data/MNIST in the repo, or $MNIST_DIR)
      --log FILE.csv       write step, score, loss, test accuracy, elapsed seconds
      --log-classes FILE.csv   per-class accuracy, mean π(y|x) and predicted classes (on the
                           fixed batch every 20 steps, on the test set at every evaluation)
      --grad-stats FILE.csv    cosines and norm ratios of the sampled REINFORCE gradient and
                           the weighted and plain cross-entropy gradients on the same batch
      --grad-stats-every N     steps between gradient comparisons (default 50)
      --save-initial FILE.safetensors   the initial weights and the data order, for a twin
      --plot FILE.svg      write the learning curve
      --save FILE.safetensors   checkpoint at the end (model, Adam state, step)
      --save-every N       also checkpoint every N steps
      --resume FILE.safetensors continue a saved run up to --steps
      --init-weights FILE.safetensors   start from a checkpoint's policy weights (fresh Adam,
                           step 1; any objective), e.g. to continue a collapsed run otherwise
      --threads N          compute threads (default: all cores, or $AUTOGRAD_NUM_THREADS)
      --help               show this text
    """

  /// Parses the command line (without the program name).
  public init(arguments: [String]) throws {
    let args = try Arguments(
      arguments,
      valued: [
        "--steps", "--batch-size", "--lr", "--seed", "--model", "--objective", "--baseline",
        "--eval-every", "--data-dir", "--log", "--plot", "--save", "--save-every", "--resume",
        "--init-weights",
        "--threads", "--log-classes", "--grad-stats", "--grad-stats-every", "--save-initial",
      ], boolean: ["--fixed-batch", "--help"])
    if let extra = args.positional.first { throw UsageError("unexpected argument '\(extra)'") }
    steps = try args.int("--steps", default: steps, in: 1...100_000_000)
    batchSize = try args.int("--batch-size", default: batchSize, in: 1...60_000)
    learningRate = try args.double("--lr", default: learningRate, in: 1e-12...10)
    seed = UInt64(try args.int("--seed", default: 0, in: 0...Int.max))
    model = try args.choice("--model", default: model)
    objective = try args.choice("--objective", default: objective)
    baseline = try args.choice("--baseline", default: baseline)
    fixedBatch = args.flag("--fixed-batch")
    evalEvery = try args.int("--eval-every", default: 0, in: 0...100_000_000)
    dataDirectory = args.string("--data-dir")
    logPath = args.string("--log")
    plotPath = args.string("--plot")
    savePath = args.string("--save")
    saveEvery = try args.int("--save-every", default: 0, in: 0...100_000_000)
    resumePath = args.string("--resume")
    initialWeightsPath = args.string("--init-weights")
    if initialWeightsPath != nil && resumePath != nil {
      throw UsageError("--init-weights and --resume exclude each other")
    }
    classLogPath = args.string("--log-classes")
    gradientLogPath = args.string("--grad-stats")
    gradientStatisticsEvery = try args.int(
      "--grad-stats-every", default: gradientStatisticsEvery, in: 1...100_000_000)
    initialStatePath = args.string("--save-initial")
    if args.values["--threads"] != nil {
      threads = try args.int("--threads", default: 1, in: 1...1024)
    }
    if saveEvery > 0 && savePath == nil { throw UsageError("--save-every needs --save FILE") }
  }

}
