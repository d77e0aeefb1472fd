// The tape: how ops are recorded and how backward walks them.
//
// Recording: an op computes its output (with kernels, or with other ops under `noGrad`), then
// calls `record`, which attaches a node holding the inputs' nodes and the op's derivative rule —
// only when grad mode is on and some input requires a gradient. Backward: collect the nodes
// reachable from the roots with an explicit stack, visit them in decreasing creation order (a
// valid reverse topological order), sum each node's incoming gradients before running its rule
// once, accumulate into leaves, and free each rule unless the graph is retained. Derivative rules
// are written in tensor ops, so with `createGraph` (grad mode on during backward) the gradient is
// itself recorded and can be differentiated again.

import AutogradKernels

/// What a derivative rule receives when backward reaches its op: the gradient flowing into the
/// op's output, the output itself (when the op saved it) and which inputs need a gradient.
public struct GradientContext {
  /// The gradient of the objective with respect to the op's output (`grad_output`).
  public let gradOutput: Tensor
  let node: Node
  /// The nodes on a path to `grad`'s inputs (`nil` for `backward`, where every input counts).
  let onPath: Set<ObjectIdentifier>?

  /// The op's output, attached to the graph, for rules written in terms of it (`exp`, `tanh`,
  /// `softmax`). Available when the op was recorded with `savingOutput: true`.
  public var output: Tensor {
    guard let output = node.tensor else {
      fatalError(
        "\(node.op): the derivative rule reads its output, but the op was recorded without savingOutput: true"
      )
    }
    return output
  }

  /// Whether input `index` needs a gradient in this backward pass (PyTorch's
  /// `ctx.needs_input_grad`): a rule may skip work for the others and return `nil` there.
  public func needsGradient(ofInput index: Int) -> Bool {
    guard let input = node.inputs[index] else { return false }
    return onPath?.contains(ObjectIdentifier(input)) ?? true
  }
}

extension Tensor {
  /// Whether gradients flow to this tensor: set on leaves, inherited by results of ops.
  ///
  /// Setting it to `false` on a leaf **freezes** it (``isFrozen``): ops stop recording it, but
  /// it keeps its gradient slot, and since copies of a tensor share it (like Python references
  /// to one `torch.Tensor`), every copy — a module's stored parameter included — is frozen too;
  /// setting it back to `true` unfreezes them all. Use ``detached()`` for a plain constant.
  /// Setting it on a tensor produced by an op is a programmer error, as in PyTorch.
  public var requiresGrad: Bool {
    get { liveNode != nil }
    set {
      if newValue {
        if let node {
          node.isFrozen = false
          return
        }
        check(
          dtype.isFloatingPoint,
          "requiresGrad: only floating-point tensors can require gradients, got \(dtype)")
        node = Node(
          op: .leaf, inputs: [], shape: shape, dtype: dtype, storage: storage, derivative: nil)
      } else {
        guard let node else { return }
        check(
          node.op == .leaf,
          "requiresGrad: can only change the flag of leaf tensors; use detached() on the result of \(node.op)"
        )
        node.isFrozen = true
      }
    }
  }

  /// Whether this is a leaf that required a gradient and was frozen with
  /// `requiresGrad = false`: it does not require a gradient now, but it is still a parameter
  /// (modules list it, checkpoints save it, optimizers skip it while it has no gradient).
  public var isFrozen: Bool { node?.isFrozen ?? false }

  /// The node ops record: `nil` for constants and frozen leaves.
  var liveNode: Node? {
    guard let node, !node.isFrozen else { return nil }
    return node
  }

  /// This tensor as a new leaf that requires a gradient (shares storage), for chaining.
  public func requiringGrad(_ flag: Bool = true) -> Tensor {
    var copy = detached()
    copy.requiresGrad = flag
    return copy
  }

  /// Whether the tensor is a leaf: created by the user rather than by a recorded op.
  public var isLeaf: Bool { node == nil || node!.op == .leaf }

  /// The kind of op that produced this tensor on the tape (`nil` for leaves and constants),
  /// like `grad_fn`.
  public var gradFunction: OpKind? {
    guard let node, node.op != .leaf else { return nil }
    return node.op
  }

  /// The accumulated gradient of a leaf (or of a non-leaf after ``retainGrad()``).
  ///
  /// Gradients accumulate over backward calls until set to `nil` (``zeroGrad()``). After
  /// `backward(createGraph: true)` the gradient is itself on the tape and can be differentiated.
  public var grad: Tensor? {
    get { node?.grad }
    nonmutating set { node?.grad = newValue }
  }

  /// Sets the gradient to `nil`, PyTorch's default `zero_grad(set_to_none=True)`.
  public func zeroGrad() { node?.grad = nil }

  /// Asks a non-leaf tensor to keep its gradient after backward.
  public func retainGrad() {
    guard let node else {
      fatalError("retainGrad: tensor of shape \(shape) does not require grad")
    }
    if node.op != .leaf { node.retainsGrad = true }
  }

  /// The same values cut off from the tape, like `tensor.detach()`. Shares storage.
  public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

  /// Records `output` on the tape as the result of the differentiable op `op` of `inputs`, with
  /// the derivative rule `derivative`: the one mechanism behind every built-in op, open to users
  /// (a function with its own backward, like MLX's custom VJP or a `torch.autograd.Function`).
  ///
  /// Compute `output` first (from raw buffers, or with ops under ``noGrad(_:)``), then record
  /// it. Nothing is recorded — `output` comes back as it is — when grad mode is off or no input
  /// requires a gradient.
  ///
  /// The rule maps ``GradientContext/gradOutput`` to one gradient per input (`nil` where an
  /// input needs none), each of that input's shape and type. Write it in tensor ops: backward
  /// with `createGraph` records those ops, so the gradient can be differentiated again. It may
  /// capture the inputs; it must not capture `output` (a reference cycle, and a second
  /// derivative that misses the output's own dependence on the inputs) — pass
  /// `savingOutput: true` and read ``GradientContext/output`` instead.
  ///
  /// ```swift
  /// // A straight-through estimator: round forward, identity backward.
  /// func roundSTE(_ x: Tensor) -> Tensor {
  ///   let y = noGrad { x.round() }  // any forward computation
  ///   return Tensor.record("roundSTE", inputs: [x], output: y) { ctx in [ctx.gradOutput] }
  /// }
  /// ```
  public static func record(
    _ op: OpKind, inputs: [Tensor], output: Tensor, savingOutput: Bool = false,
    derivative: @escaping (GradientContext) -> [Tensor?]
  ) -> Tensor {
    guard GradMode.isEnabled, inputs.contains(where: { $0.liveNode != nil }) else {
      if output.node == nil && inputs.contains(where: \.isGradientWithoutGraph) {
        var marked = output
        marked.isGradientWithoutGraph = true
        return marked
      }
      return output
    }
    check(op.isDifferentiable, "record: \(op) is marked as not differentiable")
    var result = output.detached()
    let node = Node(
      op: op, inputs: inputs.map(\.liveNode), shape: output.shape, dtype: output.dtype,
      storage: savingOutput ? output.storage : nil, derivative: derivative)
    if GradMode.detectsAnomalies { node.creationSite = callSite() }
    result.node = node
    return result
  }

  /// Computes the gradient of this tensor with respect to every leaf that requires one and adds it
  /// to their ``grad``, like `tensor.backward()`.
  ///
  /// - Parameters:
  ///   - gradient: The gradient of the final objective with respect to this tensor. Needed unless
  ///     the tensor has exactly one element, in which case it defaults to 1.
  ///   - retainGraph: Keep the graph so that backward can run through it again. Defaults to
  ///     `createGraph`, as in PyTorch.
  ///   - createGraph: Record the backward pass itself, so that the gradients (``grad``) can be
  ///     differentiated again (gradient penalties, Hessian-vector products). Note that a leaf's
  ///     gradient then refers to the graph that refers to the leaf; set it to `nil` when done,
  ///     or use ``grad(_:_:gradOutputs:retainGraph:createGraph:allowUnused:)``, which leaves
  ///     ``grad`` alone.
  public func backward(
    gradient: Tensor? = nil, retainGraph: Bool? = nil, createGraph: Bool = false
  ) {
    guard let root = liveNode else {
      fatalError(Tensor.noGraphMessage("backward", self))
    }
    let seed = Tensor.seed(for: self, gradient, "backward", createGraph: createGraph)
    withGradEnabled(createGraph) {
      _ = Tape.run(
        roots: [(root, seed)], targets: nil, retainGraph: retainGraph ?? createGraph,
        createGraph: createGraph)
    }
  }

  /// Why `tensor` has no graph, for `op`.
  static func noGraphMessage(_ op: String, _ tensor: Tensor) -> String {
    if tensor.isGradientWithoutGraph {
      return
        "\(op): tensor of shape \(tensor.shape) has no grad function because it is (computed from) a gradient that backward computed without createGraph; pass createGraph: true to backward or grad to differentiate a gradient again"
    }
    return "\(op): tensor of shape \(tensor.shape) does not require grad and has no grad function"
  }

  /// The seed gradient of `output`: `gradient` (checked, converted) or 1 for one element.
  static func seed(for output: Tensor, _ gradient: Tensor?, _ op: String, createGraph: Bool)
    -> Tensor
  {
    if let gradient {
      check(
        gradient.shape == output.shape,
        "\(op): gradient shape \(gradient.shape) does not match tensor shape \(output.shape)")
      let converted = gradient.to(output.dtype)
      return createGraph ? converted : converted.detached()
    }
    check(
      output.count == 1,
      "\(op): grad can be implicitly created only for scalar outputs; this tensor has shape \(output.shape), so pass a gradient"
    )
    return Tensor.ones(output.shape, dtype: output.dtype)
  }
}

/// The gradients of `outputs` with respect to `inputs`, returned rather than accumulated into
/// ``Tensor/grad``, like `torch.autograd.grad`.
///
/// - Parameters:
///   - outputs: The tensors to differentiate; each needs a gradient in `gradOutputs` unless it
///     has one element.
///   - inputs: The tensors to differentiate with respect to: leaves or intermediate results,
///     each requiring a gradient.
///   - gradOutputs: The vector of the vector-Jacobian product, one per output (`nil` entries, or
///     no array, mean 1 for one-element outputs).
///   - retainGraph: Keep the graph for another backward. Defaults to `createGraph`.
///   - createGraph: Record the backward pass so that the returned gradients can be
///     differentiated again.
///   - allowUnused: Return `nil` for an input the outputs do not depend on, instead of stopping.
/// - Returns: One gradient per input, of its shape; `nil` only for unused inputs when
///   `allowUnused` is set.
public func grad(
  _ outputs: [Tensor], _ inputs: [Tensor], gradOutputs: [Tensor?]? = nil,
  retainGraph: Bool? = nil, createGraph: Bool = false, allowUnused: Bool = false
) -> [Tensor?] {
  check(!outputs.isEmpty, "grad: expected at least one output")
  if let gradOutputs {
    check(
      gradOutputs.count == outputs.count,
      "grad: got \(gradOutputs.count) gradOutputs for \(outputs.count) outputs")
  }
  var roots = [(Node, Tensor)]()
  for (i, output) in outputs.enumerated() {
    guard let node = output.liveNode else {
      fatalError(Tensor.noGraphMessage("grad", output) + " (output \(i))")
    }
    roots.append(
      (
        node,
        Tensor.seed(for: output, gradOutputs?[i] ?? nil, "grad", createGraph: createGraph)
      ))
  }
  var targets = [Node]()
  for (i, input) in inputs.enumerated() {
    guard let node = input.liveNode else {
      fatalError("grad: input \(i) of shape \(input.shape) does not require grad")
    }
    targets.append(node)
  }
  let results = withGradEnabled(createGraph) {
    Tape.run(
      roots: roots, targets: targets, retainGraph: retainGraph ?? createGraph,
      createGraph: createGraph)
  }
  for (i, result) in results.enumerated() where result == nil {
    check(
      allowUnused,
      "grad: input \(i) of shape \(inputs[i].shape) was not used in the graph of the outputs; pass allowUnused: true if this is intended"
    )
  }
  return results
}

/// The gradient of one `output` with respect to one `input`, like
/// `torch.autograd.grad(output, input)[0]`; zeros when `output` does not depend on `input`
/// (including when `output` has no graph at all: a gradient of a linear function, say).
public func grad(
  _ output: Tensor, _ input: Tensor, gradOutput: Tensor? = nil, retainGraph: Bool? = nil,
  createGraph: Bool = false
) -> Tensor {
  guard output.requiresGrad else { return Tensor.zeros(like: input) }
  return grad(
    [output], [input], gradOutputs: [gradOutput], retainGraph: retainGraph,
    createGraph: createGraph, allowUnused: true)[0] ?? Tensor.zeros(like: input)
}

/// The backward pass over recorded nodes.
enum Tape {
  /// All nodes reachable from `roots`, found iteratively (no recursion, any depth).
  static func reachable(from roots: [Node]) -> [Node] {
    var seen = Set<ObjectIdentifier>()
    var stack = [Node]()
    for root in roots where seen.insert(ObjectIdentifier(root)).inserted { stack.append(root) }
    var nodes = [Node]()
    while let node = stack.popLast() {
      nodes.append(node)
      for case let input? in node.inputs where seen.insert(ObjectIdentifier(input)).inserted {
        stack.append(input)
      }
    }
    return nodes
  }

  /// Runs backward from `roots` (node, seed gradient).
  ///
  /// Without `targets`, gradients accumulate into leaves (and retained non-leaves). With
  /// `targets`, nothing is accumulated: the gradient reaching each target is returned (`nil`
  /// where none does), and only the nodes on a path to a target run their rules.
  static func run(
    roots: [(Node, Tensor)], targets: [Node]?, retainGraph: Bool, createGraph: Bool
  ) -> [Tensor?] {
    let order = reachable(from: roots.map(\.0)).sorted { $0.sequence > $1.sequence }
    var targetSlots = [ObjectIdentifier: [Int]]()
    var needed: Set<ObjectIdentifier>?
    if let targets {
      for (i, target) in targets.enumerated() {
        targetSlots[ObjectIdentifier(target), default: []].append(i)
      }
      // Nodes from which a target is reachable, found in creation order (inputs come first).
      var onPath = Set(targetSlots.keys)
      for node in order.reversed()
      where node.inputs.contains(where: {
        $0.map { onPath.contains(ObjectIdentifier($0)) } ?? false
      }) {
        onPath.insert(ObjectIdentifier(node))
      }
      needed = onPath
    }
    var results = [Tensor?](repeating: nil, count: targets?.count ?? 0)
    var pending = [ObjectIdentifier: Tensor]()
    // Pending gradients this pass allocated itself and referenced nowhere else (sums of two
    // gradients, and the buffers slices add into), so later gradients can be added in place.
    // Only without createGraph, where a sum is a plain buffer rather than a recorded op.
    var ownedPending = Set<ObjectIdentifier>()
    for (node, seed) in roots {
      let key = ObjectIdentifier(node)
      pending[key] = pending[key].map { $0 + seed } ?? seed
    }
    for node in order {
      let key = ObjectIdentifier(node)
      guard var grad = pending.removeValue(forKey: key) else { continue }
      ownedPending.remove(key)
      if let needed, !needed.contains(key) { continue }
      if !createGraph { grad.isGradientWithoutGraph = true }
      for hook in node.hooks {
        guard let replaced = hook.body(grad) else { continue }
        check(
          replaced.shape == node.shape,
          "hook: a tensor hook returned a gradient of shape \(replaced.shape) for a tensor of shape \(node.shape)"
        )
        grad = replaced.to(node.dtype)
        if !createGraph { grad.isGradientWithoutGraph = true }
      }
      if let slots = targetSlots[key] {
        for slot in slots { results[slot] = grad }
      }
      if targets == nil && (node.op == .leaf || node.retainsGrad) {
        node.grad = node.grad.map { $0 + grad } ?? grad
        if !createGraph { node.grad!.isGradientWithoutGraph = true }
        if node.op == .leaf, let leaf = node.tensor {
          for hook in node.postAccumulateHooks { hook.body(leaf) }
        }
      }
      if node.op == .leaf { continue }
      if !createGraph && !GradMode.detectsAnomalies, let region = node.sliceRegion,
        node.derivative != nil, let input = node.inputs[0]
      {
        // An unrecorded slice: add its gradient into the region of the input's pending gradient
        // (one buffer for all the slices of a tensor, as in an RNN's per-step slices) instead of
        // a zero tensor of the input's shape per slice and a full-size add.
        let inputKey = ObjectIdentifier(input)
        if !retainGraph {
          node.derivative = nil
          node.isFreed = true
        }
        if let needed, !needed.contains(inputKey) { continue }
        let target: Tensor
        if let existing = pending[inputKey], ownedPending.contains(inputKey) {
          target = existing
        } else {
          target = pending[inputKey].map { $0 * 1 } ?? Tensor.zeros(input.shape, dtype: input.dtype)
          pending[inputKey] = target
          ownedPending.insert(inputKey)
        }
        grad.addSliced(into: target, region)
        continue
      }
      guard let derivative = node.derivative else {
        fatalError(
          "backward: trying to backward through the graph a second time (the \(node.op) node's saved values were already freed); pass retainGraph: true to the first backward call"
        )
      }
      let context = GradientContext(gradOutput: grad, node: node, onPath: needed)
      let inputGrads = derivative(context)
      check(
        inputGrads.count == node.inputs.count,
        "backward: the derivative rule of \(node.op) returned \(inputGrads.count) gradients for \(node.inputs.count) inputs"
      )
      if GradMode.detectsAnomalies { checkAnomalies(node, grad, inputGrads) }
      if !retainGraph {
        node.derivative = nil
        if node.op != .leaf { node.storage = nil }
        node.isFreed = true
      }
      for (input, inputGrad) in zip(node.inputs, inputGrads) {
        guard let input, let inputGrad else { continue }
        let inputKey = ObjectIdentifier(input)
        if let needed, !needed.contains(inputKey) { continue }
        check(
          inputGrad.shape == input.shape,
          "backward: \(node.op) produced a gradient of shape \(inputGrad.shape) for an input of shape \(input.shape)"
        )
        check(
          inputGrad.dtype == input.dtype,
          "backward: \(node.op) produced a \(inputGrad.dtype) gradient for a \(input.dtype) input of shape \(input.shape)"
        )
        if let existing = pending[inputKey] {
          if ownedPending.contains(inputKey) {
            // A sum this pass made itself and handed to no one: add into it.
            existing.addInPlace(inputGrad)
          } else {
            pending[inputKey] = existing + inputGrad
            if !createGraph { ownedPending.insert(inputKey) }
          }
        } else {
          pending[inputKey] = inputGrad
        }
      }
    }
    return results
  }

  /// Stops at the first non-finite gradient returned by `node`'s rule (anomaly mode), naming
  /// the op and, when captured, where it was called from.
  static func checkAnomalies(_ node: Node, _ upstream: Tensor, _ grads: [Tensor?]) {
    for (i, g) in grads.enumerated() {
      guard let g, !g.doubleScalars.allSatisfy(\.isFinite) else { continue }
      let upstreamFinite = upstream.doubleScalars.allSatisfy(\.isFinite)
      fatalError(
        "anomaly: the backward of \(node.op) (output shape \(node.shape)) returned a NaN or infinite gradient for input \(i) of shape \(g.shape)"
          + (upstreamFinite ? "" : "; its incoming gradient was already non-finite")
          + (node.creationSite?.firstCallerOutsideLibrary.map { "; the op was created at \($0)" }
            ?? ""))
    }
  }

  /// The set of ops recorded in the graph that produced `tensor`.
  static func ops(in tensor: Tensor) -> Set<OpKind> {
    guard let root = tensor.node else { return [] }
    return Set(reachable(from: [root]).map(\.op))
  }
}

extension Tensor {
  /// The kinds of op recorded in the graph that produced this tensor (a debugging aid; the
  /// gradient-check coverage test uses it).
  public var recordedOps: Set<OpKind> { Tape.ops(in: self) }
}
