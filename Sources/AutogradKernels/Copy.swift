// Raw copies between strided and contiguous layouts, and index-driven gathers and scatters.

extension Kernels {
  /// Row-major strides (in elements) of a shape.
  public static func strides(of shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
      strides[axis] = acc
      acc *= shape[axis]
    }
    return strides
  }

  /// Writes contiguous `src` (laid out over `shape`) into `dst` at element strides `dstStrides`
  /// (adds it, with `accumulate`).
  @inlinable public static func scatterStrided<T: KernelScalar>(
    _ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, dstStrides: [Int], shape: [Int],
    accumulate: Bool = false
  ) {
    let count = shape.reduce(1, *)
    guard count > 0 else { return }
    guard let inner = shape.last else {
      dst[0] = accumulate ? dst[0] + src[0] : src[0]
      return
    }
    let rank = shape.count
    let s = dstStrides[rank - 1]
    var index = [Int](repeating: 0, count: rank)
    var off = 0
    var o = 0
    while o < count {
      if accumulate {
        for j in 0..<inner { dst[off + j * s] += src[o + j] }
      } else {
        for j in 0..<inner { dst[off + j * s] = src[o + j] }
      }
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
  @inlinable public static func gather<T: KernelScalar>(
    _ x: UnsafeMutablePointer<T>, xShape: [Int], _ out: UnsafeMutablePointer<T>,
    index: UnsafePointer<Int>, indexShape: [Int], axis: Int, scatterAdd: Bool
  ) {
    let count = indexShape.reduce(1, *)
    guard count > 0 else { return }
    let rank = indexShape.count
    let xStrides = Kernels.strides(of: xShape)
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

extension Kernels {
  /// `index_select` on [outer, n, inner] rows: `out[o, k, :] = x[o, index[k], :]` (any element
  /// of `elementBytes` bytes). Index values must already be validated.
  public static func indexSelect(
    _ x: UnsafeRawPointer, _ out: UnsafeMutableRawPointer, index: [Int], outer: Int, n: Int,
    inner: Int, elementBytes: Int
  ) {
    let rowBytes = inner * elementBytes
    for o in 0..<outer {
      for (k, i) in index.enumerated() {
        (out + (o * index.count + k) * rowBytes).copyMemory(
          from: x + (o * n + i) * rowBytes, byteCount: rowBytes)
      }
    }
  }

  /// The adjoint of ``indexSelect``: `x[o, index[k], :] += g[o, k, :]`, in increasing `k` (so
  /// repeated indices add up in a fixed order).
  @inlinable public static func indexAdd<T: KernelScalar>(
    _ g: UnsafePointer<T>, _ x: UnsafeMutablePointer<T>, index: [Int], outer: Int, n: Int,
    inner: Int
  ) {
    for o in 0..<outer {
      for (k, i) in index.enumerated() {
        let s = g + (o * index.count + k) * inner
        let d = x + (o * n + i) * inner
        for j in 0..<inner { d[j] += s[j] }
      }
    }
  }
}
