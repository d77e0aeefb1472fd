import CartPoleReinforce
import ExampleSupport
import Foundation
import NN
import Testing

@Suite("CartPole physics")
struct CartPolePhysicsTests {
  typealias State = CartPole.State

  static func close(_ a: State, _ b: [Double], tolerance: Double = 1e-12) -> Bool {
    zip(a.array, b).allSatisfy { abs($0 - $1) <= tolerance }
  }

  @Test("from rest, a push gives ẍ = 400/41 and θ̈ = ∓600/41 (hand-derived)")
  func stepFromRest() {
    // force ±10: temp = ±100/11; θ̈ = −cos·temp / (0.5·(4/3 − 0.1/1.1)) = ∓600/41;
    // ẍ = temp − 0.05·θ̈/1.1 = ±400/41; Euler: ẋ = 0.02·ẍ, θ̇ = 0.02·θ̈, x and θ unchanged.
    let rest = State(x: 0, xDot: 0, theta: 0, thetaDot: 0)
    #expect(Self.close(CartPole.dynamics(rest, action: 1), [0, 8.0 / 41, 0, -12.0 / 41]))
    #expect(Self.close(CartPole.dynamics(rest, action: 0), [0, -8.0 / 41, 0, 12.0 / 41]))
  }

  @Test("a step from a tilted, moving state matches gym's equations for each action")
  func stepFromState() {
    let s = State(x: 0.1, xDot: -0.2, theta: 0.05, thetaDot: 0.3)
    // Values from gym's CartPoleEnv.step formulas evaluated in float64.
    #expect(Self.close(CartPole.dynamics(s, action: 0), [0.096, -0.3957976546439626, 0.056, 0.6080233136061515]))
    #expect(Self.close(CartPole.dynamics(s, action: 1), [0.096, -0.005625065781779709, 0.056, 0.02349585151852651]))
    var env = CartPole(generator: Generator(seed: 0))
    env.set(s)
    let step = env.step(1)
    #expect(step.reward == 1 && !step.terminated && !step.truncated && env.steps == 1)
  }

  @Test("termination past ±12° and ±2.4, not before")
  func termination() {
    #expect(abs(CartPole.thetaThreshold - 0.20943951023931953) < 1e-15)
    var env = CartPole(generator: Generator(seed: 0))
    func after(_ s: State) -> Bool {
      env.set(s)
      return env.step(1).terminated
    }
    // θ moves by τ·θ̇ = 0.002 in a step; x by τ·ẋ = 0.02.
    #expect(after(State(x: 0, xDot: 0, theta: 0.2080, thetaDot: 0.1)))  // 0.2100 > 0.2094
    #expect(!after(State(x: 0, xDot: 0, theta: 0.2070, thetaDot: 0.1)))  // 0.2090
    #expect(after(State(x: 0, xDot: 0, theta: -0.2080, thetaDot: -0.1)))
    #expect(!after(State(x: 0, xDot: 0, theta: -0.2070, thetaDot: -0.1)))
    #expect(after(State(x: 2.39, xDot: 1, theta: 0, thetaDot: 0)))  // 2.41
    #expect(!after(State(x: 2.37, xDot: 1, theta: 0, thetaDot: 0)))  // 2.39
    #expect(after(State(x: -2.39, xDot: -1, theta: 0, thetaDot: 0)))
    #expect(!after(State(x: -2.37, xDot: -1, theta: 0, thetaDot: 0)))
  }

  @Test("truncation at step 500, not at 499")
  func truncation() {
    var env = CartPole(generator: Generator(seed: 0))
    let upright = State(x: 0, xDot: 0, theta: 0, thetaDot: 0)
    env.set(upright, steps: 498)
    let step499 = env.step(1)
    #expect(!step499.truncated && !step499.done && env.steps == 499)
    let step500 = env.step(0)
    #expect(step500.truncated && !step500.terminated && step500.done && env.steps == 500)
  }

  @Test("reset: uniform in [−0.05, 0.05]⁴, the same states from the same seed")
  func reset() {
    var a = CartPole(generator: Generator(seed: 42))
    var b = CartPole(generator: Generator(seed: 42))
    for _ in 0..<50 {
      let s = a.reset()
      #expect(s == b.reset())
      #expect(s.array.allSatisfy { abs($0) <= 0.05 } && a.steps == 0)
    }
    var c = CartPole(generator: Generator(seed: 43))
    #expect(c.reset() != a.reset())
    // Documentation/WritingAModel.md#seeding: a Generator drives Swift's random API.
    var g = Generator(seed: 1)
    let x = Double.random(in: -0.05...0.05, using: &g)
    #expect(abs(x) <= 0.05)
  }
}

@Suite("cartpole-reinforce")
struct CartPoleTrainingTests {
  @Test("returns: discounted, then normalised to mean 0 and unbiased std 1")
  func returns() {
    // γ = 0.5, rewards 1, 1, 1: G = 1.75, 1.5, 1; mean 17/12; unbiased variance 0.1458333….
    let g = normalisedReturns([1, 1, 1], gamma: 0.5, eps: 0)
    let returns = [1.75, 1.5, 1.0]
    let mean = 17.0 / 12
    let std = (returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
    #expect(abs(std * std - 0.1458333333333333) < 1e-12)
    #expect(g.count == 3)
    for (value, expected) in zip(g, returns) {
      #expect(abs(value - (expected - mean) / std) < 1e-12)
    }
  }

  @Test("defaults: 2000 episodes, Adam 1e-2, γ 0.99, 128 hidden, log every 10")
  func defaults() throws {
    let o = try Options(arguments: [])
    #expect(o.episodes == 2000 && o.learningRate == 1e-2 && o.gamma == 0.99)
    #expect(o.hidden == 128 && o.dropout == 0 && o.logEvery == 10 && o.seed == 0 && o.threads == nil)
    let all = try Options(arguments: [
      "--episodes", "5", "--lr=0.001", "--gamma", "0.9", "--hidden", "16", "--dropout", "0.5",
      "--seed", "3", "--log-every", "2", "--log", "a.csv", "--plot", "a.svg", "--threads", "1",
    ])
    #expect(all.episodes == 5 && all.learningRate == 0.001 && all.gamma == 0.9 && all.hidden == 16)
    #expect(all.dropout == 0.5 && all.seed == 3 && all.logEvery == 2 && all.threads == 1)
    #expect(all.logPath == "a.csv" && all.plotPath == "a.svg")
  }

  @Test(
    "bad flags name the problem",
    arguments: [
      (["--bogus"], "unknown option --bogus"),
      (["--episodes"], "option --episodes needs a value"),
      (["--episodes", "0"], "--episodes must be an integer in 1..."),
      (["--seed", "x"], "got 'x'"),
      (["--lr", "-1"], "--lr must be a number"),
      (["--gamma", "1.5"], "--gamma must be a number in [0.0, 1.0]"),
      (["--threads", "0"], "--threads must be an integer"),
      (["--help=yes"], "option --help takes no value"),
      (["extra"], "unexpected argument 'extra'"),
    ])
  func badFlags(_ arguments: [String], _ message: String) {
    #expect {
      _ = try Options(arguments: arguments)
    } throws: { error in
      (error as? UsageError)?.message.contains(message) == true
    }
  }

  @Test("a usage error prints one line, then the usage, and exits with status 2")
  func usageExit() async {
    let result = await #expect(processExitsWith: .exitCode(2), observing: [\.standardErrorContent]) {
      runCommandLine(usage: Options.usage) { _ = try Options(arguments: ["--episodes", "-5"]) }
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.hasPrefix("error: --episodes must be an integer"))
    #expect(stderr.contains("usage: cartpole-reinforce"))
  }

  /// The REINFORCE snippet of Documentation/WritingAModel.md#policy-gradients, verbatim inside
  /// the function; returns the episode's length, or nil when a parameter got no gradient.
  static func documentationSnippet() -> Int? {
    manualSeed(0)
    var env = CartPole(generator: Generator(seed: 0))
    let policy = Policy()
    let optimizer = Adam(policy.parameters(), learningRate: 1e-2)
    let before = policy.parameters().map(\.scalars)

    var logProbs: [Tensor] = []
    var rewards: [Double] = []
    var state = env.reset()  // env is a CartPole; its state is four Doubles
    var done = false
    while !done {
      let input = Tensor(shape: [1, 4], scalars: state.array.map { Float($0) })
      let m = Categorical(logits: policy(input))  // [1, 2]
      let action = m.sample()  // int64, shape [1]
      logProbs.append(m.logProb(action))  // shape [1], differentiable
      let step = env.step(Int(action.item()))  // item() is a Double, for int64 too
      rewards.append(step.reward)
      state = step.state
      done = step.done
    }
    let returns = normalisedReturns(rewards, gamma: 0.99)  // [Double], one per step
    let g = Tensor(shape: [returns.count], scalars: returns.map { Float($0) })
    let loss = -(Tensor.cat(logProbs) * g).sum()
    optimizer.zeroGrad()
    loss.backward()
    optimizer.step()

    guard logProbs.allSatisfy({ $0.shape == [1] }), loss.shape == [] || loss.shape == [1] else { return nil }
    let after = policy.parameters().map(\.scalars)
    return zip(before, after).allSatisfy({ $0 != $1 }) ? rewards.count : nil
  }

  @Test("the REINFORCE snippet of WritingAModel.md runs and updates every parameter")
  func documentationSnippet() async {
    await #expect(processExitsWith: .success) {
      let length = CartPoleTrainingTests.documentationSnippet()
      exit(length.map { $0 >= 8 && $0 <= 500 } == true ? 0 : 1)
    }
  }

  /// Trains 5 episodes twice with one seed (and once with another) and writes the log and the
  /// plot; returns the first problem found, or nil.
  static func determinismProblem() throws -> String? {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cartpole-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var o = Options()
    o.episodes = 5
    o.seed = 3
    o.threads = 1
    o.logPath = dir.appendingPathComponent("run.csv").path
    o.plotPath = dir.appendingPathComponent("run.svg").path
    var lines: [String] = []
    let a = try train(o) { lines.append($0) }
    let b = try train(o) { _ in }
    o.seed = 4
    let c = try train(o) { _ in }
    let rewards = { (r: TrainingResult) in r.episodes.map(\.reward) }
    guard rewards(a).count == 5 else { return "\(rewards(a).count) episodes, not 5" }
    guard rewards(a) == rewards(b) else { return "rewards differ: \(rewards(a)) vs \(rewards(b))" }
    guard a.episodes.map(\.runningReward) == b.episodes.map(\.runningReward) else { return "running rewards differ" }
    for (x, y) in zip(a.policy.namedParameters(), b.policy.namedParameters()) where x.tensor.scalars != y.tensor.scalars {
      return "\(x.name) differs"
    }
    guard rewards(a) != rewards(c) else { return "seeds 3 and 4 gave the same rewards" }
    guard lines.last == "not solved after 5 episodes (running reward \(String(format: "%.2f", a.episodes.last!.runningReward)))" else {
      return "last line: \(lines.last ?? "none")"
    }
    let (header, rows) = try CSVLog.read(from: URL(fileURLWithPath: o.logPath!))
    guard header == ["episode", "reward", "running_reward", "elapsed_seconds"], rows.count == 5 else {
      return "log: \(header), \(rows.count) rows"
    }
    // The last run (seed 4) wrote the files.
    guard rows.map({ Double($0[1])! }) == rewards(c) else { return "the log does not hold the rewards" }
    let svg = try String(contentsOfFile: o.plotPath!, encoding: .utf8)
    guard svg.contains("running reward") else { return "the plot has no running-reward line" }
    return nil
  }

  @Test("the same seed gives the same run; the log and the plot are written")
  func determinism() async {
    // In its own process: Generator.default is process-wide, and other tests draw from it.
    let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
      do {
        if let problem = try CartPoleTrainingTests.determinismProblem() {
          FileHandle.standardError.write(Data("\(problem)\n".utf8))
          exit(1)
        }
      } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
      }
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.isEmpty, "\(stderr)")
  }
}
