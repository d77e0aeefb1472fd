import ExampleSupport
import Foundation
import NN

/// Per-class figures of the greedy policy (argmax π) on a set of images: which digit classes it
/// answers right, how much probability it gives their labels, and what it answers instead.
public struct ClassStatistics: Equatable, Sendable {
  /// Images of each class.
  public var count = [Int](repeating: 0, count: 10)
  /// Images of each class whose argmax action is the label.
  public var correct = [Int](repeating: 0, count: 10)
  /// The sum over each class's images of π(y|x), the probability of the label.
  public var labelProbabilitySum = [Double](repeating: 0, count: 10)
  /// `predicted[c][k]`: images of class `c` whose argmax action is `k` (a confusion matrix).
  public var predicted = [[Int]](repeating: [Int](repeating: 0, count: 10), count: 10)

  /// No images yet.
  public init() {}

  /// Adds a batch's probabilities π(·|x) [N, 10] and labels [N].
  public mutating func add(probabilities: Tensor, labels: Tensor) {
    let p = probabilities.doubleScalars
    let y = labels.indices
    for (i, label) in y.enumerated() {
      let row = p[(i * 10)..<(i * 10 + 10)]
      var best = row.startIndex
      for k in row.indices where row[k] > row[best] { best = k }
      let answer = best - row.startIndex
      count[label] += 1
      if answer == label { correct[label] += 1 }
      labelProbabilitySum[label] += row[row.startIndex + label]
      predicted[label][answer] += 1
    }
  }

  /// The fraction of all images answered right.
  public var accuracy: Double {
    Double(correct.reduce(0, +)) / Double(max(count.reduce(0, +), 1))
  }

  /// Class `c`'s accuracy (0 for a class with no images).
  public func accuracy(ofClass c: Int) -> Double { Double(correct[c]) / Double(max(count[c], 1)) }

  /// Class `c`'s mean π(y|x) (0 for a class with no images).
  public func meanLabelProbability(ofClass c: Int) -> Double {
    labelProbabilitySum[c] / Double(max(count[c], 1))
  }

  /// The CSV header of ``rows(step:set:)``.
  public static let header =
    ["step", "set", "class", "count", "accuracy", "mean_label_probability"]
    + (0..<10).map { "predicted_\($0)" }

  /// One row per class: step, set name, class, count, accuracy, mean π(y|x), then how many of
  /// the class's images were answered 0…9.
  public func rows(step: Int, set: ClassLogSet) -> [[String]] {
    (0..<10).map { c in
      [
        String(step), set.rawValue, String(c), String(count[c]), String(accuracy(ofClass: c)),
        String(meanLabelProbability(ofClass: c)),
      ] + predicted[c].map(String.init)
    }
  }
}

/// The greedy policy's ``ClassStatistics`` on `images` and `labels`, in batches of 200, in eval
/// mode (no dropout) and without recording a graph.
public func classStatistics(_ policy: Module, images: Tensor, labels: Tensor) -> ClassStatistics {
  policy.eval()
  defer { policy.train() }
  var statistics = ClassStatistics()
  noGrad {
    var start = 0
    while start < images.shape[0] {
      let end = min(start + 200, images.shape[0])
      statistics.add(
        probabilities: policy(images.slice(dim: 0, start: start, end: end)),
        labels: labels.slice(dim: 0, start: start, end: end))
      start = end
    }
  }
  return statistics
}

/// The greedy policy's ``ClassStatistics`` on a data set.
public func classStatistics(_ policy: Module, on data: MNIST) -> ClassStatistics {
  policy.eval()
  defer { policy.train() }
  var statistics = ClassStatistics()
  noGrad {
    for (x, y) in DataLoader(data, batchSize: 200) {
      statistics.add(probabilities: policy(x), labels: y)
    }
  }
  return statistics
}

/// How the sampled REINFORCE gradient of one minibatch compares with its expectation (the
/// π(y)-weighted cross-entropy gradient) and with the plain cross-entropy gradient, all three
/// taken with respect to every parameter, on the same forward pass.
public struct GradientStatistics: Equatable, Sendable {
  /// The norm of the sampled REINFORCE gradient, ∇ mean(−log π(a|x)·(r − b)).
  public var reinforceNorm: Double
  /// The norm of the π(y)-weighted cross-entropy gradient, ∇ mean(−sg(π(y|x))·log π(y|x)): the
  /// exact expectation of the REINFORCE gradient over the sampled actions.
  public var weightedNorm: Double
  /// The norm of the cross-entropy gradient, ∇ mean(−log π(y|x)).
  public var crossEntropyNorm: Double
  /// cos(REINFORCE, weighted cross-entropy).
  public var cosineReinforceWeighted: Double
  /// cos(REINFORCE, cross-entropy).
  public var cosineReinforceCrossEntropy: Double
  /// cos(weighted cross-entropy, cross-entropy).
  public var cosineWeightedCrossEntropy: Double

  /// The CSV header of ``row(step:)``.
  public static let header = [
    "step", "cos_reinforce_weighted", "cos_reinforce_ce", "cos_weighted_ce",
    "norm_ratio_reinforce_weighted", "norm_ratio_reinforce_ce", "norm_reinforce", "norm_weighted",
    "norm_ce",
  ]

  /// The figures as a CSV row.
  public func row(step: Int) -> [String] {
    [
      String(step), String(cosineReinforceWeighted), String(cosineReinforceCrossEntropy),
      String(cosineWeightedCrossEntropy), String(reinforceNorm / weightedNorm),
      String(reinforceNorm / crossEntropyNorm), String(reinforceNorm), String(weightedNorm),
      String(crossEntropyNorm),
    ]
  }

  /// Compares the three gradients of `parameters` for one forward pass: `distribution` π(·|x),
  /// the sampled `action`s, the `labels`, and the `advantage` (the reward, less any baseline).
  /// The graph is retained, so the step's own backward pass can follow.
  public init(
    distribution m: Categorical, action: Tensor, labels: Tensor, advantage: Tensor,
    parameters: [Tensor]
  ) {
    let logPy = m.logProb(labels)
    let losses = [
      (-m.logProb(action) * advantage).mean(),
      (-(logPy.exp().detached() * logPy)).mean(),
      (-logPy).mean(),
    ]
    let gradients = losses.map { loss in
      grad([loss], parameters, retainGraph: true, allowUnused: true).map {
        $0?.doubleScalars ?? []
      }
    }
    func dot(_ a: Int, _ b: Int) -> Double {
      var sum = 0.0
      for (x, y) in zip(gradients[a], gradients[b]) {
        for (u, v) in zip(x, y) { sum += u * v }
      }
      return sum
    }
    let norms = (0..<3).map { dot($0, $0).squareRoot() }
    reinforceNorm = norms[0]
    weightedNorm = norms[1]
    crossEntropyNorm = norms[2]
    cosineReinforceWeighted = dot(0, 1) / (norms[0] * norms[1])
    cosineReinforceCrossEntropy = dot(0, 2) / (norms[0] * norms[2])
    cosineWeightedCrossEntropy = dot(1, 2) / (norms[1] * norms[2])
  }
}
