import Foundation

/// A learning-rate schedule, like `torch.optim.lr_scheduler.LRScheduler`: each ``step()``
/// advances one epoch and sets the optimizer's learning rate to ``learningRate(atEpoch:)`` of
/// the new epoch (a closed form of the base rate, so schedules compose, see ``SequentialLR``).
public protocol LRScheduler: AnyObject {
  /// The optimizer whose learning rate is set.
  var optimizer: Optimizer { get }
  /// The learning rate at epoch 0.
  var baseLearningRate: Double { get }
  /// The number of ``step()`` calls so far.
  var epoch: Int { get }
  /// The learning rate of the schedule at `epoch`.
  func learningRate(atEpoch epoch: Int) -> Double
  /// Advances one epoch and sets the optimizer's learning rate.
  func step()
}

/// Decays the learning rate by `gamma` every `stepSize` calls of ``step()``, like
/// `torch.optim.lr_scheduler.StepLR`.
public final class StepLR: LRScheduler {
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
    baseLearningRate = optimizer.scheduleBase()
  }

  /// base·γ^⌊epoch/stepSize⌋.
  public func learningRate(atEpoch epoch: Int) -> Double {
    baseLearningRate * Foundation.pow(gamma, Double(epoch / stepSize))
  }

  /// Advances one epoch and sets the learning rate to base·γ^⌊epoch/stepSize⌋.
  public func step() {
    epoch += 1
    optimizer.learningRate = learningRate(atEpoch: epoch)
  }
}

/// Cosine annealing from the base learning rate to `minimum` over `tMax` epochs, like
/// `torch.optim.lr_scheduler.CosineAnnealingLR` (its closed form).
public final class CosineAnnealingLR: LRScheduler {
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
    baseLearningRate = optimizer.scheduleBase()
  }

  /// min + (base − min)·(1 + cos(π·epoch/tMax))/2.
  public func learningRate(atEpoch epoch: Int) -> Double {
    minimum + (baseLearningRate - minimum) * (1 + cos(Double.pi * Double(epoch) / Double(tMax)))
      / 2
  }

  /// Advances one epoch: lr = min + (base − min)·(1 + cos(π·epoch/tMax))/2.
  public func step() {
    epoch += 1
    optimizer.learningRate = learningRate(atEpoch: epoch)
  }
}

/// The base learning rate times `factor(epoch)`, like `torch.optim.lr_scheduler.LambdaLR`.
public final class LambdaLR: LRScheduler {
  /// The optimizer whose learning rate is set.
  public let optimizer: Optimizer
  /// The learning rate at epoch 0 (before the factor).
  public let baseLearningRate: Double
  /// The multiplier per epoch.
  public let factor: (Int) -> Double
  /// The number of ``step()`` calls so far.
  public private(set) var epoch = 0

  /// Creates the scheduler and sets the learning rate to base·factor(0).
  public init(_ optimizer: Optimizer, factor: @escaping (Int) -> Double) {
    self.optimizer = optimizer
    self.factor = factor
    baseLearningRate = optimizer.scheduleBase()
    optimizer.learningRate = learningRate(atEpoch: 0)
  }

  /// base·factor(epoch).
  public func learningRate(atEpoch epoch: Int) -> Double { baseLearningRate * factor(epoch) }

  /// Advances one epoch and sets the learning rate.
  public func step() {
    epoch += 1
    optimizer.learningRate = learningRate(atEpoch: epoch)
  }
}

/// The base learning rate times `gamma^epoch`, like `torch.optim.lr_scheduler.ExponentialLR`.
public final class ExponentialLR: LRScheduler {
  /// The optimizer whose learning rate is set.
  public let optimizer: Optimizer
  /// The learning rate at epoch 0.
  public let baseLearningRate: Double
  /// The factor per epoch.
  public let gamma: Double
  /// The number of ``step()`` calls so far.
  public private(set) var epoch = 0

  /// Creates the scheduler.
  public init(_ optimizer: Optimizer, gamma: Double) {
    self.optimizer = optimizer
    self.gamma = gamma
    baseLearningRate = optimizer.scheduleBase()
  }

  /// base·γ^epoch.
  public func learningRate(atEpoch epoch: Int) -> Double {
    baseLearningRate * Foundation.pow(gamma, Double(epoch))
  }

  /// Advances one epoch and sets the learning rate.
  public func step() {
    epoch += 1
    optimizer.learningRate = learningRate(atEpoch: epoch)
  }
}

/// A linear ramp of the factor from `startFactor` to `endFactor` over `totalIterations` epochs,
/// then constant, like `torch.optim.lr_scheduler.LinearLR` (a warm-up).
public final class LinearLR: LRScheduler {
  /// The optimizer whose learning rate is set.
  public let optimizer: Optimizer
  /// The learning rate the factors multiply.
  public let baseLearningRate: Double
  /// The factor at epoch 0.
  public let startFactor: Double
  /// The factor from `totalIterations` on.
  public let endFactor: Double
  /// The length of the ramp in epochs.
  public let totalIterations: Int
  /// The number of ``step()`` calls so far.
  public private(set) var epoch = 0

  /// Creates the scheduler with PyTorch's defaults and sets the learning rate to base·start.
  public init(
    _ optimizer: Optimizer, startFactor: Double = 1.0 / 3, endFactor: Double = 1,
    totalIterations: Int = 5
  ) {
    check(
      startFactor > 0 && startFactor <= 1 && endFactor >= 0 && endFactor <= 1 && totalIterations > 0,
      "LinearLR: factors must be in (0, 1] and [0, 1] and totalIterations positive")
    self.optimizer = optimizer
    (self.startFactor, self.endFactor, self.totalIterations) = (
      startFactor, endFactor, totalIterations
    )
    baseLearningRate = optimizer.scheduleBase()
    optimizer.learningRate = learningRate(atEpoch: 0)
  }

  /// base·(start + (end − start)·min(epoch, total)/total).
  public func learningRate(atEpoch epoch: Int) -> Double {
    let progress = Double(Swift.min(epoch, totalIterations)) / Double(totalIterations)
    return baseLearningRate * (startFactor + (endFactor - startFactor) * progress)
  }

  /// Advances one epoch and sets the learning rate.
  public func step() {
    epoch += 1
    optimizer.learningRate = learningRate(atEpoch: epoch)
  }
}

/// Schedules run one after another, like `torch.optim.lr_scheduler.SequentialLR`: scheduler
/// `k` runs from milestone `k − 1` (epoch 0 for the first), counting its epochs from there.
public final class SequentialLR: LRScheduler {
  /// The optimizer whose learning rate is set.
  public let optimizer: Optimizer
  /// The learning rate at epoch 0.
  public let baseLearningRate: Double
  /// The schedules, in order.
  public let schedulers: [LRScheduler]
  /// The epochs at which the next schedule takes over (one fewer than the schedules).
  public let milestones: [Int]
  /// The number of ``step()`` calls so far.
  public private(set) var epoch = 0

  /// Chains `schedulers` (on `optimizer`) at `milestones`, and sets the first one's rate.
  public init(_ optimizer: Optimizer, schedulers: [LRScheduler], milestones: [Int]) {
    check(
      !schedulers.isEmpty && milestones.count == schedulers.count - 1
        && zip(milestones, milestones.dropFirst()).allSatisfy { $0 < $1 },
      "SequentialLR: expected \(schedulers.count - 1) increasing milestones, got \(milestones)")
    check(
      schedulers.allSatisfy { $0.optimizer === optimizer },
      "SequentialLR: every scheduler must drive the same optimizer")
    self.optimizer = optimizer
    self.schedulers = schedulers
    self.milestones = milestones
    baseLearningRate = schedulers[0].baseLearningRate
    optimizer.learningRate = learningRate(atEpoch: 0)
  }

  /// The active schedule's rate at its own epoch.
  public func learningRate(atEpoch epoch: Int) -> Double {
    let k = milestones.filter { $0 <= epoch }.count
    return schedulers[k].learningRate(atEpoch: epoch - (k == 0 ? 0 : milestones[k - 1]))
  }

  /// Advances one epoch and sets the learning rate.
  public func step() {
    epoch += 1
    optimizer.learningRate = learningRate(atEpoch: epoch)
  }
}
