// Reductions: sum, mean, max, logsumexp and argmax; each op's forward and derivative rule.

import AutogradKernels

/// 1 where `x` ties with the maximum `m` of its group (NaN ties with NaN), else 0.
struct TieF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T, _ m: T) -> T {
    x == m || (x.isNaN && m.isNaN) ? 1 : 0
  }
}

extension Tensor {
  /// The sorted, normalised, distinct axes of a reduction, stopping on a bad axis.
  func reductionAxes(_ dims: [Int]?, _ op: OpKind) -> [Int] {
    guard let dims else { return Array(0..<rank) }
    let axes = Set(dims.map { axis($0, op) })
    check(axes.count == dims.count, "\(op): repeated dimension in \(dims)")
    return axes.sorted()
  }

  /// The shape after reducing `axes`, with kept size-1 axes or without them.
  func reducedShape(_ axes: [Int], keepDim: Bool) -> [Int] {
    keepDim
      ? shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
      : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
  }

  /// Sums along one axis without recording, keeping it with size 1.
  func rawSum(along axis: Int) -> Tensor {
    var outShape = shape
    outShape[axis] = 1
    let out = Tensor(uninitializedShape: outShape, dtype: dtype)
    let (outer, n, inner) = split(around: axis)
    func run<T: TensorScalar>(_: T.Type) {
      Kernels.sumAxis(
        storage.pointer(T.self), out.storage.pointer(T.self), outer: outer, n: n, inner: inner)
    }
    if dtype == .float32 { run(Float.self) } else { run(Double.self) }
    return out
  }

  /// Sums over `axes` (sorted) without recording, keeping them with size 1.
  func rawSum(axes: [Int]) -> Tensor {
    if rank == 0 { return self }
    if axes.count == rank {
      return viewed(as: [count]).rawSum(along: 0).viewed(as: shape.map { _ in 1 })
    }
    var result = self
    for axis in axes.reversed() { result = result.rawSum(along: axis) }
    return result
  }

  /// Copies the tensor broadcast to `target` without recording.
  func rawExpand(to target: [Int]) -> Tensor {
    if shape == target { return self }
    let strides = Tensor.broadcastStrides(shape, to: target)
    return stridedCopy(offset: 0, strides: strides, shape: target)
  }

  /// The sum over all elements, or over `dims`, like `torch.sum`.
  public func sum(dims: [Int]? = nil, keepDim: Bool = false) -> Tensor {
    requireFloat(.sum)
    let axes = reductionAxes(dims, .sum)
    let kept = reducedShape(axes, keepDim: true)
    let y = rawSum(axes: axes).viewed(as: reducedShape(axes, keepDim: keepDim))
    let inShape = shape
    return Tensor.record(.sum, inputs: [self], output: y) { ctx in
      [ctx.gradOutput.reshape(kept).expand(inShape)]
    }
  }

  /// The sum along one axis.
  public func sum(dim: Int, keepDim: Bool = false) -> Tensor { sum(dims: [dim], keepDim: keepDim) }

  /// The mean over all elements, or over `dims`, like `torch.mean`.
  public func mean(dims: [Int]? = nil, keepDim: Bool = false) -> Tensor {
    requireFloat(.mean)
    let axes = reductionAxes(dims, .mean)
    let n = axes.reduce(1) { $0 * shape[$1] }
    let kept = reducedShape(axes, keepDim: true)
    let scale = MulScalarF(c: 1 / Double(n))
    let y = rawSum(axes: axes).viewed(as: reducedShape(axes, keepDim: keepDim)).map(scale, .mean)
    let inShape = shape
    return Tensor.record(.mean, inputs: [self], output: y) { ctx in
      [ctx.gradOutput.reshape(kept).expand(inShape) * scale.c]
    }
  }

  /// The mean along one axis.
  public func mean(dim: Int, keepDim: Bool = false) -> Tensor {
    mean(dims: [dim], keepDim: keepDim)
  }

  /// The largest element, as a 0-dimensional tensor. Its gradient is split evenly among ties,
  /// as PyTorch's full `max()`; NaN propagates.
  public func max() -> Tensor { max(dims: nil) }

  /// The largest elements over all axes or over `dims`, like `torch.amax`. The gradient of each
  /// maximum is split evenly among the elements that tie for it; NaN propagates.
  public func max(dims: [Int]?, keepDim: Bool = false) -> Tensor {
    requireFloat(.max)
    check(count > 0, "max: the tensor of shape \(shape) is empty")
    let axes = reductionAxes(dims, .max)
    let kept = axes.filter { shape[$0] != 0 }
    let others = (0..<rank).filter { !axes.contains($0) }
    let perm = others + kept
    let groups = others.reduce(1) { $0 * shape[$1] }
    let size = kept.reduce(1) { $0 * shape[$1] }
    // [groups, size]: each row holds one group's elements.
    let rows = (perm == Array(0..<rank) ? self : rawPermute(perm)).viewed(as: [groups, size])
    let (values, _) = rows.rawMax(along: 1)
    let y = values.viewed(as: reducedShape(axes, keepDim: keepDim))
    let keptShape = reducedShape(axes, keepDim: true)
    return Tensor.record(.max, inputs: [self], output: y, savingOutput: true) { [self] ctx in
      // The gradient of each maximum, split evenly among the elements that tie for it.
      let best = ctx.output.detached().reshape(keptShape)
      let ties = detached().broadcasting(best, TieF(), .max)
      let count = ties.sum(dims: axes, keepDim: true)
      return [ties * (ctx.gradOutput.reshape(keptShape) / count)]
    }
  }

  /// Maximum and its first index along `axis` without recording (`axis` kept with size 1).
  func rawMax(along axis: Int) -> (values: Tensor, indices: Tensor) {
    var outShape = shape
    outShape[axis] = 1
    let values = Tensor(uninitializedShape: outShape, dtype: dtype)
    let indices = Tensor(uninitializedShape: outShape, dtype: .int64)
    let (outer, n, inner) = split(around: axis)
    check(n > 0, "max: cannot reduce an empty dimension of shape \(shape)")
    func run<T: TensorScalar>(_: T.Type) {
      Kernels.maxAxis(
        storage.pointer(T.self), values.storage.pointer(T.self),
        indices.storage.pointer(Int.self), outer: outer, n: n, inner: inner)
    }
    if dtype == .float32 { run(Float.self) } else { run(Double.self) }
    return (values, indices)
  }

  /// The maximum along `dim` and the index of its first occurrence, like `torch.max(x, dim)`.
  /// The gradient flows to that first maximum only.
  public func max(dim: Int, keepDim: Bool = false) -> (values: Tensor, indices: Tensor) {
    requireFloat(.maxAlongAxis)
    let a = axis(dim, .maxAlongAxis)
    let (values, indices) = rawMax(along: a)
    let outShape = reducedShape([a], keepDim: keepDim)
    let y = values.viewed(as: outShape)
    let inShape = shape
    let kept = values.shape
    let recorded = Tensor.record(.maxAlongAxis, inputs: [self], output: y) { ctx in
      [ctx.gradOutput.reshape(kept).scatterAdd(into: inShape, dim: a, index: indices)]
    }
    return (recorded, indices.viewed(as: outShape))
  }

  /// The index of the first maximum along `dim` (`int64`, not differentiable), like
  /// `torch.argmax`.
  public func argmax(dim: Int, keepDim: Bool = false) -> Tensor {
    requireFloat(.argmax)
    let a = axis(dim, .argmax)
    return rawMax(along: a).indices.viewed(as: reducedShape([a], keepDim: keepDim))
  }

  /// `log Σ exp(x)` along `dim`, computed stably, like `torch.logsumexp`.
  public func logsumexp(dim: Int, keepDim: Bool = false) -> Tensor {
    requireFloat(.logsumexp)
    let a = axis(dim, .logsumexp)
    var kept = shape
    kept[a] = 1
    let out = Tensor(uninitializedShape: kept, dtype: dtype)
    let (outer, n, inner) = split(around: a)
    func run<T: TensorScalar>(_: T.Type) {
      Kernels.logsumexpAxis(
        storage.pointer(T.self), out.storage.pointer(T.self), outer: outer, n: n, inner: inner)
    }
    if dtype == .float32 { run(Float.self) } else { run(Double.self) }
    let y = out.viewed(as: reducedShape([a], keepDim: keepDim))
    let inShape = shape
    return Tensor.record(.logsumexp, inputs: [self], output: y, savingOutput: true) {
      [self] ctx in
      [
        ctx.gradOutput.reshape(kept).expand(inShape)
          * (self - ctx.output.reshape(kept).expand(inShape)).exp()
      ]
    }
  }
}
