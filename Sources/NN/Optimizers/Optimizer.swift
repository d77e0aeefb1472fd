/// The base of the optimizers: the parameters, a learning rate, and per-parameter state, like
/// `torch.optim.Optimizer`.
///
/// Parameters whose gradient is `nil` are skipped by ``step()``. ``zeroGrad()`` sets gradients
/// to `nil`, PyTorch's default.
open class Optimizer {
  /// The tensors updated in place by ``step()``.
  public let parameters: [Tensor]
  /// The current learning rate (schedulers change it).
  public var learningRate: Double
  /// Per-parameter state tensors by parameter index and name (`exp_avg`, `momentum_buffer`, …).
  public var state: [Int: [String: Tensor]] = [:]
  /// Per-parameter step counts (Adam's `step`).
  public var steps: [Int: Int] = [:]
  /// The learning rate when the first scheduler was attached (PyTorch's `initial_lr`): the
  /// base of every schedule on this optimizer, so that chained schedules share it.
  public internal(set) var initialLearningRate: Double?

  /// The base rate for a new scheduler: `initialLearningRate`, set to the current rate by the
  /// first scheduler.
  func scheduleBase() -> Double {
    if let initialLearningRate { return initialLearningRate }
    initialLearningRate = learningRate
    return learningRate
  }

  /// Creates the optimizer over `parameters`: leaves that require a gradient, or frozen ones
  /// (skipped while they have no gradient, as in PyTorch).
  public init(_ parameters: [Tensor], learningRate: Double) {
    for (i, p) in parameters.enumerated() {
      check(
        (p.requiresGrad || p.isFrozen) && p.isLeaf,
        "Optimizer: parameter \(i) of shape \(p.shape) is not a leaf parameter (create it with requiringGrad())"
      )
    }
    self.parameters = parameters
    self.learningRate = learningRate
  }

  /// Sets every parameter's gradient to `nil`.
  public func zeroGrad() {
    for p in parameters { p.zeroGrad() }
  }

  /// Updates every parameter that has a gradient.
  open func step() { fatalError("\(type(of: self)) must override step()") }

  /// The state tensor `name` of parameter `index`, created as zeros like the parameter.
  func buffer(_ index: Int, _ name: String) -> Tensor {
    if let existing = state[index]?[name] { return existing }
    let fresh = Tensor.zeros(like: parameters[index])
    state[index, default: [:]][name] = fresh
    return fresh
  }
}

extension Tensor {
  /// The elements as a mutable buffer of `T`; valid while the tensor is alive.
  func unsafeMutableElements<T: TensorScalar>(_: T.Type) -> UnsafeMutableBufferPointer<T> {
    withUnsafeMutableBuffer(as: T.self) { $0 }
  }
}
