import Foundation
import NN
import Testing

private func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-12) -> Bool {
  a.count == b.count
    && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance * max(1, Swift.abs($1)) }
}

/// Parameter groups, OneCycleLR, ReduceLROnPlateau and LBFGS against values printed by
/// `Scripts/make_small_references.py` (torch 2.15, float64).
@Suite("Parameter groups, OneCycleLR, ReduceLROnPlateau and LBFGS match PyTorch")
struct OptimizerGroupsAndScheduleTests {
  @Test("SGD with two groups (own lr and weight decay) under StepLR")
  func parameterGroups() {
    let p = Tensor(shape: [3], scalars: [1.0, -2.0, 3.0] as [Double]).requiringGrad()
    let q = Tensor(shape: [2], scalars: [0.5, 1.5] as [Double]).requiringGrad()
    let optimizer = SGD(
      [ParameterGroup([p]), ParameterGroup([q], learningRate: 0.01, weightDecay: 0.5)],
      learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
    let scheduler = StepLR(optimizer, stepSize: 1, gamma: 0.5)
    for _ in 0..<3 {
      optimizer.zeroGrad()
      ((p * p).sum() + (q * q * q).sum()).backward()
      optimizer.step()
      scheduler.step()
    }
    #expect(close(p.doubleScalars, [0.5198436373750001, -1.0396872747500001, 1.5595309121249996]))
    #expect(close(q.doubleScalars, [0.4741428805229831, 1.3112187347190674]))
    #expect(close(optimizer.groups.map(\.learningRate), [0.0125, 0.00125]))
    #expect(optimizer.groups.map(\.parameterIndices) == [0..<1, 1..<2])
  }

  @Test("per-group learning rates survive an optimizer state round trip")
  func groupRatesRoundTrip() throws {
    let make = {
      SGD(
        [
          ParameterGroup([Tensor.zeros([2]).requiringGrad()]),
          ParameterGroup([Tensor.zeros([1]).requiringGrad()], learningRate: 0.3),
        ],
        learningRate: 0.1)
    }
    let a = make()
    a.groups[1].learningRate = 0.07
    let b = make()
    try b.loadStateDict(a.stateDict())
    #expect(b.groups.map(\.learningRate) == [0.1, 0.07])
  }

  @Test("a parameter given twice stops with a message")
  func duplicateParameter() async {
    await #expect(processExitsWith: .failure) {
      let p = Tensor.zeros([2]).requiringGrad()
      _ = SGD([ParameterGroup([p]), ParameterGroup([p])], learningRate: 0.1)
    }
  }

  /// The (rate, momentum) pairs of a OneCycleLR on SGD over `steps` steps.
  func oneCycle(_ steps: Int, _ make: (Optimizer) -> OneCycleLR) -> [Double] {
    let optimizer = SGD([Tensor.zeros([1]).requiringGrad()], learningRate: 1)
    let scheduler = make(optimizer)
    var out = [optimizer.learningRate, optimizer.momentum]
    for _ in 1..<steps {
      scheduler.step()
      out += [optimizer.learningRate, optimizer.momentum]
    }
    return out
  }

  @Test("OneCycleLR: cosine, and linear three-phase, with momentum cycling")
  func oneCycleLR() {
    let cosine: [(Double, Double)] = [
      (0.020000000000000018, 0.95), (0.26, 0.8999999999999999), (0.5, 0.85),
      (0.47524231600673683, 0.854951556604879), (0.40587282697488153, 0.8688255099070633),
      (0.30563101096814466, 0.8888739533021842), (0.19437098903185537, 0.9111260466978157),
      (0.09412917302511849, 0.9311744900929366), (0.024759683993263143, 0.945048443395121),
      (2e-06, 0.95),
    ]
    #expect(
      close(
        oneCycle(10) { OneCycleLR($0, maxLearningRate: 0.5, totalSteps: 10) },
        cosine.flatMap { [$0.0, $0.1] }, 1e-10))
    let linear: [(Double, Double)] = [
      (0.02, 0.95), (0.33999999999999997, 0.8833333333333333), (0.34, 0.8833333333333333),
      (0.020000000000000018, 0.95), (0.016667, 0.95), (0.013334, 0.95), (0.010001, 0.95),
      (0.006668, 0.95), (0.0033349999999999977, 0.95), (1.9999999999985307e-06, 0.95),
    ]
    #expect(
      close(
        oneCycle(10) {
          OneCycleLR(
            $0, maxLearningRate: 0.5, totalSteps: 10, pctStart: 0.25, annealStrategy: .linear,
            threePhase: true)
        }, linear.flatMap { [$0.0, $0.1] }, 1e-10))
  }

  @Test("OneCycleLR stops past its total steps")
  func oneCycleOverrun() async {
    await #expect(processExitsWith: .failure) {
      let optimizer = SGD([Tensor.zeros([1]).requiringGrad()], learningRate: 1)
      let scheduler = OneCycleLR(optimizer, maxLearningRate: 1, totalSteps: 2)
      for _ in 0..<3 { scheduler.step() }
    }
  }

  @Test(
    "ReduceLROnPlateau: min with patience, cooldown and a floor; max with an absolute threshold")
  func plateau() {
    let metrics = [1.0, 0.9, 0.95, 0.91, 0.92, 0.89, 0.9, 0.9, 0.9, 0.9, 0.85]
    func rates(_ make: (Optimizer) -> ReduceLROnPlateau) -> [Double] {
      let optimizer = SGD([Tensor.zeros([1]).requiringGrad()], learningRate: 1)
      let scheduler = make(optimizer)
      return metrics.map { m in
        scheduler.step(m)
        return optimizer.learningRate
      }
    }
    #expect(
      close(
        rates {
          ReduceLROnPlateau($0, factor: 0.5, patience: 2, cooldown: 1, minimumLearningRate: 0.1)
        },
        [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]))
    #expect(
      close(
        rates {
          ReduceLROnPlateau($0, mode: .max, patience: 1, threshold: 0.01, thresholdMode: .absolute)
        },
        [
          1.0, 1.0, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002,
          0.0010000000000000002, 0.00010000000000000003, 0.00010000000000000003,
          1.0000000000000004e-05,
        ]))
  }

  /// Three LBFGS steps on a Rosenbrock-like function: (x, losses, evaluations, iterations).
  func lbfgs(_ lineSearch: LineSearch) -> ([Double], [Double], Int, Int) {
    let x = Tensor(shape: [3], scalars: [-1.2, 1.0, 0.5] as [Double]).requiringGrad()
    let optimizer = LBFGS([x], maxIterations: 5, historySize: 3, lineSearch: lineSearch)
    let losses = (0..<3).map { _ in
      optimizer.step {
        optimizer.zeroGrad()
        let (a, b, c) = (
          x.slice(dim: 0, start: 0, end: 1), x.slice(dim: 0, start: 1, end: 2),
          x.slice(dim: 0, start: 2, end: 3)
        )
        let loss = ((1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a) + (c - b) * (c - b) * 3)
          .sum()
        loss.backward()
        return loss
      }.item()
    }
    return (x.doubleScalars, losses, optimizer.functionEvaluations, optimizer.iterations)
  }

  @Test("LBFGS without and with the strong Wolfe line search")
  func lbfgsMatches() {
    let plain = lbfgs(.none)
    #expect(close(plain.0, [-0.5656183120780263, 0.33613565430160186, 0.4724723837828906], 1e-9))
    #expect(close(plain.1, [24.949999999999996, 4.9447219347171645, 3.9837861521252034], 1e-9))
    #expect(plain.2 == 15 && plain.3 == 15)
    let wolfe = lbfgs(.strongWolfe)
    #expect(close(wolfe.0, [-0.4690476123299508, 0.19274252778227663, 0.6681025635790198], 1e-9))
    #expect(close(wolfe.1, [24.949999999999996, 4.830007157446645, 3.3612644813846786], 1e-9))
    #expect(wolfe.2 == 18 && wolfe.3 == 12)
  }
}
