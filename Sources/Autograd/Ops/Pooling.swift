// 2-D max pooling; the first maximum in a window (row-major) wins and NaN propagates, as in
// PyTorch's CPU kernel.

/// Max pooling of `input` [N, C, H, W] over `kernelSize`×`kernelSize` windows every `stride`
/// (default: the kernel size), like `torch.nn.functional.max_pool2d`. Output size is
/// `(H − kernelSize) / stride + 1` (floor).
public func maxPool2d(_ input: Tensor, kernelSize: Int, stride: Int? = nil) -> Tensor {
  input.requireFloat(.maxPool2d)
  let s = stride ?? kernelSize
  check(
    input.rank == 4, "maxPool2d: expected input of shape [N, C, H, W], got \(input.shape)")
  check(
    kernelSize >= 1 && s >= 1, "maxPool2d: kernel \(kernelSize) and stride \(s) must be positive")
  let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
  check(
    h >= kernelSize && w >= kernelSize,
    "maxPool2d: kernel \(kernelSize) is larger than the input \(h)×\(w) of shape \(input.shape)")
  let oh = (h - kernelSize) / s + 1
  let ow = (w - kernelSize) / s + 1
  let out = Tensor(uninitializedShape: [n, c, oh, ow], dtype: input.dtype)
  let arg = ArgmaxBuffer(count: out.count)
  let argmax = arg.buffer
  func forward<T: TensorScalar>(_: T.Type) {
    let x = input.storage.pointer(T.self)
    let y = out.storage.pointer(T.self)
    Kernels.parallelFor(n * c) { p in
      let plane = x + p * h * w
      for i in 0..<oh {
        var start = 0
        if T.self == Float.self && kernelSize == 2 && s == 2 {
          // The common 2×2 window, eight (SIMD) outputs at a time; the loop below does the rest.
          start = Kernels.maxPool2x2Row(
            UnsafeRawPointer(plane + 2 * i * w).assumingMemoryBound(to: Float.self), width: w,
            outputs: ow,
            values: UnsafeMutableRawPointer(y + (p * oh + i) * ow).assumingMemoryBound(
              to: Float.self),
            indices: argmax.baseAddress! + (p * oh + i) * ow, rowOffset: Int32(2 * i * w))
        }
        for j in start..<ow {
          var best = -T.infinity
          var bestIndex = (i * s) * w + j * s
          outer: for di in 0..<kernelSize {
            for dj in 0..<kernelSize {
              let index = (i * s + di) * w + (j * s + dj)
              let v = plane[index]
              if v > best || v.isNaN {
                best = v
                bestIndex = index
                if v.isNaN { break outer }
              }
            }
          }
          let o = (p * oh + i) * ow + j
          y[o] = best
          argmax[o] = Int32(bestIndex)
        }
      }
    }
  }
  if input.dtype == .float32 { forward(Float.self) } else { forward(Double.self) }
  let inShape = input.shape
  let inType = input.dtype
  return Tensor.record(.maxPool2d, [input], out) { g in
    let dx = Tensor(uninitializedShape: inShape, dtype: inType)
    func backward<T: TensorScalar>(_: T.Type) {
      let gp = g.storage.pointer(T.self)
      let dp = dx.storage.pointer(T.self)
      Kernels.parallelFor(n * c) { p in
        (dp + p * h * w).update(repeating: 0, count: h * w)
        for q in 0..<(oh * ow) {
          let o = p * oh * ow + q
          dp[p * h * w + Int(arg.buffer[o])] += gp[o]
        }
      }
    }
    if inType == .float32 { backward(Float.self) } else { backward(Double.self) }
    return [dx]
  }
}

/// Owns the argmax indices saved by max pooling until its node is freed.
final class ArgmaxBuffer: @unchecked Sendable {
  let buffer: UnsafeMutableBufferPointer<Int32>
  init(count: Int) { buffer = .allocate(capacity: Swift.max(count, 1)) }
  deinit { buffer.deallocate() }
}

extension Kernels {
  /// Max pooling of one output row over 2×2 windows with stride 2, eight outputs at a time:
  /// `row` points at the first of the window's two input rows (`width` elements each). Writes
  /// outputs `0..<k` and their flat argmax indices (plus `rowOffset`) for the largest multiple
  /// `k` of 8 not above `outputs`, and returns `k`.
  ///
  /// Same result as the scalar loop: the window's elements are visited in row-major order, a
  /// larger value or a NaN replaces the best, and the first NaN ends the search.
  static func maxPool2x2Row(
    _ row: UnsafePointer<Float>, width: Int, outputs: Int, values: UnsafeMutablePointer<Float>,
    indices: UnsafeMutablePointer<Int32>, rowOffset: Int32
  ) -> Int {
    let raw = UnsafeRawPointer(row)
    let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
    let right = SIMD8<Int32>(repeating: 1)
    let below = SIMD8<Int32>(repeating: Int32(width))
    let belowRight = SIMD8<Int32>(repeating: Int32(width + 1))
    var j = 0
    while j + 8 <= outputs {
      let top = raw.loadUnaligned(fromByteOffset: 8 * j, as: SIMD16<Float>.self)
      let bottom = raw.loadUnaligned(fromByteOffset: 4 * (width + 2 * j), as: SIMD16<Float>.self)
      var best = top.evenHalf
      var offset = SIMD8<Int32>(repeating: 0)
      var done = best .!= best
      // The other three candidates in row-major order.
      consider(top.oddHalf, at: right, &best, &offset, &done)
      consider(bottom.evenHalf, at: below, &best, &offset, &done)
      consider(bottom.oddHalf, at: belowRight, &best, &offset, &done)
      UnsafeMutableRawPointer(values + j).storeBytes(of: best, as: SIMD8<Float>.self)
      UnsafeMutableRawPointer(indices + j).storeBytes(
        of: offset &+ lanes &+ SIMD8(repeating: rowOffset + 2 * Int32(j)), as: SIMD8<Int32>.self)
      j += 8
    }
    return j
  }

  /// One step of ``maxPool2x2Row``: `candidate` (at window offset `position`) replaces `best` in
  /// the lanes where it is larger or NaN, unless that lane already holds a NaN (`done`).
  @inline(__always)
  private static func consider(
    _ candidate: SIMD8<Float>, at position: SIMD8<Int32>, _ best: inout SIMD8<Float>,
    _ offset: inout SIMD8<Int32>, _ done: inout SIMDMask<SIMD8<Int32>>
  ) {
    let isNaN = candidate .!= candidate
    let take = .!done .& ((candidate .> best) .| isNaN)
    best.replace(with: candidate, where: take)
    offset.replace(with: position, where: take)
    done = done .| isNaN
  }
}
