import Synchronization

/// The source of monotonically increasing sequence numbers for nodes.
private let nodeCounter = Atomic<Int>(0)

/// One recorded operation on the tape, or a leaf's gradient accumulator.
///
/// A node holds the nodes of the inputs it was computed from and a pullback that maps the output
/// gradient to input gradients. Pullbacks capture only detached tensors (no nodes), so nodes
/// form a DAG pointing from outputs to inputs with no cycles, and dropping the last tensor of a
/// graph frees it through ordinary reference counting.
final class Node: @unchecked Sendable {
  /// Creation order; a valid topological order of the graph.
  let sequence: Int
  /// The operation that produced the tensor.
  let op: OpKind
  /// The nodes of the inputs, `nil` where an input does not require a gradient.
  var inputs: [Node?]
  /// Output gradient → input gradients. `nil` for leaves and after the graph was freed.
  var pullback: ((Tensor) -> [Tensor?])?
  /// The shape and element type of the tensor this node belongs to.
  let shape: [Int]
  let dtype: DType
  /// The accumulated gradient: for leaves always, for others only when `retainsGrad`.
  var grad: Tensor?
  /// Whether a non-leaf keeps its gradient (``Tensor/retainGrad()``).
  var retainsGrad = false
  /// Set when backward freed this node's pullback.
  var isFreed = false

  init(op: OpKind, inputs: [Node?], shape: [Int], dtype: DType, pullback: ((Tensor) -> [Tensor?])?)
  {
    sequence = nodeCounter.wrappingAdd(1, ordering: .relaxed).oldValue
    self.op = op
    self.inputs = inputs
    self.shape = shape
    self.dtype = dtype
    self.pullback = pullback
  }

  /// Releases a long chain iteratively: without this, freeing a 100,000-op graph would recurse
  /// once per node in `deinit` and overflow the stack.
  deinit {
    var pending = inputs.compactMap { $0 }
    inputs = []
    while var node = pending.popLast() {
      if isKnownUniquelyReferenced(&node) {
        pending.append(contentsOf: node.inputs.lazy.compactMap { $0 })
        node.inputs = []
        node.pullback = nil
      }
    }
  }
}
