// Shape ops: reshape and its friends, permute/transpose, expand, slice, concat and stack.

import AutogradKernels

extension Tensor {
  /// The same storage under another shape, without recording (the counts must agree).
  func viewed(as newShape: [Int]) -> Tensor {
    Tensor(shape: newShape, storage: storage)
  }

  /// A contiguous copy of the elements read from element `offset` through `strides` over
  /// `shape`, without recording (any element type).
  func stridedCopy(offset: Int, strides: [Int], shape outShape: [Int]) -> Tensor {
    let out = Tensor(uninitializedShape: outShape, dtype: dtype)
    func run<T>(_: T.Type) {
      Kernels.gatherStrided(
        storage.pointer(T.self) + offset, srcStrides: strides, out.storage.pointer(T.self),
        shape: outShape)
    }
    switch dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    case .int64: run(Int.self)
    }
    return out
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
    return Tensor.record(.reshape, inputs: [self], output: viewed(as: target)) { ctx in
      [ctx.gradOutput.reshape(inShape)]
    }
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
    var inverse = [Int](repeating: 0, count: rank)
    for (i, p) in perm.enumerated() { inverse[p] = i }
    return Tensor.record(.permute, inputs: [self], output: rawPermute(perm)) { ctx in
      [ctx.gradOutput.permute(inverse)]
    }
  }

  /// The permuted copy, without recording.
  func rawPermute(_ perm: [Int]) -> Tensor {
    let own = Tensor.strides(of: shape)
    return stridedCopy(offset: 0, strides: perm.map { own[$0] }, shape: perm.map { shape[$0] })
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
    return Tensor.record(.expand, inputs: [self], output: rawExpand(to: target)) { ctx in
      [ctx.gradOutput.sum(toShape: inShape)]
    }
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
    let region = SliceRegion(axis: a, start: lo, end: hi, step: step)
    let inShape = shape
    let out = stridedCopy(
      offset: region.offset(in: shape), strides: region.strides(in: shape),
      shape: region.shape(in: shape))
    let result = Tensor.record(.slice, inputs: [self], output: out) { ctx in
      [ctx.gradOutput.unsliced(into: inShape, region)]
    }
    result.node?.sliceRegion = region
    return result
  }

  /// Adds this tensor into `region` of `target` (of the sliced tensor's shape), in place: the
  /// unrecorded backward of ``slice`` (the same sums as adding ``unsliced(into:_:)``, up to the
  /// sign of zero outside the region).
  func addSliced(into target: Tensor, _ region: SliceRegion) {
    write(into: target, region, accumulate: true)
  }

  /// Writes (or adds) this tensor into `region` of `target`, unrecorded.
  private func write(into target: Tensor, _ region: SliceRegion, accumulate: Bool) {
    let (base, strides) = (region.offset(in: target.shape), region.strides(in: target.shape))
    func run<T: TensorScalar>(_: T.Type) {
      Kernels.scatterStrided(
        storage.pointer(T.self), target.storage.pointer(T.self) + base, dstStrides: strides,
        shape: shape, accumulate: accumulate)
    }
    if dtype == .float32 { run(Float.self) } else { run(Double.self) }
  }

  /// Zeros of `shape` with this tensor written into `region`: the backward of ``slice``, and
  /// differentiable itself (its derivative is the slice).
  func unsliced(into shape: [Int], _ region: SliceRegion) -> Tensor {
    requireFloat(.sliceBackward)
    let out = Tensor.zeros(shape, dtype: dtype)
    write(into: out, region, accumulate: false)
    return Tensor.record(.sliceBackward, inputs: [self], output: out) { ctx in
      [
        ctx.gradOutput.slice(
          dim: region.axis, start: region.start, end: region.end, step: region.step)
      ]
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
          && t.shape.enumerated().allSatisfy {
            $0.offset == a || $0.element == first.shape[$0.offset]
          },
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
    return record(.concat, inputs: tensors, output: out) { ctx in
      var start = 0
      return sizes.map { size in
        defer { start += size }
        return ctx.gradOutput.slice(dim: a, start: start, end: start + size)
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

/// The elements `start..<end` (every `step`-th) along `axis` of a row-major tensor.
struct SliceRegion {
  let axis, start, end, step: Int

  /// The element offset of the region's first element.
  func offset(in shape: [Int]) -> Int { start * Tensor.strides(of: shape)[axis] }
  /// The element strides that walk the region.
  func strides(in shape: [Int]) -> [Int] {
    var s = Tensor.strides(of: shape)
    s[axis] *= step
    return s
  }
  /// The region's shape.
  func shape(in shape: [Int]) -> [Int] {
    var s = shape
    s[axis] = (end - start + step - 1) / step
    return s
  }
}
