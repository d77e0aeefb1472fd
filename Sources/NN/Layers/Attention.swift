import Foundation

/// A mask for attention, with its meaning in its case (PyTorch gives boolean masks opposite
/// meanings in `scaled_dot_product_attention` and `MultiheadAttention`; here the case says it).
/// Each broadcasts to the scores [..., L, S] (query positions by key positions).
public enum AttentionMask {
  /// Non-zero where a query may attend to a key (`scaled_dot_product_attention`'s boolean mask).
  case allow(Tensor)
  /// Non-zero where a query must not attend to a key (`MultiheadAttention`'s boolean
  /// `attn_mask` and `key_padding_mask`).
  case block(Tensor)
  /// Added to the scores (a float mask: 0 to keep, −∞ to block).
  case additive(Tensor)

  /// The mask as a tensor added to scores of type `dtype`.
  func additiveTensor(_ dtype: DType) -> Tensor {
    switch self {
    case .allow(let m): Tensor.where(m, Tensor(0, dtype: dtype), -Double.infinity)
    case .block(let m): Tensor.where(m, Tensor(-Double.infinity, dtype: dtype), 0)
    case .additive(let m): m.to(dtype)
    }
  }

  /// The mask's tensor.
  var tensor: Tensor {
    switch self {
    case .allow(let m), .block(let m), .additive(let m): m
    }
  }

  /// The same mask with its tensor transformed.
  func map(_ body: (Tensor) -> Tensor) -> AttentionMask {
    switch self {
    case .allow(let m): .allow(body(m))
    case .block(let m): .block(body(m))
    case .additive(let m): .additive(body(m))
    }
  }
}

/// Attention output softmax(q·kᵀ·scale + mask)·v, and the weights when `needWeights`.
///
/// Without a mask or weights, and with query, key and value of the same leading axes, this is
/// one op (``fusedAttention(_:_:_:scale:isCausal:dropoutP:generator:)``); otherwise the
/// composed ops, which broadcast and can return the weights.
func attention(
  _ query: Tensor, _ key: Tensor, _ value: Tensor, mask: Tensor?, dropoutP: Double,
  isCausal: Bool, scale: Double?, training: Bool, generator: Generator, needWeights: Bool
) -> (output: Tensor, weights: Tensor?) {
  check(
    query.rank >= 2 && key.rank == query.rank && value.rank == query.rank
      && query.shape[query.rank - 1] == key.shape[key.rank - 1]
      && key.shape[key.rank - 2] == value.shape[value.rank - 2],
    "scaledDotProductAttention: query \(query.shape), key \(key.shape) and value \(value.shape) do not match (expected [..., L, E], [..., S, E], [..., S, Ev])"
  )
  let e = query.shape[query.rank - 1]
  let (l, s) = (query.shape[query.rank - 2], key.shape[key.rank - 2])
  let scale = scale ?? 1 / Double(e).squareRoot()
  let p = training ? dropoutP : 0
  if mask == nil && !needWeights && query.shape.dropLast(2) == key.shape.dropLast(2)
    && key.shape.dropLast(2) == value.shape.dropLast(2)
    && key.dtype == query.dtype && value.dtype == query.dtype
  {
    return (
      fusedAttention(
        query, key, value, scale: scale, isCausal: isCausal, dropoutP: p, generator: generator),
      nil
    )
  }
  var scores = query.matmul(key.transpose(-2, -1)) * scale
  if isCausal {
    // An additive bias (0 on and below the diagonal, −∞ above), as PyTorch's fused attention
    // uses: the same scores as masking them to −∞, and the same gradients (the softmax gives
    // the blocked keys weight 0 exactly), without materialising a mask of the scores' shape.
    var bias = [Double](repeating: 0, count: l * s)
    for i in 0..<l { for j in (i + 1)..<max(i + 1, s) { bias[i * s + j] = -.infinity } }
    scores = scores + Tensor(shape: [l, s], scalars: bias).to(query.dtype)
  }
  if let mask { scores = scores + mask }
  var weights = scores.softmax(dim: -1)
  if p > 0 {
    weights = dropout(weights, p: p, training: true, generator: generator)
  }
  return (weights.matmul(value), weights)
}

/// Scaled dot-product attention, like `torch.nn.functional.scaled_dot_product_attention`:
/// softmax(q·kᵀ·scale + mask)·v for query [..., L, E], key [..., S, E] and value
/// [..., S, Ev], giving [..., L, Ev]. `scale` defaults to 1/√E; `isCausal` blocks key
/// positions after the query's (the upper triangle); `attnMask` broadcasts to [..., L, S];
/// dropout of probability `dropoutP` applies to the weights (PyTorch applies it whenever
/// `dropoutP > 0`, so pass 0 in evaluation). A query row with every key blocked gives NaN, as in
/// PyTorch.
public func scaledDotProductAttention(
  _ query: Tensor, _ key: Tensor, _ value: Tensor, attnMask: AttentionMask? = nil,
  dropoutP: Double = 0, isCausal: Bool = false, scale: Double? = nil,
  generator: Generator = .default
) -> Tensor {
  attention(
    query, key, value, mask: attnMask?.additiveTensor(query.dtype), dropoutP: dropoutP,
    isCausal: isCausal, scale: scale, training: true, generator: generator, needWeights: false
  ).output
}

/// Multi-head attention, like `torch.nn.MultiheadAttention` (with `kdim = vdim = embedDim`),
/// with PyTorch's parameter names `in_proj_weight` [3E, E], `in_proj_bias` [3E] and
/// `out_proj.weight`, `out_proj.bias`, and its initialisation (Xavier-uniform input projection,
/// zero biases).
///
/// Shapes (L target length, S source length, N batch, E = embedDim):
/// query [L, N, E], key and value [S, N, E] (batch first with `batchFirst`), or unbatched
/// [L, E] and [S, E]; output of the query's shape; weights [N, L, S] averaged over heads, or
/// [N, heads, L, S] (unbatched: without N). `attnMask` is [L, S] or [N·heads, L, S];
/// `keyPaddingMask` is [N, S] (usually `.block(padding)`).
public final class MultiheadAttention: Module, @unchecked Sendable {
  /// The model width E.
  public let embedDim: Int
  /// The number of heads (E must be a multiple).
  public let numHeads: Int
  /// The dropout probability of the attention weights in training.
  public let dropout: Double
  /// Whether inputs and outputs put the batch first.
  public let batchFirst: Bool
  /// The stacked query, key and value projections, [3E, E].
  public let in_proj_weight: Tensor
  /// Their biases, [3E], or `nil`.
  public let in_proj_bias: Tensor?
  /// The output projection.
  public let out_proj: Linear
  /// The source of the dropout masks.
  public let generator: Generator

  /// Creates the layer with PyTorch's defaults and initialisation.
  public init(
    _ embedDim: Int, _ numHeads: Int, dropout: Double = 0, bias: Bool = true,
    batchFirst: Bool = false, generator: Generator = .default
  ) {
    check(
      numHeads > 0 && embedDim % numHeads == 0,
      "MultiheadAttention: embedDim \(embedDim) must be divisible by numHeads \(numHeads)")
    (self.embedDim, self.numHeads, self.dropout, self.batchFirst) = (
      embedDim, numHeads, dropout, batchFirst
    )
    self.generator = generator
    in_proj_weight = xavierUniform([3 * embedDim, embedDim], generator: generator).requiringGrad()
    in_proj_bias = bias ? Tensor.zeros([3 * embedDim]).requiringGrad() : nil
    out_proj = Linear(embedDim, embedDim, bias: bias, generator: generator)
    if let b = out_proj.bias { noGrad { b.assign(Tensor.zeros([embedDim])) } }
    super.init()
  }

  /// Self-attention of `input`: the output of `self(input, input, input)`.
  public override func forward(_ input: Tensor) -> Tensor {
    callAsFunction(input, input, input, needWeights: false).output
  }

  /// Attention of `query` over `key` and `value`: the output, and the attention weights when
  /// `needWeights` (averaged over the heads when `averageAttnWeights`). `isCausal` blocks
  /// future keys (here it applies the causal mask itself; in PyTorch it is a hint that
  /// `attnMask` is one).
  public func callAsFunction(
    _ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: AttentionMask? = nil,
    needWeights: Bool = true, attnMask: AttentionMask? = nil, averageAttnWeights: Bool = true,
    isCausal: Bool = false
  ) -> (output: Tensor, weights: Tensor?) {
    let e = embedDim
    let unbatched = query.rank == 2
    check(
      (query.rank == 3 || unbatched) && key.rank == query.rank && value.rank == query.rank
        && query.shape.last == e && key.shape.last == e && value.shape.last == e
        && key.shape == value.shape,
      "MultiheadAttention: query \(query.shape), key \(key.shape) and value \(value.shape) do not match embedDim \(e) (expected [L, N, E], [S, N, E], [S, N, E], batch first with batchFirst, or unbatched)"
    )
    // Inputs stay in their layout: batched [T, N, E] (batch first: [N, T, E]), unbatched as
    // a batch of one, time first.
    let timeFirst = !batchFirst || unbatched
    func batched(_ x: Tensor) -> Tensor { unbatched ? x.unsqueeze(dim: 1) : x }
    let (q, k, v) = (batched(query), batched(key), batched(value))
    let (l, n) = timeFirst ? (q.shape[0], q.shape[1]) : (q.shape[1], q.shape[0])
    let s = k.shape[timeFirst ? 0 : 1]
    let (h, d) = (numHeads, e / numHeads)
    /// [T, N, E·parts] or [N, T, E·parts] → [parts, N, heads, T, d].
    func heads(_ x: Tensor, parts: Int) -> Tensor {
      let (a, b) = (x.shape[0], x.shape[1])
      let order = timeFirst ? [2, 1, 3, 0, 4] : [2, 0, 3, 1, 4]
      return x.reshape([a, b, parts, h, d]).permute(order)
    }
    let selfAttention = query.isIdentical(to: key) && key.isIdentical(to: value)
    if selfAttention && attnMask == nil && keyPaddingMask == nil && !needWeights {
      // One op on the stacked projection: the heads are read and written in place.
      let merged = fusedSelfAttention(
        linear(q, weight: in_proj_weight, bias: in_proj_bias), heads: h, batchFirst: !timeFirst,
        isCausal: isCausal, dropoutP: isTraining ? dropout : 0, generator: generator)
      let output = out_proj(merged)
      return (unbatched ? output.squeeze(dim: 1) : output, nil)
    }
    let projected: (Tensor, Tensor, Tensor)
    if selfAttention {
      // Self-attention: one product with the stacked projections, as PyTorch does when
      // `query is key is value`.
      let all = heads(linear(q, weight: in_proj_weight, bias: in_proj_bias), parts: 3)
      func part(_ i: Int) -> Tensor { all.slice(dim: 0, start: i, end: i + 1).squeeze(dim: 0) }
      projected = (part(0), part(1), part(2))
    } else {
      func project(_ x: Tensor, _ part: Int) -> Tensor {
        let w = in_proj_weight.slice(dim: 0, start: part * e, end: (part + 1) * e)
        let b = in_proj_bias?.slice(dim: 0, start: part * e, end: (part + 1) * e)
        return heads(linear(x, weight: w, bias: b), parts: 1).squeeze(dim: 0)
      }
      projected = (project(q, 0), project(k, 1), project(v, 2))
    }
    var mask: Tensor?
    if let attnMask {
      let m = attnMask.tensor
      check(
        m.shape == [l, s] || m.shape == [n * h, l, s],
        "MultiheadAttention: attnMask of shape \(m.shape) must be [\(l), \(s)] or [\(n * h), \(l), \(s)]"
      )
      let additive = attnMask.additiveTensor(q.dtype)
      mask = m.rank == 2 ? additive : additive.reshape([n, h, l, s])
    }
    if let keyPaddingMask {
      let m = keyPaddingMask.tensor
      let expected = unbatched ? [s] : [n, s]
      check(
        m.shape == expected,
        "MultiheadAttention: keyPaddingMask of shape \(m.shape) must be \(expected)")
      let padding = keyPaddingMask.additiveTensor(q.dtype).reshape([n, 1, 1, s])
      mask = mask.map { $0 + padding } ?? padding
    }
    let (out, weights) = attention(
      projected.0, projected.1, projected.2, mask: mask, dropoutP: dropout,
      isCausal: isCausal, scale: nil, training: isTraining, generator: generator,
      needWeights: needWeights)
    // [N, heads, L, d] → [L, N, E] (batch first: [N, L, E])
    let merged =
      timeFirst
      ? out.permute([2, 0, 1, 3]).reshape([l, n, e])
      : out.permute([0, 2, 1, 3]).reshape([n, l, e])
    var output = out_proj(merged)
    if unbatched { output = output.squeeze(dim: 1) }
    guard needWeights, let weights else { return (output, nil) }
    var w = averageAttnWeights ? weights.mean(dim: 1) : weights
    if unbatched { w = w.squeeze(dim: 0) }
    return (output, w)
  }
}
