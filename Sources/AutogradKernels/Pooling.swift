// 2-D max pooling loops; the first maximum in a window (row-major) wins and NaN propagates, as in
// PyTorch's CPU kernel.

extension Kernels {
  /// Max pooling of `planes` planes of `h`×`w` over `kernel`×`kernel` windows every `stride`:
  /// writes `out` (planes × oh × ow) and the flat in-plane index of each window's maximum.
  @inlinable public static func maxPool2d<T: KernelScalar>(
    _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, argmax: UnsafeMutablePointer<Int32>,
    planes: Int, h: Int, w: Int, kernel: Int, stride s: Int
  ) {
    let oh = (h - kernel) / s + 1
    let ow = (w - kernel) / s + 1
    let (xs, ys, args) = (UncheckedSendable(x), UncheckedSendable(y), UncheckedSendable(argmax))
    parallelFor(planes) { p in
      let (x, y, argmax) = (xs.value, ys.value, args.value)
      let plane = x + p * h * w
      for i in 0..<oh {
        var start = 0
        if T.self == Float.self && kernel == 2 && s == 2 {
          // The common 2×2 window, eight (SIMD) outputs at a time; the loop below does the rest.
          start = maxPool2x2Row(
            UnsafeRawPointer(plane + 2 * i * w).assumingMemoryBound(to: Float.self), width: w,
            outputs: ow,
            values: UnsafeMutableRawPointer(y + (p * oh + i) * ow).assumingMemoryBound(
              to: Float.self),
            indices: argmax + (p * oh + i) * ow, rowOffset: Int32(2 * i * w))
        }
        for j in start..<ow {
          var best = -T.infinity
          var bestIndex = (i * s) * w + j * s
          outer: for di in 0..<kernel {
            for dj in 0..<kernel {
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

  /// The backward of ``maxPool2d``: zeros of `planes` × `inPlane` with each output gradient
  /// added at its window's maximum.
  @inlinable public static func maxPool2dBackward<T: KernelScalar>(
    _ g: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, argmax: UnsafePointer<Int32>,
    planes: Int, inPlane: Int, outPlane: Int
  ) {
    let (gs, ds, args) = (UncheckedSendable(g), UncheckedSendable(dx), UncheckedSendable(argmax))
    parallelFor(planes) { p in
      let (g, dx, argmax) = (gs.value, ds.value, args.value)
      (dx + p * inPlane).update(repeating: 0, count: inPlane)
      for q in 0..<outPlane {
        let o = p * outPlane + q
        dx[p * inPlane + Int(argmax[o])] += g[o]
      }
    }
  }

  /// Max pooling of one output row over 2×2 windows with stride 2, eight outputs at a time:
  /// `row` points at the first of the window's two input rows (`width` elements each). Writes
  /// outputs `0..<k` and their flat argmax indices (plus `rowOffset`) for the largest multiple
  /// `k` of 8 not above `outputs`, and returns `k`.
  ///
  /// Same result as the scalar loop: the window's elements are visited in row-major order, a
  /// larger value or a NaN replaces the best, and the first NaN ends the search.
  public static func maxPool2x2Row(
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
