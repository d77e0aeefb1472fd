// Index ops: gather and index-select, and their adjoints scatter-add and index-add, each the
// other's derivative.

import AutogradKernels

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
    return Tensor.record(.gather, inputs: [self], output: out) { ctx in
      [ctx.gradOutput.scatterAdd(into: inShape, dim: a, index: index)]
    }
  }

  /// Zeros of `shape` with this tensor's values added at the positions `index` names along
  /// `dim`, like `torch.zeros(shape).scatter_add(dim, index, self)`: the adjoint of
  /// ``gather(dim:index:)``. `index` has this tensor's shape; every element of the result starts
  /// at zero, and repeated indices add up.
  public func scatterAdd(into shape: [Int], dim: Int, index: Tensor) -> Tensor {
    requireFloat(.scatterAdd)
    let a = axis(dim, .scatterAdd, rank: shape.count)
    check(
      index.shape == self.shape && shape.count == rank
        && (0..<rank).allSatisfy { $0 == a || self.shape[$0] <= shape[$0] },
      "scatterAdd: source of shape \(self.shape) and index of shape \(index.shape) do not fit a result of shape \(shape) along dim \(dim)"
    )
    Tensor.checkIndices(index, size: shape[a], .scatterAdd)
    let dx = Tensor.zeros(shape, dtype: dtype)
    Tensor.gatherKernel(source: dx, out: self, index: index, axis: a, scatterAdd: true)
    return Tensor.record(.scatterAdd, inputs: [self], output: dx) { ctx in
      [ctx.gradOutput.gather(dim: a, index: index)]
    }
  }

  private static func gatherKernel(
    source: Tensor, out: Tensor, index: Tensor, axis: Int, scatterAdd: Bool
  ) {
    func run<T: TensorScalar>(_: T.Type) {
      Kernels.gather(
        source.storage.pointer(T.self), xShape: source.shape, out.storage.pointer(T.self),
        index: index.storage.pointer(Int.self), indexShape: index.shape, axis: axis,
        scatterAdd: scatterAdd)
    }
    if source.dtype == .float32 { run(Float.self) } else { run(Double.self) }
  }

  /// The slices along `dim` named by `index`, in its order, like `torch.index_select`. A 1-D
  /// (or 0-D) index gives PyTorch's result; an N-D index replaces axis `dim` by the index's
  /// axes (as `numpy.take(x, index, axis=dim)`, PyTorch's `x[:, index]` for `dim` 1).
  public func indexSelect(dim: Int, index: Tensor) -> Tensor {
    requireFloat(.indexSelect)
    let a = axis(dim, .indexSelect)
    check(index.dtype == .int64, "indexSelect: index must be int64, got \(index.dtype)")
    if index.rank != 1 {
      let flat = indexSelect(dim: a, index: index.reshape([index.count]))
      if index.rank == 0 { return flat }
      return flat.reshape(Array(shape[..<a]) + index.shape + Array(shape[(a + 1)...]))
    }
    Tensor.checkIndices(index, size: shape[a], .indexSelect)
    let (outer, n, inner) = split(around: a)
    var outShape = shape
    outShape[a] = index.count
    let out = Tensor(uninitializedShape: outShape, dtype: dtype)
    Kernels.indexSelect(
      storage.base, out.storage.base, index: index.indices, outer: outer, n: n, inner: inner,
      elementBytes: dtype.byteCount)
    let inShape = shape
    return Tensor.record(.indexSelect, inputs: [self], output: out) { ctx in
      [ctx.gradOutput.indexAdd(into: inShape, dim: a, index: index)]
    }
  }

  /// Zeros of `shape` with the slices of this tensor added along `dim` at the positions the 1-D
  /// `index` names, like `torch.zeros(shape).index_add(dim, index, self)`: the adjoint of
  /// ``indexSelect(dim:index:)``. Repeated indices add up, in order.
  public func indexAdd(into shape: [Int], dim: Int, index: Tensor) -> Tensor {
    requireFloat(.indexAdd)
    let a = axis(dim, .indexAdd, rank: shape.count)
    check(index.rank == 1, "indexAdd: index must be 1-D, got shape \(index.shape)")
    var expected = shape
    if a < expected.count { expected[a] = index.count }
    check(
      self.shape == expected,
      "indexAdd: source of shape \(self.shape) does not match \(expected) (result \(shape) with \(index.count) indices along dim \(dim))"
    )
    Tensor.checkIndices(index, size: shape[a], .indexAdd)
    let dx = Tensor.zeros(shape, dtype: dtype)
    let outer = shape[..<a].reduce(1, *)
    let inner = shape[(a + 1)...].reduce(1, *)
    let idx = index.indices
    func run<T: TensorScalar>(_: T.Type) {
      Kernels.indexAdd(
        storage.pointer(T.self), dx.storage.pointer(T.self), index: idx, outer: outer,
        n: shape[a], inner: inner)
    }
    if dtype == .float32 { run(Float.self) } else { run(Double.self) }
    return Tensor.record(.indexAdd, inputs: [self], output: dx) { ctx in
      [ctx.gradOutput.indexSelect(dim: a, index: index)]
    }
  }
}
