import ExampleSupport

/// The settings of a run, parsed from the command line.
public struct Options: Sendable {
  /// Seed of the default generator (weights, action sampling) and of the environment.
  public var seed: UInt64 = 0
  /// The most episodes to train for.
  public var episodes = 2000
  /// Adam's learning rate.
  public var learningRate = 1e-2
  /// The discount factor.
  public var gamma = 0.99
  /// Width of the hidden layer.
  public var hidden = 128
  /// Dropout probability after the hidden layer (0: none).
  public var dropout = 0.0
  /// Print the running reward every this many episodes.
  public var logEvery = 10
  /// The running reward at which the task counts as solved.
  public var solvedAt = 475.0
  /// Where to write the per-episode CSV log, if anywhere.
  public var logPath: String?
  /// Where to write the learning curve (SVG), if anywhere.
  public var plotPath: String?
  /// CPU threads for the kernels (nil: the library's default).
  public var threads: Int?

  /// The defaults.
  public init() {}

  /// The help text.
  public static let usage = """
    usage: cartpole-reinforce [options]

    Trains a 4-128-2 MLP policy on CartPole-v1 with REINFORCE (whole episodes, discounted and
    normalised returns, one Adam step per episode) until the running reward reaches 475.

    options:
      --episodes N     most episodes to train (default 2000)
      --lr X           Adam learning rate (default 0.01)
      --gamma X        discount factor in [0, 1] (default 0.99)
      --hidden N       hidden units (default 128)
      --dropout P      dropout after the hidden layer, in [0, 1) (default 0)
      --seed N         random seed (default 0)
      --log-every N    print the running reward every N episodes (default 10)
      --log FILE.csv   write episode, reward, running_reward, elapsed_seconds per episode
      --plot FILE.svg  write the learning curve
      --threads N      CPU threads for the kernels (default: all cores)
      --help           show this text
    """


  /// Parses `arguments` (without the program name); throws a ``UsageError`` naming the problem.
  public init(arguments: [String]) throws {
    let args = try Arguments(
      arguments,
      valued: [
        "--episodes", "--lr", "--gamma", "--hidden", "--dropout", "--seed", "--log-every", "--log",
        "--plot", "--threads",
      ],
      boolean: ["--help"])
    if let extra = args.positional.first { throw UsageError("unexpected argument '\(extra)'") }
    episodes = try args.int("--episodes", default: episodes, in: 1...1_000_000)
    learningRate = try args.double("--lr", default: learningRate, in: 1e-8...10)
    gamma = try args.double("--gamma", default: gamma, in: 0...1)
    hidden = try args.int("--hidden", default: hidden, in: 1...65536)
    dropout = try args.double("--dropout", default: dropout, in: 0...0.99)
    seed = UInt64(try args.int("--seed", default: Int(seed), in: 0...Int.max))
    logEvery = try args.int("--log-every", default: logEvery, in: 1...1_000_000)
    logPath = args.string("--log")
    plotPath = args.string("--plot")
    if args.values["--threads"] != nil {
      threads = try args.int("--threads", default: 1, in: 1...1024)
    }
  }
}
