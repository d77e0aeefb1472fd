import Environments
import ExampleSupport
import Foundation
import NN

/// The settings of a run: pytorch/examples `reinforcement_learning/actor_critic.py`'s flags and
/// defaults, plus an episode limit and the gallery's common flags.
public struct Options: Sendable {
  /// The discount factor (`--gamma`, 0.99).
  public var gamma = 0.99
  /// The seed of the weights, the sampled actions and the environment (`--seed`, 543).
  public var seed: UInt64 = 543
  /// Episodes between printed lines (`--log-interval`, 10).
  public var logInterval = 10
  /// Adam's learning rate (3e-2, as the original).
  public var learningRate = 3e-2
  /// The most episodes (the original runs until solved).
  public var episodes = 1000
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
    usage: actor-critic [options]

    The actor-critic of pytorch/examples (reinforcement_learning/actor_critic.py) on CartPole-v1:
    a shared 4-128 layer with an action head and a value head, Adam at lr 3e-2, one update per
    episode from normalised discounted returns, until the running reward passes 475.

    options:
      --gamma X          discount factor in [0, 1] (default 0.99)
      --seed N           random seed (default 543)
      --log-interval N   episodes between printed lines (default 10)
      --lr X             Adam learning rate (default 0.03)
      --episodes N       most episodes (default 1000)
      --log FILE.csv     write episode, reward, running_reward, elapsed_seconds per episode
      --plot FILE.svg    write the learning curve
      --threads N        CPU threads for the kernels (default: all cores)
      --help             show this text
    """


  /// Parses `arguments` (without the program name); throws a ``UsageError`` naming the problem.
  public init(arguments: [String]) throws {
    let args = try Arguments(
      arguments,
      valued: [
        "--gamma", "--seed", "--log-interval", "--lr", "--episodes", "--log", "--plot",
        "--threads",
      ], boolean: ["--help"])
    if let extra = args.positional.first { throw UsageError("unexpected argument '\(extra)'") }
    gamma = try args.double("--gamma", default: gamma, in: 0...1)
    seed = UInt64(try args.int("--seed", default: Int(seed), in: 0...Int.max))
    logInterval = try args.int("--log-interval", default: logInterval, in: 1...1_000_000)
    learningRate = try args.double("--lr", default: learningRate, in: 1e-8...10)
    episodes = try args.int("--episodes", default: episodes, in: 1...1_000_000)
    logPath = args.string("--log")
    plotPath = args.string("--plot")
    if args.values["--threads"] != nil {
      threads = try args.int("--threads", default: 1, in: 1...1024)
    }
  }
}

/// The original's `Policy`: `affine1` (4 → 128, relu), then `action_head` (128 → 2, softmax)
/// and `value_head` (128 → 1), under the original's parameter names.
public final class ActorCriticPolicy: Module, @unchecked Sendable {
  let affine1 = Linear(4, 128)
  let action_head = Linear(128, 2)
  let value_head = Linear(128, 1)

  /// The action probabilities and the state value of `state` [4] (or [N, 4]).
  public func actAndEvaluate(_ state: Tensor) -> (probs: Tensor, value: Tensor) {
    let x = affine1(state).relu()
    return (action_head(x).softmax(dim: -1), value_head(x))
  }

  /// The action probabilities.
  public override func forward(_ input: Tensor) -> Tensor { actAndEvaluate(input).probs }
}

/// One finished episode.
public struct Episode: Sendable {
  /// 1-based episode number.
  public var number: Int
  /// The episode's total reward (its length).
  public var reward: Double
  /// `0.05·reward + 0.95·previous`, from 10.
  public var runningReward: Double
  /// Seconds since training started.
  public var elapsed: Double
}

/// What a run produced.
public struct Result {
  /// One record per episode.
  public var episodes: [Episode]
  /// Whether the running reward passed 475 (CartPole-v1's reward threshold).
  public var solved: Bool
  /// Environment steps taken in all.
  public var steps: Int
}

/// The returns `R_t = r_t + γ·R_{t+1}`, normalised by their mean and unbiased standard deviation
/// (plus float32's machine epsilon), as the original does.
public func normalisedReturns(_ rewards: [Double], gamma: Double) -> [Double] {
  var returns = [Double](repeating: 0, count: rewards.count)
  var r = 0.0
  for t in rewards.indices.reversed() {
    r = rewards[t] + gamma * r
    returns[t] = r
  }
  let n = Double(returns.count)
  let mean = returns.reduce(0, +) / n
  let variance = n > 1 ? returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : .nan
  let eps = Double(Float.ulpOfOne)
  return returns.map { ($0 - mean) / (variance.squareRoot() + eps) }
}

/// Trains the actor-critic; `report` receives each printed line (the original's).
public func train(_ options: Options, report: (String) -> Void = { print($0) }) throws -> Result {
  if let threads = options.threads { setNumThreads(threads) }
  manualSeed(options.seed)
  var env = CartPole(generator: Generator(seed: options.seed ^ 0x9E37_79B9_7F4A_7C15))
  let model = ActorCriticPolicy()
  let optimizer = Adam(model.parameters(), learningRate: options.learningRate)
  let start = Date()
  var running = 10.0
  var records = [Episode]()
  var solved = false
  var totalSteps = 0
  var progress = ProgressLine(total: options.episodes)
  for number in 1...options.episodes {
    var state = env.reset()
    var logProbs = [Tensor]()
    var values = [Tensor]()
    var rewards = [Double]()
    var t = 0
    // The original loops `for t in range(1, 10000)` and stops on termination only.
    for step in 1..<10000 {
      t = step
      let (probs, value) = model.actAndEvaluate(
        Tensor(shape: [4], scalars: state.array.map { Float($0) }))
      let m = Categorical(probs: probs)
      let action = m.sample()
      logProbs.append(m.logProb(action))
      values.append(value)
      let result = env.step(Int(action.item()))
      state = result.state
      rewards.append(result.reward)
      if result.terminated { break }
    }
    totalSteps += t
    let reward = rewards.reduce(0, +)
    running = 0.05 * reward + (1 - 0.05) * running
    // finish_episode: policy loss −log π·(R − V) with V detached, value loss smooth-L1(V, R).
    let returns = normalisedReturns(rewards, gamma: options.gamma).map { Float($0) }
    let r = Tensor(shape: [returns.count], scalars: returns)
    let v = Tensor.cat(values)
    let policyLoss = (-Tensor.stack(logProbs) * (r - v.detached())).sum()
    let valueLoss = smoothL1Loss(v, r, reduction: .none).sum()
    optimizer.zeroGrad()
    (policyLoss + valueLoss).backward()
    optimizer.step()
    records.append(
      Episode(
        number: number, reward: reward, runningReward: running,
        elapsed: Date().timeIntervalSince(start)))
    progress.update(
      step: number, done: number, extra: String(format: "running reward %.1f", running))
    if number % options.logInterval == 0 {
      progress.finish()
      report(
        String(
          format: "Episode %d\tLast reward: %.2f\tAverage reward: %.2f", number, reward, running))
    }
    if running > 475 {
      progress.finish()
      report(
        "Solved! Running reward is now \(running) and the last episode runs to \(t) time steps!")
      solved = true
      break
    }
  }
  progress.finish()
  let result = Result(episodes: records, solved: solved, steps: totalSteps)
  if let path = options.logPath {
    var log = CSVLog(header: ["episode", "reward", "running_reward", "elapsed_seconds"])
    for e in records {
      log.append([
        String(e.number), String(Int(e.reward)), String(e.runningReward),
        String(format: "%.3f", e.elapsed),
      ])
    }
    try log.write(to: URL(fileURLWithPath: path))
  }
  if let path = options.plotPath {
    let x = records.map { Double($0.number) }
    try SVGChart(
      title: "Actor-critic on CartPole-v1 (seed \(options.seed))", xLabel: "episode",
      yLabel: "reward",
      series: [
        .init(name: "episode reward", points: Array(zip(x, records.map(\.reward)))),
        .init(name: "running reward", points: Array(zip(x, records.map(\.runningReward)))),
      ], yRange: 0...600
    ).write(to: URL(fileURLWithPath: path))
  }
  return result
}
