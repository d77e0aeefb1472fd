import Foundation

/// A learning-rate schedule, like `torch.optim.lr_scheduler.LRScheduler`: each ``step()``
/// advances one epoch and sets every parameter group's learning rate to
/// ``learningRate(atEpoch:base:)`` of the new epoch, with the group's
/// ``Optimizer/Group/initialLearningRate`` as the base (a closed form, so schedules compose, see
/// ``SequentialLR``).
public protocol LRScheduler: AnyObject {
  /// The optimizer whose learning rate is set.
  var optimizer: Optimizer { get }
  /// The first group's learning rate at epoch 0.
  var baseLearningRate: Double { get }
  /// The number of ``step()`` calls so far.
  var epoch: Int { get }
  /// The learning rate of the schedule at `epoch` for a group whose base rate is `base`.
  func learningRate(atEpoch epoch: Int, base: Double) -> Double
  /// Advances one epoch and sets the optimizer's learning rates.
  func step()
}

extension LRScheduler {
  /// The first group's learning rate at `epoch`.
  public func learningRate(atEpoch epoch: Int) -> Double {
    learningRate(atEpoch: epoch, base: baseLearningRate)
  }

  /// Sets every group's rate to the schedule's value at `epoch`.
  func apply(epoch: Int) {
    optimizer.setScheduledRates { learningRate(atEpoch: epoch, base: $0) }
  }
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
  public func learningRate(atEpoch epoch: Int, base: Double) -> Double {
    base * Foundation.pow(gamma, Double(epoch / stepSize))
  }

  /// Advances one epoch and sets the learning rate to base·γ^⌊epoch/stepSize⌋.
  public func step() {
    epoch += 1
    apply(epoch: epoch)
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
  public func learningRate(atEpoch epoch: Int, base: Double) -> Double {
    minimum + (base - minimum) * (1 + cos(Double.pi * Double(epoch) / Double(tMax)))
      / 2
  }

  /// Advances one epoch: lr = min + (base − min)·(1 + cos(π·epoch/tMax))/2.
  public func step() {
    epoch += 1
    apply(epoch: epoch)
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
    apply(epoch: 0)
  }

  /// base·factor(epoch).
  public func learningRate(atEpoch epoch: Int, base: Double) -> Double {
    base * factor(epoch)
  }

  /// Advances one epoch and sets the learning rate.
  public func step() {
    epoch += 1
    apply(epoch: epoch)
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
  public func learningRate(atEpoch epoch: Int, base: Double) -> Double {
    base * Foundation.pow(gamma, Double(epoch))
  }

  /// Advances one epoch and sets the learning rate.
  public func step() {
    epoch += 1
    apply(epoch: epoch)
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
      startFactor > 0 && startFactor <= 1 && endFactor >= 0 && endFactor <= 1
        && totalIterations > 0,
      "LinearLR: factors must be in (0, 1] and [0, 1] and totalIterations positive")
    self.optimizer = optimizer
    (self.startFactor, self.endFactor, self.totalIterations) = (
      startFactor, endFactor, totalIterations
    )
    baseLearningRate = optimizer.scheduleBase()
    apply(epoch: 0)
  }

  /// base·(start + (end − start)·min(epoch, total)/total).
  public func learningRate(atEpoch epoch: Int, base: Double) -> Double {
    let progress = Double(Swift.min(epoch, totalIterations)) / Double(totalIterations)
    return base * (startFactor + (endFactor - startFactor) * progress)
  }

  /// Advances one epoch and sets the learning rate.
  public func step() {
    epoch += 1
    apply(epoch: epoch)
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
    apply(epoch: 0)
  }

  /// The active schedule's rate at its own epoch.
  public func learningRate(atEpoch epoch: Int, base: Double) -> Double {
    let k = milestones.filter { $0 <= epoch }.count
    return schedulers[k].learningRate(
      atEpoch: epoch - (k == 0 ? 0 : milestones[k - 1]), base: base)
  }

  /// Advances one epoch and sets the learning rate.
  public func step() {
    epoch += 1
    apply(epoch: epoch)
  }
}

/// How ``OneCycleLR`` moves between its rates.
public enum AnnealStrategy: Sendable {
  /// Half a cosine wave (PyTorch's `"cos"`, the default).
  case cosine
  /// A straight line (`"linear"`).
  case linear

  /// The value `progress` ∈ [0, 1] of the way from `start` to `end`.
  func interpolate(_ start: Double, _ end: Double, _ progress: Double) -> Double {
    switch self {
    case .cosine: end + (start - end) / 2 * (cos(Double.pi * progress) + 1)
    case .linear: (end - start) * progress + start
    }
  }
}

/// The one-cycle policy, like `torch.optim.lr_scheduler.OneCycleLR`: the rate rises from
/// `maxLearningRate / divFactor` to `maxLearningRate` over the first `pctStart` of
/// `totalSteps`, then falls to the initial rate `/ finalDivFactor`; with `threePhase` it first
/// falls back to the initial rate and then to the final one. Momentum (SGD's `momentum`, or
/// β₁ of Adam, AdamW, Adamax, NAdam; RMSprop's momentum) cycles inversely between
/// `maxMomentum` and `baseMomentum` when `cycleMomentum`, as in PyTorch, where it is on by
/// default. Call ``step()`` once per batch; a step past `totalSteps` stops with a message.
///
/// This schedule sets each group's rate from its `maxLearningRate`, not from its current one,
/// so it does not chain in ``SequentialLR``.
public final class OneCycleLR: LRScheduler {
  /// The optimizer whose learning rate (and momentum) is set.
  public let optimizer: Optimizer
  /// The peak learning rate.
  public let maxLearningRate: Double
  /// The number of steps in the cycle.
  public let totalSteps: Int
  /// The fraction of the cycle spent rising.
  public let pctStart: Double
  /// The shape of each phase.
  public let annealStrategy: AnnealStrategy
  /// Whether momentum cycles inversely to the rate.
  public let cycleMomentum: Bool
  /// The momentum at the peak rate.
  public let baseMomentum: Double
  /// The momentum at the lowest rates.
  public let maxMomentum: Double
  /// The initial rate is `maxLearningRate / divFactor`.
  public let divFactor: Double
  /// The final rate is the initial one `/ finalDivFactor`.
  public let finalDivFactor: Double
  /// Whether the cycle has three phases (up, down to the initial rate, down to the final one).
  public let threePhase: Bool
  /// The learning rate at step 0.
  public var baseLearningRate: Double { maxLearningRate / divFactor }
  /// The number of ``step()`` calls so far.
  public private(set) var epoch = 0

  /// Creates the scheduler with PyTorch's defaults, and sets the rate (and momentum) of step 0.
  /// Give `totalSteps`, or `epochs` and `stepsPerEpoch`.
  public init(
    _ optimizer: Optimizer, maxLearningRate: Double, totalSteps: Int? = nil, epochs: Int? = nil,
    stepsPerEpoch: Int? = nil, pctStart: Double = 0.3, annealStrategy: AnnealStrategy = .cosine,
    cycleMomentum: Bool = true, baseMomentum: Double = 0.85, maxMomentum: Double = 0.95,
    divFactor: Double = 25, finalDivFactor: Double = 1e4, threePhase: Bool = false
  ) {
    let total = totalSteps ?? ((epochs ?? 0) * (stepsPerEpoch ?? 0))
    check(total > 0, "OneCycleLR: give a positive totalSteps, or epochs and stepsPerEpoch")
    check(pctStart > 0 && pctStart < 1, "OneCycleLR: pctStart must be in (0, 1), got \(pctStart)")
    check(
      !cycleMomentum || OneCycleLR.momentum(of: optimizer) != nil,
      "OneCycleLR: cycleMomentum needs an optimizer with momentum or betas, not \(type(of: optimizer))"
    )
    self.optimizer = optimizer
    self.maxLearningRate = maxLearningRate
    self.totalSteps = total
    (self.pctStart, self.annealStrategy, self.cycleMomentum) = (
      pctStart, annealStrategy, cycleMomentum
    )
    (self.baseMomentum, self.maxMomentum) = (baseMomentum, maxMomentum)
    (self.divFactor, self.finalDivFactor, self.threePhase) = (divFactor, finalDivFactor, threePhase)
    for k in optimizer.groups.indices {
      optimizer.groups[k].initialLearningRate = maxLearningRate / divFactor
    }
    apply(epoch: 0)
    setMomentum(atStep: 0)
  }

  /// The phases: (end step, start and end factor of the rate as multiples of the initial rate
  /// or of the max rate, start and end momentum).
  private var phases:
    [(end: Double, startRate: Double, endRate: Double, startMomentum: Double, endMomentum: Double)]
  {
    let initial = maxLearningRate / divFactor
    let final = initial / finalDivFactor
    let n = Double(totalSteps)
    if threePhase {
      return [
        (pctStart * n - 1, initial, maxLearningRate, maxMomentum, baseMomentum),
        (2 * pctStart * n - 2, maxLearningRate, initial, baseMomentum, maxMomentum),
        (n - 1, initial, final, maxMomentum, maxMomentum),
      ]
    }
    return [
      (pctStart * n - 1, initial, maxLearningRate, maxMomentum, baseMomentum),
      (n - 1, maxLearningRate, final, baseMomentum, maxMomentum),
    ]
  }

  /// The phase of `step` and the progress through it, as PyTorch computes them.
  private func locate(_ step: Int) -> (phase: Int, progress: Double) {
    var start = 0.0
    let all = phases
    for (i, phase) in all.enumerated() {
      if Double(step) <= phase.end || i == all.count - 1 {
        return (i, (Double(step) - start) / (phase.end - start))
      }
      start = phase.end
    }
    return (all.count - 1, 1)
  }

  /// The rate at step `epoch` (the same for every group: `base` is ignored, each group runs
  /// the one cycle of `maxLearningRate`).
  public func learningRate(atEpoch epoch: Int, base: Double) -> Double {
    let (i, progress) = locate(epoch)
    let phase = phases[i]
    return annealStrategy.interpolate(phase.startRate, phase.endRate, progress)
  }

  /// The momentum at step `epoch`.
  public func momentum(atEpoch epoch: Int) -> Double {
    let (i, progress) = locate(epoch)
    let phase = phases[i]
    return annealStrategy.interpolate(phase.startMomentum, phase.endMomentum, progress)
  }

  /// Advances one step and sets the rate (and momentum).
  public func step() {
    check(
      epoch + 1 <= totalSteps,
      "OneCycleLR: stepped \(epoch + 2) times, more than totalSteps = \(totalSteps) + 1")
    epoch += 1
    apply(epoch: epoch)
    setMomentum(atStep: epoch)
  }

  private func setMomentum(atStep step: Int) {
    guard cycleMomentum else { return }
    OneCycleLR.setMomentum(of: optimizer, to: momentum(atEpoch: step))
  }

  /// The optimizer's momentum or β₁, if it has one.
  static func momentum(of optimizer: Optimizer) -> Double? {
    switch optimizer {
    case let o as SGD: o.momentum
    case let o as Adam: o.betas.0
    case let o as Adamax: o.betas.0
    case let o as NAdam: o.betas.0
    case let o as RMSprop: o.momentum
    default: nil
    }
  }

  static func setMomentum(of optimizer: Optimizer, to value: Double) {
    switch optimizer {
    case let o as SGD: o.momentum = value
    case let o as Adam: o.betas.0 = value
    case let o as Adamax: o.betas.0 = value
    case let o as NAdam: o.betas.0 = value
    case let o as RMSprop: o.momentum = value
    default: break
    }
  }
}

/// Whether ``ReduceLROnPlateau`` looks for a falling or a rising metric.
public enum PlateauMode: Sendable {
  /// A loss: lower is better.
  case min
  /// An accuracy: higher is better.
  case max
}

/// How ``ReduceLROnPlateau`` measures a significant improvement.
public enum PlateauThresholdMode: Sendable {
  /// Better than `best·(1 ∓ threshold)` (PyTorch's `"rel"`, the default).
  case relative
  /// Better than `best ∓ threshold` (`"abs"`).
  case absolute
}

/// Cuts the learning rate by `factor` when a metric has stopped improving for `patience`
/// epochs, like `torch.optim.lr_scheduler.ReduceLROnPlateau`. Call ``step(_:)`` with the
/// metric once per epoch. It is not an ``LRScheduler``: it has no closed form.
public final class ReduceLROnPlateau {
  /// The optimizer whose learning rates are cut.
  public let optimizer: Optimizer
  /// Falling (`min`) or rising (`max`) metric.
  public let mode: PlateauMode
  /// The multiplier of each cut.
  public let factor: Double
  /// The number of epochs without improvement tolerated before a cut.
  public let patience: Int
  /// The least significant improvement.
  public let threshold: Double
  /// Relative or absolute threshold.
  public let thresholdMode: PlateauThresholdMode
  /// Epochs to wait after a cut before counting again.
  public let cooldown: Int
  /// The lowest rate of each group.
  public let minimumLearningRates: [Double]
  /// A cut smaller than this is not made.
  public let eps: Double
  /// The best metric so far.
  public private(set) var best: Double
  /// Epochs since the best metric.
  public private(set) var badEpochs = 0
  /// Epochs of cooldown left.
  public private(set) var cooldownCounter = 0
  /// The number of ``step(_:)`` calls so far.
  public private(set) var epoch = 0

  /// Creates the scheduler with PyTorch's defaults; `minimumLearningRate` applies to every group.
  public init(
    _ optimizer: Optimizer, mode: PlateauMode = .min, factor: Double = 0.1, patience: Int = 10,
    threshold: Double = 1e-4, thresholdMode: PlateauThresholdMode = .relative, cooldown: Int = 0,
    minimumLearningRate: Double = 0, eps: Double = 1e-8
  ) {
    check(factor < 1, "ReduceLROnPlateau: factor must be below 1, got \(factor)")
    self.optimizer = optimizer
    (self.mode, self.factor, self.patience, self.threshold) = (mode, factor, patience, threshold)
    (self.thresholdMode, self.cooldown, self.eps) = (thresholdMode, cooldown, eps)
    minimumLearningRates = Array(repeating: minimumLearningRate, count: optimizer.groups.count)
    best = mode == .min ? .infinity : -.infinity
  }

  /// Whether `metric` improves on ``best`` by more than the threshold.
  func isBetter(_ metric: Double) -> Bool {
    switch (mode, thresholdMode) {
    case (.min, .relative): metric < best * (1 - threshold)
    case (.min, .absolute): metric < best - threshold
    case (.max, .relative): metric > best * (threshold + 1)
    case (.max, .absolute): metric > best + threshold
    }
  }

  /// Records one epoch's `metric`, and cuts the rates if it has not improved for more than
  /// `patience` epochs (outside a cooldown).
  public func step(_ metric: Double) {
    epoch += 1
    if isBetter(metric) {
      best = metric
      badEpochs = 0
    } else {
      badEpochs += 1
    }
    if cooldownCounter > 0 {
      cooldownCounter -= 1
      badEpochs = 0
    }
    if badEpochs > patience {
      for k in optimizer.groups.indices {
        let old = optimizer.groups[k].learningRate
        let new = Swift.max(old * factor, minimumLearningRates[k])
        if old - new > eps { optimizer.groups[k].learningRate = new }
      }
      cooldownCounter = cooldown
      badEpochs = 0
    }
  }
}
