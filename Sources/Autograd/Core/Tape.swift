// The tape: how ops are recorded and how backward walks them.
//
// Recording: an op computes its output with kernels, then calls `record`, which attaches a node
// holding the inputs' nodes and the op's pullback — only when grad mode is on and some input
// requires a gradient. Backward: collect the nodes reachable from the root with an explicit stack,
// visit them in decreasing creation order (a valid reverse topological order), sum each node's
// incoming gradients before running its pullback once, accumulate into leaves, and free each
// pullback unless the graph is retained.

extension Tensor {
  /// Whether gradients flow to this tensor: set on leaves, inherited by results of ops.
  ///
  /// Setting it on a tensor produced by an op is a programmer error, as in PyTorch.
  public var requiresGrad: Bool {
    get { node != nil }
    set {
      if newValue {
        guard node == nil else { return }
        check(
          dtype.isFloatingPoint,
          "requiresGrad: only floating-point tensors can require gradients, got \(dtype)")
        node = Node(op: .leaf, inputs: [], shape: shape, dtype: dtype, pullback: nil)
      } else {
        check(
          node == nil || node!.op == .leaf,
          "requiresGrad: can only change the flag of leaf tensors; use detached() on the result of \(node!.op)"
        )
        node = nil
      }
    }
  }

  /// This tensor as a new leaf that requires a gradient (shares storage), for chaining.
  public func requiringGrad(_ flag: Bool = true) -> Tensor {
    var copy = detached()
    copy.requiresGrad = flag
    return copy
  }

  /// Whether the tensor is a leaf: created by the user rather than by a recorded op.
  public var isLeaf: Bool { node == nil || node!.op == .leaf }

  /// The name of the op that produced this tensor on the tape (`nil` for leaves and constants),
  /// like `grad_fn`.
  public var gradFunction: OpKind? {
    guard let node, node.op != .leaf else { return nil }
    return node.op
  }

  /// The accumulated gradient of a leaf (or of a non-leaf after ``retainGrad()``).
  ///
  /// Gradients accumulate over backward calls until set to `nil` (``zeroGrad()``).
  public var grad: Tensor? {
    get { node?.grad }
    nonmutating set { node?.grad = newValue }
  }

  /// Sets the gradient to `nil`, PyTorch's default `zero_grad(set_to_none=True)`.
  public func zeroGrad() { node?.grad = nil }

  /// Asks a non-leaf tensor to keep its gradient after backward.
  public func retainGrad() {
    guard let node else {
      fatalError("retainGrad: tensor does not require grad")
    }
    if node.op != .leaf { node.retainsGrad = true }
  }

  /// The same values cut off from the tape, like `tensor.detach()`. Shares storage.
  public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

  /// Attaches a node for `op` to `output` when recording is on and an input requires a gradient.
  ///
  /// `pullback` maps the output's gradient to one gradient per input (`nil` where the input needs
  /// none). It must capture only detached tensors, never `output` itself or a tensor with a node.
  static func record(
    _ op: OpKind, _ inputs: [Tensor], _ output: Tensor,
    _ pullback: @escaping (Tensor) -> [Tensor?]
  ) -> Tensor {
    guard GradMode.isEnabled, inputs.contains(where: { $0.node != nil }) else { return output }
    var result = output
    result.node = Node(
      op: op, inputs: inputs.map(\.node), shape: output.shape, dtype: output.dtype,
      pullback: pullback)
    return result
  }

  /// Whether an op with these inputs will be recorded (so saved values are needed).
  static func willRecord(_ inputs: Tensor...) -> Bool {
    GradMode.isEnabled && inputs.contains { $0.node != nil }
  }

  /// Computes the gradient of this tensor with respect to every leaf that requires one and adds it
  /// to their ``grad``, like `tensor.backward()`.
  ///
  /// - Parameters:
  ///   - gradient: The gradient of the final objective with respect to this tensor. Needed unless
  ///     the tensor has exactly one element, in which case it defaults to 1.
  ///   - retainGraph: Keep the graph so that backward can run through it again.
  public func backward(gradient: Tensor? = nil, retainGraph: Bool = false) {
    guard let root = node else {
      fatalError(
        "backward: tensor of shape \(shape) does not require grad and has no grad function")
    }
    let seed: Tensor
    if let gradient {
      check(
        gradient.shape == shape,
        "backward: gradient shape \(gradient.shape) does not match tensor shape \(shape)")
      seed = gradient.to(dtype).detached()
    } else {
      check(
        count == 1,
        "backward: grad can be implicitly created only for scalar outputs; this tensor has shape \(shape), so pass backward(gradient:)"
      )
      seed = Tensor.ones(shape, dtype: dtype)
    }
    noGrad { Tape.run(from: root, seed: seed, retainGraph: retainGraph) }
  }
}

/// The backward pass over recorded nodes.
enum Tape {
  /// All nodes reachable from `root`, found iteratively (no recursion, any depth).
  static func reachable(from root: Node) -> [Node] {
    var seen: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
    var stack = [root]
    var nodes = [Node]()
    while let node = stack.popLast() {
      nodes.append(node)
      for case let input? in node.inputs where seen.insert(ObjectIdentifier(input)).inserted {
        stack.append(input)
      }
    }
    return nodes
  }

  static func run(from root: Node, seed: Tensor, retainGraph: Bool) {
    let order = reachable(from: root).sorted { $0.sequence > $1.sequence }
    var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
    for node in order {
      guard let grad = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
      if node.op == .leaf || node.retainsGrad {
        node.grad = node.grad.map { $0 + grad } ?? grad
      }
      if node.op == .leaf { continue }
      guard let pullback = node.pullback else {
        fatalError(
          "backward: trying to backward through the graph a second time (the \(node.op) node's saved values were already freed); pass retainGraph: true to the first backward call"
        )
      }
      let inputGrads = pullback(grad)
      if GradMode.detectsAnomalies { checkAnomalies(node, grad, inputGrads) }
      if !retainGraph {
        node.pullback = nil
        node.isFreed = true
      }
      for (input, inputGrad) in zip(node.inputs, inputGrads) {
        guard let input, let inputGrad else { continue }
        check(
          inputGrad.shape == input.shape,
          "backward: \(node.op) produced a gradient of shape \(inputGrad.shape) for an input of shape \(input.shape)"
        )
        let key = ObjectIdentifier(input)
        pending[key] = pending[key].map { $0 + inputGrad } ?? inputGrad
      }
    }
  }

  /// Stops at the first non-finite gradient returned by `node`'s pullback (anomaly mode).
  static func checkAnomalies(_ node: Node, _ upstream: Tensor, _ grads: [Tensor?]) {
    for (i, g) in grads.enumerated() {
      guard let g, !g.doubleScalars.allSatisfy(\.isFinite) else { continue }
      let upstreamFinite = upstream.doubleScalars.allSatisfy(\.isFinite)
      fatalError(
        "anomaly: the backward of \(node.op) (output shape \(node.shape)) returned a NaN or infinite gradient for input \(i) of shape \(g.shape)"
          + (upstreamFinite ? "" : "; its incoming gradient was already non-finite"))
    }
  }

  /// The set of ops recorded in the graph that produced `tensor`.
  static func ops(in tensor: Tensor) -> Set<OpKind> {
    guard let root = tensor.node else { return [] }
    return Set(reachable(from: root).map(\.op))
  }
}

extension Tensor {
  /// The kinds of op recorded in the graph that produced this tensor (a debugging aid; the
  /// gradient-check coverage test uses it).
  public var recordedOps: Set<OpKind> { Tape.ops(in: self) }
}
