// Raw copies between strided and contiguous layouts, and index-driven gathers and scatters.

extension Kernels {
  /// Writes contiguous `src` (laid out over `shape`) into `dst` at element strides `dstStrides`.
  static func scatterStrided<T>(
    _ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, dstStrides: [Int], shape: [Int]
  ) {
    let count = shape.reduce(1, *)
    guard count > 0 else { return }
    guard let inner = shape.last else {
      dst[0] = src[0]
      return
    }
    let rank = shape.count
    let s = dstStrides[rank - 1]
    var index = [Int](repeating: 0, count: rank)
    var off = 0
    var o = 0
    while o < count {
      for j in 0..<inner { dst[off + j * s] = src[o + j] }
      o += inner
      var axis = rank - 2
      while axis >= 0 {
        index[axis] += 1
        off += dstStrides[axis]
        if index[axis] < shape[axis] { break }
        off -= dstStrides[axis] * shape[axis]
        index[axis] = 0
        axis -= 1
      }
    }
  }

  /// PyTorch's `gather` (`scatterAdd == false`): `out[p] = x[p with axis ← index[p]]` over the
  /// positions `p` of `indexShape`; or its adjoint (`scatterAdd == true`):
  /// `x[p with axis ← index[p]] += out[p]`. Index values must already be validated.
  static func gather<T: TensorScalar>(
    _ x: UnsafeMutablePointer<T>, xShape: [Int], _ out: UnsafeMutablePointer<T>,
    index: UnsafePointer<Int>, indexShape: [Int], axis: Int, scatterAdd: Bool
  ) {
    let count = indexShape.reduce(1, *)
    guard count > 0 else { return }
    let rank = indexShape.count
    let xStrides = Tensor.strides(of: xShape)
    var position = [Int](repeating: 0, count: rank)
    for p in 0..<count {
      var offset = 0
      for d in 0..<rank where d != axis { offset += position[d] * xStrides[d] }
      offset += index[p] * xStrides[axis]
      if scatterAdd { x[offset] += out[p] } else { out[p] = x[offset] }
      var d = rank - 1
      while d >= 0 {
        position[d] += 1
        if position[d] < indexShape[d] { break }
        position[d] = 0
        d -= 1
      }
    }
  }
}
