// Scaled dot-product attention as one op: the scores, their softmax, dropout and the weighted
// values in one kernel per (batch, head) entry, and the gradients of all three inputs in another.

import AutogradKernels

/// `softmax(query·keyᵀ·scale + causal)·value` in one op, for query [..., L, E], key [..., S, E]
/// and value [..., S, Ev] with the same leading axes; the result is [..., L, Ev].
///
/// The same values as composing `matmul`, `*`, the causal bias, `softmax`, `dropout` and
/// `matmul` (to rounding), without their intermediate tensors and tape nodes: the op keeps only
/// the attention weights for its backward pass. `isCausal` lets query `i` see keys `0...i` (the
/// upper triangle gets weight 0). With `dropoutP > 0` the weights are dropped out with a mask
/// drawn from `generator` exactly as ``dropout(_:p:training:generator:)`` draws it.
///
/// Differentiable to any order: without `createGraph` the gradients come from one fused kernel;
/// with it, from the same rule written in differentiable ops.
public func fusedAttention(
  _ query: Tensor, _ key: Tensor, _ value: Tensor, scale: Double, isCausal: Bool = false,
  dropoutP: Double = 0, generator: Generator = .default
) -> Tensor {
  query.requireFloat(.fusedAttention)
  let r = query.rank
  check(
    r >= 2 && key.rank == r && value.rank == r
      && query.shape.dropLast(2) == key.shape.dropLast(2)
      && key.shape.dropLast(2) == value.shape.dropLast(2)
      && query.shape[r - 1] == key.shape[r - 1] && key.shape[r - 2] == value.shape[r - 2]
      && key.dtype == query.dtype && value.dtype == query.dtype,
    "fusedAttention: query \(query.shape), key \(key.shape) and value \(value.shape) do not match (expected [..., L, E], [..., S, E], [..., S, Ev] with the same leading axes and type)"
  )
  check(
    (0...1).contains(dropoutP),
    "fusedAttention: dropout probability has to be between 0 and 1, but got \(dropoutP)")
  let leading = Array(query.shape.dropLast(2))
  let (l, e, s, ev) = (query.shape[r - 2], query.shape[r - 1], key.shape[r - 2], value.shape[r - 1])
  let run = AttentionRun(
    leading: leading, l: l, s: s, e: e, ev: ev, dtype: query.dtype, scale: scale,
    isCausal: isCausal, dropoutP: dropoutP, generator: generator, layouts: nil)
  let out = Tensor(uninitializedShape: leading + [l, ev], dtype: query.dtype)
  run.forward((query, 0), (key, 0), (value, 0), into: out)
  return Tensor.record(.fusedAttention, inputs: [query, key, value], output: out) { ctx in
    let g = ctx.gradOutput
    let needs = (0..<3).map { ctx.needsGradient(ofInput: $0) }
    if isGradEnabled {
      return composedAttentionGradients(
        g, query, key, value, mask: run.mask, scale: scale, isCausal: isCausal, needs: needs)
    }
    let grads = [query, key, value].enumerated().map { i, x in
      needs[i] ? Tensor(uninitializedShape: x.shape, dtype: x.dtype) : nil
    }
    run.backward(
      g, (query, 0), (key, 0), (value, 0),
      gradients: (grads[0].map { ($0, 0) }, grads[1].map { ($0, 0) }, grads[2].map { ($0, 0) }))
    return grads
  }
}

/// Multi-head self-attention on a packed projection `[q | k | v]` in one op: `projected` is
/// [N, T, 3E] (time first, `batchFirst == false`: [T, N, 3E]), each of q, k, v is split into
/// `heads` heads of E / heads features, and the result, [N, T, E] (time first: [T, N, E]), has
/// the heads side by side again, as `torch.nn.MultiheadAttention` arranges them.
///
/// The same values as splitting the heads out with `reshape` and `permute`,
/// ``fusedAttention(_:_:_:scale:isCausal:dropoutP:generator:)`` on [N, heads, T, E / heads], and
/// merging them back (the dropout mask, of shape [N, heads, T, T], is drawn the same way), but
/// the kernels read the heads from `projected` and write them into the result in place, and
/// the gradient of `projected` is written in its own layout: no head is copied. `scale`
/// defaults to 1/√(E / heads). Differentiable to any order (composed ops under `createGraph`).
public func fusedSelfAttention(
  _ projected: Tensor, heads: Int, batchFirst: Bool = true, scale: Double? = nil,
  isCausal: Bool = false, dropoutP: Double = 0, generator: Generator = .default
) -> Tensor {
  projected.requireFloat(.fusedSelfAttention)
  let shape = projected.shape
  check(
    projected.rank == 3 && heads > 0 && shape[2] % (3 * heads) == 0,
    "fusedSelfAttention: projected \(shape) must be [N, T, 3E] (or [T, N, 3E]) with E divisible by \(heads) heads"
  )
  check(
    (0...1).contains(dropoutP),
    "fusedSelfAttention: dropout probability has to be between 0 and 1, but got \(dropoutP)")
  let (a, b, e) = (shape[0], shape[1], shape[2] / 3)
  let (n, t, d) = batchFirst ? (a, b, e / heads) : (b, a, e / heads)
  let scale = scale ?? 1 / Double(d).squareRoot()
  // Batch first, item i's rows are consecutive; time first, rows of one item are N rows apart.
  func layout(width: Int) -> AttentionLayout {
    batchFirst
      ? AttentionLayout(heads: heads, outerStride: t * width, headStride: d, rowStride: width)
      : AttentionLayout(heads: heads, outerStride: width, headStride: d, rowStride: n * width)
  }
  let packed = layout(width: 3 * e)
  let run = AttentionRun(
    leading: [n, heads], l: t, s: t, e: d, ev: d, dtype: projected.dtype, scale: scale,
    isCausal: isCausal, dropoutP: dropoutP, generator: generator,
    layouts: AttentionLayouts(query: packed, key: packed, value: packed, output: layout(width: e)))
  let out = Tensor(uninitializedShape: [a, b, e], dtype: projected.dtype)
  run.forward((projected, 0), (projected, e), (projected, 2 * e), into: out)
  return Tensor.record(.fusedSelfAttention, inputs: [projected], output: out) { ctx in
    let g = ctx.gradOutput
    if isGradEnabled {
      // [a, b, 3E] → [3, N, heads, T, d] and back, around the composed rule.
      let order = batchFirst ? [2, 0, 3, 1, 4] : [2, 1, 3, 0, 4]
      let split = projected.reshape([a, b, 3, heads, d]).permute(order)
      func part(_ i: Int) -> Tensor { split.slice(dim: 0, start: i, end: i + 1).squeeze(dim: 0) }
      let toHeads = batchFirst ? [0, 2, 1, 3] : [1, 2, 0, 3]
      let fromHeads = batchFirst ? [0, 2, 1, 3] : [2, 0, 1, 3]
      let grads = composedAttentionGradients(
        g.reshape([a, b, heads, d]).permute(toHeads), part(0), part(1), part(2),
        mask: run.mask, scale: scale, isCausal: isCausal, needs: [true, true, true])
      return [
        Tensor.cat(grads.map { $0!.permute(fromHeads).reshape([a, b, e]) }, dim: 2)
      ]
    }
    let grad = Tensor(uninitializedShape: shape, dtype: projected.dtype)
    run.backward(
      g, (projected, 0), (projected, e), (projected, 2 * e),
      gradients: ((grad, 0), (grad, e), (grad, 2 * e)))
    return [grad]
  }
}

/// An attention operand for the kernels: a tensor and the element its entries are counted from.
typealias AttentionOperand = (tensor: Tensor, offset: Int)

/// What one fused attention op shares between its forward and backward kernels: the sizes, the
/// operands' layouts (contiguous entries when `nil`), the dropout mask drawn for it and the
/// softmax weights the forward pass keeps.
struct AttentionRun {
  let batch: Int
  let l: Int
  let s: Int
  let e: Int
  let ev: Int
  let scale: Double
  let isCausal: Bool
  let layouts: AttentionLayouts?
  let mask: Tensor?
  let weights: Tensor

  /// Draws the dropout mask ([leading…, l, s], from `generator` as `dropout` draws it) and
  /// allocates the weights.
  init(
    leading: [Int], l: Int, s: Int, e: Int, ev: Int, dtype: DType, scale: Double,
    isCausal: Bool, dropoutP: Double, generator: Generator, layouts: AttentionLayouts?
  ) {
    (self.batch, self.l, self.s, self.e, self.ev) = (leading.reduce(1, *), l, s, e, ev)
    (self.scale, self.isCausal, self.layouts) = (scale, isCausal, layouts)
    mask =
      dropoutP > 0 ? dropoutMask(leading + [l, s], dtype, p: dropoutP, generator: generator) : nil
    weights = Tensor(uninitializedShape: leading + [l, s], dtype: dtype)
  }

  /// The output (and the weights) from query, key and value.
  func forward(
    _ q: AttentionOperand, _ k: AttentionOperand, _ v: AttentionOperand, into out: Tensor
  ) {
    func run<T: TensorScalar>(_: T.Type) {
      func at(_ x: AttentionOperand) -> UnsafeMutablePointer<T> {
        x.tensor.storage.pointer(T.self) + x.offset
      }
      Kernels.attentionForward(
        query: at(q), key: at(k), value: at(v),
        dropoutMask: mask.map { $0.storage.pointer(T.self) },
        weights: weights.storage.pointer(T.self), output: out.storage.pointer(T.self),
        batch: batch, l: l, s: s, e: e, ev: ev, scale: T(scale), causal: isCausal,
        layouts: layouts)
    }
    if weights.dtype == .float32 { run(Float.self) } else { run(Double.self) }
  }

  /// The gradients of query, key and value (each written where given) from the output's `g`.
  func backward(
    _ g: Tensor, _ q: AttentionOperand, _ k: AttentionOperand, _ v: AttentionOperand,
    gradients: (AttentionOperand?, AttentionOperand?, AttentionOperand?)
  ) {
    func run<T: TensorScalar>(_: T.Type) {
      func at(_ x: AttentionOperand) -> UnsafeMutablePointer<T> {
        x.tensor.storage.pointer(T.self) + x.offset
      }
      Kernels.attentionBackward(
        gradOutput: g.storage.pointer(T.self), query: at(q), key: at(k), value: at(v),
        weights: weights.storage.pointer(T.self),
        dropoutMask: mask.map { $0.storage.pointer(T.self) },
        gradQuery: gradients.0.map(at), gradKey: gradients.1.map(at),
        gradValue: gradients.2.map(at), batch: batch, l: l, s: s, e: e, ev: ev,
        scale: T(scale), layouts: layouts)
    }
    if weights.dtype == .float32 { run(Float.self) } else { run(Double.self) }
  }
}

/// The derivative rule of ``fusedAttention(_:_:_:scale:isCausal:dropoutP:generator:)`` in
/// differentiable ops (used under `createGraph`): the weights are recomputed from query and key
/// so that second derivatives reach them; `dv = (w ⊙ mask)ᵀ·g`, `dw = (g·vᵀ) ⊙ mask`,
/// `ds = (dw ⊙ w − w·Σ dw ⊙ w)·scale`, `dq = ds·k`, `dk = dsᵀ·q`.
func composedAttentionGradients(
  _ g: Tensor, _ q: Tensor, _ k: Tensor, _ v: Tensor, mask: Tensor?, scale: Double,
  isCausal: Bool, needs: [Bool]
) -> [Tensor?] {
  let last = q.rank - 1
  var scores = q.matmul(k.transpose(-2, -1)) * scale
  if isCausal {
    scores = scores + causalAttentionBias(q.shape[last - 1], k.shape[last - 1], q.dtype)
  }
  let w = scores.softmax(dim: last)
  let dv = needs[2] ? (mask.map { w * $0 } ?? w).transpose(-2, -1).matmul(g) : nil
  guard needs[0] || needs[1] else { return [nil, nil, dv] }
  var dw = g.matmul(v.transpose(-2, -1))
  if let mask { dw = dw * mask }
  let gw = dw * w
  let ds = (gw - w * gw.sum(dims: [last], keepDim: true)) * scale
  return [
    needs[0] ? ds.matmul(k) : nil, needs[1] ? ds.transpose(-2, -1).matmul(q) : nil, dv,
  ]
}

/// The causal attention bias [l, s]: 0 where key j ≤ query i, −∞ above the diagonal.
func causalAttentionBias(_ l: Int, _ s: Int, _ dtype: DType) -> Tensor {
  var bias = [Double](repeating: 0, count: l * s)
  for i in 0..<l { for j in (i + 1)..<Swift.max(i + 1, s) { bias[i * s + j] = -.infinity } }
  return Tensor(shape: [l, s], scalars: bias).to(dtype)
}
