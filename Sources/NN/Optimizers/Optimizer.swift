/// Parameters with their own learning rate and weight decay, like one of the dictionaries in
/// `torch.optim.SGD([{"params": …, "lr": …}, …])`. Options left `nil` take the optimizer's.
///
/// ```swift
/// let optimizer = SGD(
///   [ParameterGroup(model.body.parameters()),
///    ParameterGroup(model.head.parameters(), learningRate: 1e-2, weightDecay: 0)],
///   learningRate: 1e-3, momentum: 0.9, weightDecay: 1e-4)
/// ```
public struct ParameterGroup: OptimizerParameters {
  /// The tensors of the group.
  public var parameters: [Tensor]
  /// The group's learning rate, or `nil` for the optimizer's.
  public var learningRate: Double?
  /// The group's weight decay, or `nil` for the optimizer's.
  public var weightDecay: Double?

  /// Creates a group; `nil` options take the optimizer's values.
  public init(_ parameters: [Tensor], learningRate: Double? = nil, weightDecay: Double? = nil) {
    self.parameters = parameters
    self.learningRate = learningRate
    self.weightDecay = weightDecay
  }

  /// The groups themselves.
  public static func parameterGroups(_ list: [ParameterGroup]) -> [ParameterGroup] { list }
}

/// What an optimizer is built from: an array of tensors (one group) or of ``ParameterGroup``s.
public protocol OptimizerParameters {
  /// The groups that `list` makes.
  static func parameterGroups(_ list: [Self]) -> [ParameterGroup]
}

/// An array of tensors builds an optimizer with one parameter group.
extension Tensor: OptimizerParameters {
  /// One group holding every tensor of `list`.
  public static func parameterGroups(_ list: [Tensor]) -> [ParameterGroup] {
    [ParameterGroup(list)]
  }
}

/// The base of the optimizers: the parameters in groups, each with its learning rate and weight
/// decay, and per-parameter state, like `torch.optim.Optimizer`.
///
/// Parameters whose gradient is `nil` are skipped by ``step()``. ``zeroGrad()`` sets gradients
/// to `nil`, PyTorch's default.
open class Optimizer: @unchecked Sendable {
  /// The options of one parameter group, resolved against the optimizer's defaults (PyTorch's
  /// `optimizer.param_groups[k]`).
  public struct Group: Sendable {
    /// The positions in ``Optimizer/parameters`` of the group's tensors.
    public let parameterIndices: Range<Int>
    /// The group's current learning rate (schedulers set it).
    public var learningRate: Double
    /// The group's weight decay.
    public var weightDecay: Double
    /// The group's rate when the first scheduler was attached (PyTorch's `initial_lr`): the base
    /// of every schedule on the group, so that chained schedules share it.
    public internal(set) var initialLearningRate: Double?
  }

  /// The tensors updated in place by ``step()``, group after group.
  public let parameters: [Tensor]
  /// The parameter groups, in the order given.
  public var groups: [Group]
  /// The group of each parameter.
  private let groupOfParameter: [Int]
  /// Per-parameter state tensors by parameter index and name (`exp_avg`, `momentum_buffer`, …).
  public var state: [Int: [String: Tensor]] = [:]
  /// Per-parameter step counts (Adam's `step`).
  public var steps: [Int: Int] = [:]

  /// The first group's learning rate; setting it sets every group's.
  public var learningRate: Double {
    get { groups[0].learningRate }
    set { for k in groups.indices { groups[k].learningRate = newValue } }
  }

  /// The first group's `initialLearningRate`.
  public var initialLearningRate: Double? { groups[0].initialLearningRate }

  /// Sets `initialLearningRate` of every group that has none to its current rate (what the first
  /// scheduler does) and returns the first group's.
  func scheduleBase() -> Double {
    for k in groups.indices where groups[k].initialLearningRate == nil {
      groups[k].initialLearningRate = groups[k].learningRate
    }
    return groups[0].initialLearningRate!
  }

  /// Sets each group's learning rate to `rate(base)` of its `initialLearningRate`.
  func setScheduledRates(_ rate: (Double) -> Double) {
    for k in groups.indices {
      groups[k].learningRate = rate(groups[k].initialLearningRate ?? groups[k].learningRate)
    }
  }

  /// Creates the optimizer over `parameters` (tensors, or ``ParameterGroup``s with their own
  /// options): leaves that require a gradient, or frozen ones (skipped while they have no
  /// gradient, as in PyTorch). `weightDecay` is the default of groups that set none.
  public init<P: OptimizerParameters>(
    _ parameters: [P], learningRate: Double, weightDecay: Double = 0
  ) {
    let groups = P.parameterGroups(parameters)
    check(!groups.isEmpty, "Optimizer: no parameter groups")
    var all = [Tensor]()
    var resolved = [Group]()
    var owner = [Int]()
    for (k, group) in groups.enumerated() {
      let start = all.count
      all += group.parameters
      owner += Array(repeating: k, count: group.parameters.count)
      resolved.append(
        Group(
          parameterIndices: start..<all.count, learningRate: group.learningRate ?? learningRate,
          weightDecay: group.weightDecay ?? weightDecay))
    }
    for (i, p) in all.enumerated() {
      check(
        (p.requiresGrad || p.isFrozen) && p.isLeaf,
        "Optimizer: parameter \(i) of shape \(p.shape) is not a leaf parameter (create it with requiringGrad())"
      )
    }
    for i in all.indices {
      for j in all.indices where j < i && all[j].sharesStorage(with: all[i]) {
        check(false, "Optimizer: parameter \(i) appears more than once (also at \(j))")
      }
    }
    self.parameters = all
    self.groups = resolved
    self.groupOfParameter = owner
  }

  /// The learning rate of parameter `index`'s group.
  public func learningRate(ofParameter index: Int) -> Double {
    groups[groupOfParameter[index]].learningRate
  }

  /// The weight decay of parameter `index`'s group.
  public func weightDecay(ofParameter index: Int) -> Double {
    groups[groupOfParameter[index]].weightDecay
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
