@_exported import Environments
import ExampleSupport
import Foundation
import NN

/// The policy: an MLP from the four state variables to the logits of the two actions.
public final class Policy: Module, @unchecked Sendable {
  let fc1: Linear
  let dropout: Dropout
  let fc2: Linear

  /// Creates a 4-`hidden`-2 MLP with ReLU and dropout `p` after the hidden layer.
  public init(hidden: Int = 128, dropout p: Double = 0) {
    fc1 = Linear(4, hidden)
    dropout = Dropout(p)
    fc2 = Linear(hidden, 2)
    super.init()
  }

  /// Logits `[N, 2]` for states `[N, 4]`.
  public override func forward(_ input: Tensor) -> Tensor {
    fc2(dropout(fc1(input).relu()))
  }
}

/// One finished episode.
public struct EpisodeRecord: Sendable {
  /// 1-based episode number.
  public var episode: Int
  /// The episode's total reward (its length in steps).
  public var reward: Double
  /// The exponential moving average `0.05·reward + 0.95·previous`, starting from 10.
  public var runningReward: Double
  /// Seconds since training started.
  public var elapsed: Double
}

/// What a run produced.
public struct TrainingResult {
  /// One record per episode.
  public var episodes: [EpisodeRecord]
  /// Whether the running reward reached the threshold.
  public var solved: Bool
  /// The trained policy.
  public var policy: Policy
  /// The last line the program prints.
  public var summary: String {
    let last = episodes.last!
    return (solved ? "solved" : "not solved")
      + " after \(last.episode) episodes (running reward \(String(format: "%.2f", last.runningReward)))"
  }
}

/// Discounted returns `G_t = r_t + γ·G_{t+1}`, normalised to mean 0 and standard deviation 1
/// (unbiased, as `torch.std`, plus `eps` in the divisor), as in PyTorch's REINFORCE example.
public func normalisedReturns(_ rewards: [Double], gamma: Double, eps: Double = 1.1920929e-07)
  -> [Double]
{
  var returns = [Double](repeating: 0, count: rewards.count)
  var g = 0.0
  for t in rewards.indices.reversed() {
    g = rewards[t] + gamma * g
    returns[t] = g
  }
  let n = Double(returns.count)
  let mean = returns.reduce(0, +) / n
  let variance =
    returns.count > 1 ? returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : 0
  return returns.map { ($0 - mean) / (variance.squareRoot() + eps) }
}

/// Trains a policy with REINFORCE; `report` receives each line to print.
public func train(_ options: Options, report: (String) -> Void = { print($0) }) throws
  -> TrainingResult
{
  if let threads = options.threads { setNumThreads(threads) }
  manualSeed(options.seed)
  // The environment has its own stream, so that its initial states do not depend on how many
  // numbers the policy drew.
  var env = CartPole(generator: Generator(seed: options.seed ^ 0x9E37_79B9_7F4A_7C15))
  let policy = Policy(hidden: options.hidden, dropout: options.dropout)
  policy.train()
  let optimizer = Adam(policy.parameters(), learningRate: options.learningRate)

  let start = Date()
  var running = 10.0
  var records: [EpisodeRecord] = []
  var solved = false
  for episode in 1...options.episodes {
    var state = env.reset()
    var logProbs: [Tensor] = []
    var rewards: [Double] = []
    while true {
      let input = Tensor(shape: [1, 4], scalars: state.array.map { Float($0) })
      let distribution = Categorical(logits: policy(input))
      let action = distribution.sample(using: Generator.default)
      logProbs.append(distribution.logProb(action))
      let step = env.step(Int(action.item()))
      rewards.append(step.reward)
      state = step.state
      if step.done { break }
    }
    let returns = normalisedReturns(rewards, gamma: options.gamma)
    let g = Tensor(shape: [returns.count], scalars: returns.map { Float($0) })
    let loss = -(Tensor.cat(logProbs) * g).sum()
    optimizer.zeroGrad()
    loss.backward()
    optimizer.step()

    let reward = rewards.reduce(0, +)
    running = 0.05 * reward + 0.95 * running
    records.append(
      EpisodeRecord(
        episode: episode, reward: reward, runningReward: running,
        elapsed: Date().timeIntervalSince(start)))
    if episode % options.logEvery == 0 {
      report(
        "episode \(episode), reward \(Int(reward)), running reward \(String(format: "%.2f", running))"
      )
    }
    if running >= options.solvedAt {
      solved = true
      break
    }
  }
  let result = TrainingResult(episodes: records, solved: solved, policy: policy)
  if let path = options.logPath {
    var log = CSVLog(header: ["episode", "reward", "running_reward", "elapsed_seconds"])
    for r in records {
      log.append([
        String(r.episode), String(Int(r.reward)), String(r.runningReward),
        String(format: "%.3f", r.elapsed),
      ])
    }
    try log.write(to: URL(fileURLWithPath: path))
  }
  if let path = options.plotPath {
    try learningCurve(result.episodes, solvedAt: options.solvedAt, seed: options.seed)
      .write(to: URL(fileURLWithPath: path))
  }
  report(result.summary)
  return result
}

/// The learning curve: each episode's reward and the running reward, with the solved threshold.
public func learningCurve(_ records: [EpisodeRecord], solvedAt: Double, seed: UInt64) -> SVGChart {
  let episodes = records.map { Double($0.episode) }
  return SVGChart(
    title: "REINFORCE on CartPole-v1 (seed \(seed))", xLabel: "episode", yLabel: "reward",
    series: [
      .init(name: "episode reward", points: Array(zip(episodes, records.map(\.reward)))),
      .init(name: "running reward", points: Array(zip(episodes, records.map(\.runningReward)))),
      .init(
        name: "solved (\(Int(solvedAt)))",
        points: [(episodes.first ?? 1, solvedAt), (episodes.last ?? 1, solvedAt)]),
    ], yRange: 0...500)
}
