import Foundation

/// Decays the learning rate by `gamma` every `stepSize` calls of ``step()``, like
/// `torch.optim.lr_scheduler.StepLR`.
public final class StepLR {
  /// The optimizer whose learning rate is set.
  public let optimizer: Optimizer
  /// The number of epochs between decays.
  public let stepSize: Int
  /// The factor applied at each decay.
  public let gamma: Double
  /// The learning rate at epoch 0.
  public let baseLearningRate: Double
  /// The number of ``step()`` calls so far.
  public private(set) var epoch = 0

  /// Creates the scheduler.
  public init(_ optimizer: Optimizer, stepSize: Int, gamma: Double = 0.1) {
    check(stepSize > 0, "StepLR: stepSize must be positive, got \(stepSize)")
    self.optimizer = optimizer
    self.stepSize = stepSize
    self.gamma = gamma
    baseLearningRate = optimizer.learningRate
  }

  /// Advances one epoch and sets the learning rate to base·γ^⌊epoch/stepSize⌋.
  public func step() {
    epoch += 1
    optimizer.learningRate = baseLearningRate * Foundation.pow(gamma, Double(epoch / stepSize))
  }
}

/// Cosine annealing from the base learning rate to `minimum` over `tMax` epochs, like
/// `torch.optim.lr_scheduler.CosineAnnealingLR` (its closed form).
public final class CosineAnnealingLR {
  /// The optimizer whose learning rate is set.
  public let optimizer: Optimizer
  /// The half-period in epochs.
  public let tMax: Int
  /// The smallest learning rate.
  public let minimum: Double
  /// The learning rate at epoch 0.
  public let baseLearningRate: Double
  /// The number of ``step()`` calls so far.
  public private(set) var epoch = 0

  /// Creates the scheduler.
  public init(_ optimizer: Optimizer, tMax: Int, minimum: Double = 0) {
    check(tMax > 0, "CosineAnnealingLR: tMax must be positive, got \(tMax)")
    self.optimizer = optimizer
    self.tMax = tMax
    self.minimum = minimum
    baseLearningRate = optimizer.learningRate
  }

  /// Advances one epoch: lr = min + (base − min)·(1 + cos(π·epoch/tMax))/2.
  public func step() {
    epoch += 1
    optimizer.learningRate =
      minimum + (baseLearningRate - minimum) * (1 + cos(Double.pi * Double(epoch) / Double(tMax)))
      / 2
  }
}
