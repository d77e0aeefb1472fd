// Index ops: gather and index-select, with their scatter-add pullbacks.

extension Tensor {
  /// Stops unless every index lies in `0..<size`, naming `op`.
  static func checkIndices(_ index: Tensor, size: Int, _ op: OpKind) {
    check(index.dtype == .int64, "\(op): index must be int64, got \(index.dtype)")
    let p = index.storage.pointer(Int.self)
    for i in 0..<index.count {
      check(
        p[i] >= 0 && p[i] < size,
        "\(op): index \(p[i]) is out of bounds for dimension of size \(size)")
    }
  }

  /// Values picked along `dim` by `index`, like `torch.gather(x, dim, index)`:
  /// for `dim == 1`, `out[i][j] = x[i][index[i][j]]`. The result has `index`'s shape.
  public func gather(dim: Int, index: Tensor) -> Tensor {
    requireFloat(.gather)
    let a = axis(dim, .gather)
    check(
      index.rank == rank
        && (0..<rank).allSatisfy { $0 == a || index.shape[$0] <= shape[$0] },
      "gather: index of shape \(index.shape) does not fit input of shape \(shape) along dim \(dim)"
    )
    Tensor.checkIndices(index, size: shape[a], .gather)
    let out = Tensor(uninitializedShape: index.shape, dtype: dtype)
    Tensor.gatherKernel(source: self, out: out, index: index, axis: a, scatterAdd: false)
    let inShape = shape
    return Tensor.record(.gather, [self], out) { g in
      [g.scatter(into: inShape, axis: a, index: index)]
    }
  }

  /// Zeros of `shape` with `self`'s values added at the positions `index` names along `axis`
  /// (the adjoint of ``gather(dim:index:)``). Every element of the destination starts at zero.
  func scatter(into shape: [Int], axis: Int, index: Tensor) -> Tensor {
    let dx = Tensor.zeros(shape, dtype: dtype)
    Tensor.gatherKernel(source: dx, out: self, index: index, axis: axis, scatterAdd: true)
    return dx
  }

  private static func gatherKernel(
    source: Tensor, out: Tensor, index: Tensor, axis: Int, scatterAdd: Bool
  ) {
    switch source.dtype {
    case .float32:
      Kernels.gather(
        source.storage.pointer(Float.self), xShape: source.shape, out.storage.pointer(Float.self),
        index: index.storage.pointer(Int.self), indexShape: index.shape, axis: axis,
        scatterAdd: scatterAdd)
    case .float64:
      Kernels.gather(
        source.storage.pointer(Double.self), xShape: source.shape,
        out.storage.pointer(Double.self), index: index.storage.pointer(Int.self),
        indexShape: index.shape, axis: axis, scatterAdd: scatterAdd)
    case .int64: fatalError("unreachable")
    }
  }

  /// The slices along `dim` named by the 1-D `index`, in its order, like `torch.index_select`.
  public func indexSelect(dim: Int, index: Tensor) -> Tensor {
    requireFloat(.indexSelect)
    let a = axis(dim, .indexSelect)
    check(index.rank == 1, "indexSelect: index must be 1-D, got shape \(index.shape)")
    Tensor.checkIndices(index, size: shape[a], .indexSelect)
    let (outer, n, inner) = split(around: a)
    var outShape = shape
    outShape[a] = index.count
    let out = Tensor(uninitializedShape: outShape, dtype: dtype)
    let idx = index.indices
    let bytes = dtype.byteCount
    for o in 0..<outer {
      for (k, i) in idx.enumerated() {
        (out.storage.base + ((o * idx.count + k) * inner) * bytes).copyMemory(
          from: storage.base + ((o * n + i) * inner) * bytes, byteCount: inner * bytes)
      }
    }
    let (inShape, inType) = (shape, dtype)
    return Tensor.record(.indexSelect, [self], out) { g in
      let dx = Tensor.zeros(inShape, dtype: inType)
      func add<T: TensorScalar>(_: T.Type) {
        let src = g.storage.pointer(T.self)
        let dst = dx.storage.pointer(T.self)
        for o in 0..<outer {
          for (k, i) in idx.enumerated() {
            let s = src + (o * idx.count + k) * inner
            let d = dst + (o * n + i) * inner
            for j in 0..<inner { d[j] += s[j] }
          }
        }
      }
      if inType == .float32 { add(Float.self) } else { add(Double.self) }
      return [dx]
    }
  }
}
