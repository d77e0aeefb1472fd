// Shape ops: reshape and its friends, permute/transpose, expand, slice, concat and stack.

extension Tensor {
  /// The same storage under another shape, without recording (the counts must agree).
  func viewed(as newShape: [Int]) -> Tensor {
    Tensor(shape: newShape, storage: storage)
  }

  /// The same elements under a new shape, like `torch.reshape`; one axis may be `-1`.
  /// Shares storage with `self`.
  public func reshape(_ newShape: [Int]) -> Tensor {
    var target = newShape
    let unknown = target.indices.filter { target[$0] == -1 }
    check(unknown.count <= 1, "reshape: only one dimension can be -1 in \(newShape)")
    check(
      target.allSatisfy { $0 >= -1 }, "reshape: invalid dimension in \(newShape)")
    if let u = unknown.first {
      let known = target.enumerated().filter { $0.offset != u }.reduce(1) { $0 * $1.element }
      check(
        known > 0 && count % known == 0,
        "reshape: shape \(newShape) is invalid for a tensor of shape \(shape) (\(count) elements)")
      target[u] = count / known
    }
    check(
      target.reduce(1, *) == count,
      "reshape: shape \(newShape) is invalid for a tensor of shape \(shape) (\(count) elements)")
    if target == shape { return self }
    let inShape = shape
    return Tensor.record(.reshape, [self], viewed(as: target)) { g in [g.viewed(as: inShape)] }
  }

  /// Axes `startDim` through `endDim` merged into one, like `torch.flatten`.
  public func flatten(startDim: Int = 0, endDim: Int = -1) -> Tensor {
    if rank == 0 { return reshape([1]) }
    let s = axis(startDim, .reshape)
    let e = axis(endDim, .reshape)
    check(s <= e, "flatten: startDim \(startDim) comes after endDim \(endDim)")
    let merged = shape[s...e].reduce(1, *)
    return reshape(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
  }

  /// `dim` removed if it has size 1 (otherwise unchanged), like `torch.squeeze(x, dim)`.
  public func squeeze(dim: Int) -> Tensor {
    let a = axis(dim, .reshape)
    guard shape[a] == 1 else { return self }
    var s = shape
    s.remove(at: a)
    return reshape(s)
  }

  /// All axes of size 1 removed, like `torch.squeeze(x)`.
  public func squeeze() -> Tensor { reshape(shape.filter { $0 != 1 }) }

  /// A new axis of size 1 inserted at `dim`, like `torch.unsqueeze`.
  public func unsqueeze(dim: Int) -> Tensor {
    let a = axis(dim, .reshape, rank: rank + 1)
    var s = shape
    s.insert(1, at: a)
    return reshape(s)
  }

  /// The axes reordered so that axis `i` of the result is axis `dims[i]` of `self`, like
  /// `torch.permute`. Copies into contiguous storage.
  public func permute(_ dims: [Int]) -> Tensor {
    let perm = dims.map { axis($0, .permute) }
    check(
      perm.count == rank && Set(perm).count == rank,
      "permute: \(dims) is not a permutation of the \(rank) axes of shape \(shape)")
    if perm == Array(0..<rank) { return self }
    let y = rawPermute(perm)
    var inverse = [Int](repeating: 0, count: rank)
    for (i, p) in perm.enumerated() { inverse[p] = i }
    return Tensor.record(.permute, [self], y) { g in [g.rawPermute(inverse)] }
  }

  /// The permuted copy, without recording.
  func rawPermute(_ perm: [Int]) -> Tensor {
    let own = Tensor.strides(of: shape)
    let outShape = perm.map { shape[$0] }
    let srcStrides = perm.map { own[$0] }
    let out = Tensor(uninitializedShape: outShape, dtype: dtype)
    switch dtype {
    case .float32:
      Kernels.gatherStrided(
        storage.pointer(Float.self), srcStrides: srcStrides, out.storage.pointer(Float.self),
        shape: outShape)
    case .float64:
      Kernels.gatherStrided(
        storage.pointer(Double.self), srcStrides: srcStrides, out.storage.pointer(Double.self),
        shape: outShape)
    case .int64:
      Kernels.gatherStrided(
        storage.pointer(Int.self), srcStrides: srcStrides, out.storage.pointer(Int.self),
        shape: outShape)
    }
    return out
  }

  /// Axes `dim0` and `dim1` swapped, like `torch.transpose`.
  public func transpose(_ dim0: Int, _ dim1: Int) -> Tensor {
    var perm = Array(0..<rank)
    perm.swapAt(axis(dim0, .permute), axis(dim1, .permute))
    return permute(perm)
  }

  /// The tensor broadcast to `newShape` (size-1 or missing leading axes repeated; `-1` keeps an
  /// axis), like `torch.expand`. Copies into contiguous storage.
  public func expand(_ newShape: [Int]) -> Tensor {
    check(
      newShape.count >= rank, "expand: cannot expand shape \(shape) to fewer axes \(newShape)")
    let lead = newShape.count - rank
    let target = newShape.enumerated().map { i, d in d == -1 && i >= lead ? shape[i - lead] : d }
    for i in 0..<rank {
      check(
        shape[i] == 1 || shape[i] == target[lead + i],
        "expand: cannot expand shape \(shape) to \(newShape) (axis \(i): \(shape[i]) vs \(target[lead + i]))"
      )
    }
    if target == shape { return self }
    let inShape = shape
    return Tensor.record(.expand, [self], rawExpand(to: target)) { g in [g.sum(toShape: inShape)] }
  }

  /// Elements `start..<end` (every `step`-th) along `dim`, like `x[:, start:end:step]`.
  /// Negative bounds count from the end; bounds are clamped as in Python.
  public func slice(dim: Int, start: Int = 0, end: Int? = nil, step: Int = 1) -> Tensor {
    let a = axis(dim, .slice)
    check(step > 0, "slice: step must be positive, got \(step)")
    let n = shape[a]
    func clampBound(_ v: Int) -> Int { Swift.min(Swift.max(v < 0 ? v + n : v, 0), n) }
    let lo = clampBound(start)
    let hi = Swift.max(clampBound(end ?? n), lo)
    let length = (hi - lo + step - 1) / step
    var outShape = shape
    outShape[a] = length
    var strides = Tensor.strides(of: shape)
    let base = lo * strides[a]
    strides[a] *= step
    let out = Tensor(uninitializedShape: outShape, dtype: dtype)
    switch dtype {
    case .float32:
      Kernels.gatherStrided(
        storage.pointer(Float.self) + base, srcStrides: strides, out.storage.pointer(Float.self),
        shape: outShape)
    case .float64:
      Kernels.gatherStrided(
        storage.pointer(Double.self) + base, srcStrides: strides,
        out.storage.pointer(Double.self), shape: outShape)
    case .int64:
      Kernels.gatherStrided(
        storage.pointer(Int.self) + base, srcStrides: strides, out.storage.pointer(Int.self),
        shape: outShape)
    }
    let (inShape, inType) = (shape, dtype)
    return Tensor.record(.slice, [self], out) { g in
      let dx = Tensor.zeros(inShape, dtype: inType)
      switch inType {
      case .float32:
        Kernels.scatterStrided(
          g.storage.pointer(Float.self), dx.storage.pointer(Float.self) + base,
          dstStrides: strides, shape: outShape)
      case .float64:
        Kernels.scatterStrided(
          g.storage.pointer(Double.self), dx.storage.pointer(Double.self) + base,
          dstStrides: strides, shape: outShape)
      case .int64: fatalError("unreachable")
      }
      return [dx]
    }
  }

  /// The tensors joined along `dim`, like `torch.cat`. All other axes must agree.
  public static func cat(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
    check(!tensors.isEmpty, "concat: expected at least one tensor")
    let first = tensors[0]
    let a = first.axis(dim, .concat)
    for t in tensors {
      check(
        t.rank == first.rank && t.dtype == first.dtype
          && t.shape.enumerated().allSatisfy { $0.offset == a || $0.element == first.shape[$0.offset] },
        "concat: shapes \(tensors.map(\.shape)) (\(tensors.map(\.dtype))) differ outside dimension \(dim)"
      )
    }
    var outShape = first.shape
    outShape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
    let out = Tensor(uninitializedShape: outShape, dtype: first.dtype)
    let outer = first.shape[..<a].reduce(1, *)
    let inner = first.shape[(a + 1)...].reduce(1, *)
    let rowLength = outShape[a] * inner
    let bytes = first.dtype.byteCount
    var column = 0
    for t in tensors {
      let chunk = t.shape[a] * inner
      for o in 0..<outer {
        (out.storage.base + (o * rowLength + column) * bytes).copyMemory(
          from: t.storage.base + o * chunk * bytes, byteCount: chunk * bytes)
      }
      column += chunk
    }
    let sizes = tensors.map { $0.shape[a] }
    return record(.concat, tensors, out) { g in
      var start = 0
      return sizes.map { size in
        defer { start += size }
        return g.slice(dim: a, start: start, end: start + size)
      }
    }
  }

  /// The tensors stacked along a new axis `dim`, like `torch.stack`. All shapes must agree.
  public static func stack(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
    check(!tensors.isEmpty, "stack: expected at least one tensor")
    check(
      tensors.allSatisfy { $0.shape == tensors[0].shape },
      "stack: shapes differ: \(tensors.map(\.shape))")
    return cat(tensors.map { $0.unsqueeze(dim: dim) }, dim: dim)
  }
}
