// Ops that new models need, mostly compositions of other ops (which inherit their gradients, to
// any order); cumsum and flip are primitives with one derivative rule each.

import AutogradKernels

extension Tensor {
  // MARK: - Creation like another tensor

  /// Zeros with the shape and element type of `other`, like `torch.zeros_like`.
  public static func zerosLike(_ other: Tensor) -> Tensor { zeros(other.shape, dtype: other.dtype) }
  /// Ones with the shape and element type of `other`, like `torch.ones_like`.
  public static func onesLike(_ other: Tensor) -> Tensor { ones(other.shape, dtype: other.dtype) }
  /// `value` everywhere, with the shape and element type of `other`, like `torch.full_like`.
  public static func fullLike(_ other: Tensor, value: Double) -> Tensor {
    full(other.shape, value: value, dtype: other.dtype)
  }
  /// Uniform numbers in [0, 1) with the shape and (floating) type of `other`, like
  /// `torch.rand_like`.
  public static func randLike(_ other: Tensor, generator: Generator = .default) -> Tensor {
    rand(other.shape, dtype: other.dtype, generator: generator)
  }
  /// Standard normal numbers with the shape and (floating) type of `other`, like
  /// `torch.randn_like`.
  public static func randnLike(_ other: Tensor, generator: Generator = .default) -> Tensor {
    randn(other.shape, dtype: other.dtype, generator: generator)
  }

  // MARK: - Selection

  /// The elementwise maximum of `a` and `b` with broadcasting, like `torch.maximum`; where they
  /// tie, each gets half the gradient, as in PyTorch.
  public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { extremum(a, b, larger: true) }

  /// The elementwise minimum of `a` and `b` with broadcasting, like `torch.minimum`; where they
  /// tie, each gets half the gradient, as in PyTorch.
  public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { extremum(a, b, larger: false) }

  private static func extremum(_ a: Tensor, _ b: Tensor, larger: Bool) -> Tensor {
    a.requireFloat(.select)
    let op: OpKind = larger ? .maximum : .minimum
    check(
      a.dtype == b.dtype,
      "\(op): element types differ (\(a.dtype) and \(b.dtype)); convert one with to(_:)")
    let (ad, bd) = (a.detached(), b.detached())
    let picksA = larger ? ad.gt(bd) : ad.lt(bd)
    let ties = ad.eq(bd)
    let y = noGrad { Tensor.where(picksA.logicalOr(ties), ad, bd) }
    // The share of the gradient that goes to `a`: 1, ½ at ties, 0 (constant in a and b).
    let share = (picksA + ties * 0.5).to(a.dtype)
    return record(op, inputs: [a, b], output: y) { ctx in
      let g = ctx.gradOutput
      return [
        ctx.needsGradient(ofInput: 0) ? (g * share).sum(toShape: a.shape) : nil,
        ctx.needsGradient(ofInput: 1) ? (g * (1 - share)).sum(toShape: b.shape) : nil,
      ]
    }
  }

  /// The smallest elements over all axes or over `dims`, like `torch.amin`; the gradient of each
  /// minimum is split evenly among the elements that tie for it.
  public func min(dims: [Int]? = nil, keepDim: Bool = false) -> Tensor {
    -(-self).max(dims: dims, keepDim: keepDim)
  }

  /// The smallest element, as a 0-dimensional tensor (gradient split among ties).
  public func min() -> Tensor { min(dims: nil) }

  /// The minimum along `dim` and the index of its first occurrence, like `torch.min(x, dim)`.
  public func min(dim: Int, keepDim: Bool = false) -> (values: Tensor, indices: Tensor) {
    let (values, indices) = (-self).max(dim: dim, keepDim: keepDim)
    return (-values, indices)
  }

  /// The index of the first minimum along `dim` (`int64`, not differentiable), like
  /// `torch.argmin`.
  public func argmin(dim: Int, keepDim: Bool = false) -> Tensor {
    (-detached()).argmax(dim: dim, keepDim: keepDim)
  }

  /// The `k` largest (or smallest) elements along `dim` and their indices, like `torch.topk`:
  /// sorted from the largest (smallest) down; ties keep the lower index first. The values are a
  /// `gather` of `self`, so the gradient flows to the chosen elements.
  public func topk(_ k: Int, dim: Int = -1, largest: Bool = true) -> (
    values: Tensor, indices: Tensor
  ) {
    requireFloat(OpKind("topk"))
    let a = axis(dim, OpKind("topk"))
    let (outer, n, inner) = split(around: a)
    check(
      k >= 0 && k <= n, "topk: k \(k) is out of range for dimension \(dim) of size \(n) in \(shape)"
    )
    let values = doubleScalars
    var chosen = [Int](repeating: 0, count: outer * k * inner)
    for o in 0..<outer {
      for i in 0..<inner {
        let order = (0..<n).sorted { p, q in
          let (vp, vq) = (values[(o * n + p) * inner + i], values[(o * n + q) * inner + i])
          if vp == vq || (vp.isNaN && vq.isNaN) { return p < q }
          // NaN counts as the largest, as in PyTorch.
          if vp.isNaN { return largest }
          if vq.isNaN { return !largest }
          return largest ? vp > vq : vp < vq
        }
        for j in 0..<k { chosen[(o * k + j) * inner + i] = order[j] }
      }
    }
    var indexShape = shape
    indexShape[a] = k
    let index = Tensor(shape: indexShape, indices: chosen)
    return (gather(dim: a, index: index), index)
  }

  // MARK: - Statistics and norms

  /// The variance over all elements or over `dims`, like `torch.var`: the sum of squared
  /// deviations from the mean divided by `N − correction` (Bessel's correction, 1, by default).
  public func variance(dims: [Int]? = nil, correction: Int = 1, keepDim: Bool = false) -> Tensor {
    let axes = reductionAxes(dims, OpKind("var"))
    let n = axes.reduce(1) { $0 * shape[$1] }
    let deviation = self - mean(dims: axes, keepDim: true)
    return (deviation * deviation).sum(dims: axes, keepDim: keepDim)
      / Double(Swift.max(n - correction, 0))
  }

  /// The standard deviation over all elements or over `dims`, like `torch.std`: the square
  /// root of ``variance(dims:correction:keepDim:)``.
  public func std(dims: [Int]? = nil, correction: Int = 1, keepDim: Bool = false) -> Tensor {
    variance(dims: dims, correction: correction, keepDim: keepDim).sqrt()
  }

  /// The vector `p`-norm over all elements or over `dims`, like `torch.linalg.vector_norm`:
  /// `(Σ |x|ᵖ)^(1/p)`; `p = .infinity` is the largest `|x|`. For `p = 2` the gradient at the zero
  /// vector is 0 (PyTorch's subgradient), not NaN.
  public func norm(_ p: Double = 2, dims: [Int]? = nil, keepDim: Bool = false) -> Tensor {
    requireFloat(.norm)
    check(p > 0, "norm: p must be positive, got \(p)")
    if p == .infinity { return abs().max(dims: dims, keepDim: keepDim) }
    if p == 1 { return abs().sum(dims: dims, keepDim: keepDim) }
    if p != 2 { return abs().pow(p).sum(dims: dims, keepDim: keepDim).pow(1 / p) }
    let axes = reductionAxes(dims, .norm)
    let kept = reducedShape(axes, keepDim: true)
    let y = noGrad { () -> Tensor in
      guard axes.count == rank && count >= 2 * Kernels.elementwiseChunk else {
        return (self * self).sum(dims: axes, keepDim: keepDim).sqrt()
      }
      // The 2-norm of a large tensor (a gradient being clipped): the same sum of squares, read
      // once, without a tensor of the squares.
      let out = Tensor(uninitializedShape: reducedShape(axes, keepDim: keepDim), dtype: dtype)
      func run<T: TensorScalar>(_: T.Type) {
        out.storage.pointer(T.self)[0] =
          Kernels.sumOfSquares(storage.pointer(T.self), count: count).squareRoot()
      }
      if dtype == .float32 { run(Float.self) } else { run(Double.self) }
      return out
    }
    return Tensor.record(.norm, inputs: [self], output: y, savingOutput: true) {
      [self] ctx in
      // g · x / ‖x‖, with ‖x‖ replaced by 1 where it is 0 (x is 0 there, so the gradient is 0).
      let n = ctx.output.reshape(kept)
      let safe = Tensor.where(n.eq(0), 1, n)
      return [ctx.gradOutput.reshape(kept) * self / safe]
    }
  }

  // MARK: - Scans

  /// Running sums along `dim`, like `torch.cumsum`: element `i` is the sum of elements `0…i`,
  /// added in that order. The gradient is the running sum of the gradient from the end.
  public func cumsum(dim: Int) -> Tensor {
    requireFloat(.cumsum)
    let a = axis(dim, .cumsum)
    let (outer, n, inner) = split(around: a)
    let out = Tensor(uninitializedShape: shape, dtype: dtype)
    func run<T: TensorScalar>(_: T.Type) {
      Kernels.cumsum(
        storage.pointer(T.self), out.storage.pointer(T.self), outer: outer, n: n, inner: inner)
    }
    if dtype == .float32 { run(Float.self) } else { run(Double.self) }
    return Tensor.record(.cumsum, inputs: [self], output: out) { ctx in
      [ctx.gradOutput.flip(dims: [a]).cumsum(dim: a).flip(dims: [a])]
    }
  }

  // MARK: - Shapes

  /// The elements in reverse order along each of `dims`, like `torch.flip`. Copies.
  public func flip(dims: [Int]) -> Tensor {
    let axes = reductionAxes(dims, .flip)
    guard !axes.isEmpty, count > 0 else { return self }
    var strides = Tensor.strides(of: shape)
    var offset = 0
    for a in axes {
      offset += (shape[a] - 1) * strides[a]
      strides[a] = -strides[a]
    }
    let out = stridedCopy(offset: offset, strides: strides, shape: shape)
    return Tensor.record(.flip, inputs: [self], output: out) { ctx in
      [ctx.gradOutput.flip(dims: axes)]
    }
  }

  /// The elements shifted by `shift` along `dim`, wrapping around, like `torch.roll`; with no
  /// `dim`, the flattened tensor is rolled and reshaped back.
  public func roll(_ shift: Int, dim: Int? = nil) -> Tensor {
    guard let dim else { return flatten().roll(shift, dim: 0).reshape(shape) }
    let a = axis(dim, OpKind("roll"))
    let n = shape[a]
    guard n > 0 else { return self }
    let s = ((shift % n) + n) % n
    if s == 0 { return self }
    return Tensor.cat([slice(dim: a, start: n - s), slice(dim: a, start: 0, end: n - s)], dim: a)
  }

  /// The tensor tiled `repeats[i]` times along axis `i`, like `torch.Tensor.repeat`; with more
  /// repeats than axes, leading axes of size 1 are added first.
  public func `repeat`(_ repeats: [Int]) -> Tensor {
    check(
      repeats.count >= rank && repeats.allSatisfy { $0 >= 0 },
      "repeat: \(repeats) needs at least \(rank) non-negative counts for a tensor of shape \(shape)"
    )
    let padded = [Int](repeating: 1, count: repeats.count - rank) + shape
    let interleaved = padded.flatMap { [1, $0] }
    let expanded = zip(repeats, padded).flatMap { [$0, $1] }
    return reshape(interleaved).expand(expanded).reshape(zip(repeats, padded).map { $0 * $1 })
  }

  /// Pieces of at most `size` elements along `dim` (the last may be smaller), like
  /// `torch.split(x, size, dim)`.
  public func split(size: Int, dim: Int = 0) -> [Tensor] {
    check(size > 0, "split: size must be positive, got \(size)")
    let a = axis(dim, OpKind("split"))
    return stride(from: 0, to: shape[a], by: size).map {
      slice(dim: a, start: $0, end: $0 + size)
    }
  }

  /// Pieces of the given sizes along `dim`, like `torch.split(x, [s0, s1, …], dim)`.
  public func split(sizes: [Int], dim: Int = 0) -> [Tensor] {
    let a = axis(dim, OpKind("split"))
    check(
      sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[a],
      "split: sizes \(sizes) do not add up to \(shape[a]), the size of dimension \(dim) of \(shape)"
    )
    var start = 0
    return sizes.map { size in
      defer { start += size }
      return slice(dim: a, start: start, end: start + size)
    }
  }

  /// `chunks` pieces of equal size along `dim` (the last may be smaller), like `torch.chunk`.
  public func chunk(_ chunks: Int, dim: Int = 0) -> [Tensor] {
    check(chunks > 0, "chunk: chunks must be positive, got \(chunks)")
    let a = axis(dim, OpKind("chunk"))
    return split(size: Swift.max(1, (shape[a] + chunks - 1) / chunks), dim: a)
  }

  /// The lower triangle of the last two axes (elements with `column − row ≤ diagonal`), the rest
  /// zero, like `torch.tril`.
  public func tril(diagonal: Int = 0) -> Tensor { triangle(diagonal, lower: true) }

  /// The upper triangle of the last two axes (elements with `column − row ≥ diagonal`), the rest
  /// zero, like `torch.triu`.
  public func triu(diagonal: Int = 0) -> Tensor { triangle(diagonal, lower: false) }

  private func triangle(_ diagonal: Int, lower: Bool) -> Tensor {
    check(rank >= 2, "\(lower ? "tril" : "triu"): expected at least 2 dimensions, got \(shape)")
    let (r, c) = (shape[rank - 2], shape[rank - 1])
    let mask = (0..<(r * c)).map { p -> Float in
      let d = p % c - p / c
      return (lower ? d <= diagonal : d >= diagonal) ? 1 : 0
    }
    return Tensor.where(Tensor(shape: [r, c], scalars: mask), self, 0)
  }

  /// The tensor padded with `value`, like `torch.nn.functional.pad(x, padding, value=value)`:
  /// `padding` holds (before, after) pairs starting from the last axis —
  /// `[left, right, top, bottom]` pads the last two axes. Padding must not be negative.
  public func pad(_ padding: [Int], value: Double = 0) -> Tensor {
    check(
      padding.count % 2 == 0 && padding.count / 2 <= rank && padding.allSatisfy { $0 >= 0 },
      "pad: padding \(padding) must be non-negative (before, after) pairs for at most \(rank) axes of \(shape)"
    )
    var result = self
    for pair in 0..<(padding.count / 2) {
      let a = rank - 1 - pair
      let (before, after) = (padding[2 * pair], padding[2 * pair + 1])
      var pieces = [Tensor]()
      for size in [before, after] where size > 0 {
        var s = result.shape
        s[a] = size
        pieces.append(Tensor.full(s, value: value, dtype: dtype))
      }
      if before > 0 || after > 0 {
        let parts =
          (before > 0 ? [pieces[0]] : []) + [result] + (after > 0 ? [pieces[pieces.count - 1]] : [])
        result = Tensor.cat(parts, dim: a)
      }
    }
    return result
  }
}

/// The rows of `weight` [num, dim] picked by the `int64` `indices` of any shape, like
/// `torch.nn.functional.embedding`: the result has shape `indices.shape + [dim]`. The row
/// `paddingIndex`, when given, is returned as it is but gets no gradient.
public func embedding(_ indices: Tensor, weight: Tensor, paddingIndex: Int? = nil) -> Tensor {
  check(
    weight.rank == 2,
    "embedding: weight must be [num_embeddings, embedding_dim], got \(weight.shape)")
  check(indices.dtype == .int64, "embedding: indices must be int64, got \(indices.dtype)")
  let rows = weight.indexSelect(dim: 0, index: indices.reshape([indices.count]))
  var picked = rows
  if let paddingIndex {
    let keep = indices.reshape([indices.count, 1]).ne(Tensor(Double(paddingIndex), dtype: .int64))
    picked = Tensor.where(keep, rows, rows.detached())
  }
  return picked.reshape(indices.shape + [weight.shape[1]])
}

extension Tensor {
  /// The product of all elements (a 0-dimensional tensor), like `torch.prod`.
  public func prod() -> Tensor { reshape([count]).prod(dim: 0) }

  /// The product along `dim`, like `torch.prod(x, dim, keepdim)`.
  ///
  /// A composite: the axis is halved by multiplying its two halves (padding an odd length with
  /// a one) until one slice is left, so there are ⌈log₂ n⌉ multiplications and the gradient is
  /// the product of the other elements even where some are zero, to every order.
  public func prod(dim: Int, keepDim: Bool = false) -> Tensor {
    requireFloat(OpKind("prod"))
    let a = axis(dim, OpKind("prod"))
    var x = self
    while x.shape[a] > 1 {
      var n = x.shape[a]
      if n % 2 == 1 {
        var s = x.shape
        s[a] = 1
        x = Tensor.cat([x, Tensor.ones(s, dtype: dtype)], dim: a)
        n += 1
      }
      x = x.slice(dim: a, start: 0, end: n / 2) * x.slice(dim: a, start: n / 2, end: n)
    }
    if x.shape[a] == 0 {  // the empty product
      var s = x.shape
      s[a] = 1
      x = Tensor.ones(s, dtype: dtype)
    }
    return keepDim ? x : x.squeeze(dim: a)
  }
}
