import AutogradKernels
import Synchronization

/// The source of monotonically increasing sequence numbers for nodes.
private let nodeCounter = Atomic<Int>(0)

/// One recorded operation on the tape, or a leaf's gradient accumulator.
///
/// A node holds the nodes of the inputs it was computed from and the op's derivative rule. The
/// rule may capture its inputs (with their nodes: they are older, so no cycle), but never its
/// output: an op that needs its output saves the output's storage here, and the tape re-attaches
/// this node when the rule asks for ``GradientContext/output`` (as PyTorch's `SavedVariable`).
/// So nodes form a DAG from outputs to inputs, and dropping the last tensor of a graph frees it
/// through ordinary reference counting.
final class Node: @unchecked Sendable {
  /// Creation order; a valid topological order of the graph.
  let sequence: Int
  /// The operation that produced the tensor.
  let op: OpKind
  /// The nodes of the inputs, `nil` where an input does not require a gradient.
  var inputs: [Node?]
  /// The derivative rule: output gradient → input gradients. `nil` for leaves and after the
  /// graph was freed.
  var derivative: ((GradientContext) -> [Tensor?])?
  /// The shape and element type of the tensor this node belongs to.
  let shape: [Int]
  var dtype: DType
  /// A leaf's own values (hooks receive the leaf), or an op's saved output; `nil` otherwise.
  var storage: TensorStorage?
  /// The accumulated gradient: for leaves always, for others only when `retainsGrad`.
  var grad: Tensor?
  /// Whether a non-leaf keeps its gradient (``Tensor/retainGrad()``).
  var retainsGrad = false
  /// Set when backward freed this node's derivative rule.
  var isFreed = false
  /// A leaf frozen with `requiresGrad = false`: it keeps its node (so every copy of the tensor
  /// stays frozen, and a module still finds it as a parameter) but ops do not record it.
  var isFrozen = false
  /// Hooks that see (and may replace) the gradient flowing into this tensor.
  var hooks: [(id: Int, body: (Tensor) -> Tensor?)] = []
  /// Hooks run after a leaf's gradient was accumulated.
  var postAccumulateHooks: [(id: Int, body: (Tensor) -> Void)] = []
  /// Where the op was called from, captured in anomaly mode only.
  var creationSite: CapturedCallStack?
  /// For a `slice` node, the region of its input it reads: a backward pass that is not
  /// recorded adds the gradient into that region of the input's pending gradient directly,
  /// instead of materialising a zero tensor of the input's shape per slice (see `Tape.run`).
  var sliceRegion: SliceRegion?

  init(
    op: OpKind, inputs: [Node?], shape: [Int], dtype: DType, storage: TensorStorage? = nil,
    derivative: ((GradientContext) -> [Tensor?])?
  ) {
    sequence = nodeCounter.wrappingAdd(1, ordering: .relaxed).oldValue
    self.op = op
    self.inputs = inputs
    self.shape = shape
    self.dtype = dtype
    self.storage = storage
    self.derivative = derivative
  }

  /// The tensor this node belongs to, rebuilt from its saved storage (leaves and saved outputs).
  var tensor: Tensor? {
    storage.map { Tensor(shape: shape, storage: $0, node: self) }
  }

  /// Releases a long chain iteratively: without this, freeing a 100,000-op graph would recurse
  /// once per node in `deinit` and overflow the stack. Derivative rules capture their inputs'
  /// nodes too, so a node's rule is dropped only after its inputs were taken into `pending`.
  deinit {
    var pending = inputs.compactMap { $0 }
    inputs = []
    derivative = nil
    grad = nil
    while var node = pending.popLast() {
      if isKnownUniquelyReferenced(&node) {
        pending.append(contentsOf: node.inputs.lazy.compactMap { $0 })
        node.inputs = []
        node.derivative = nil
        node.grad = nil
      }
    }
  }
}
