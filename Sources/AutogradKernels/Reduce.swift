// Raw reductions and softmax along one axis of a tensor viewed as [outer, n, inner].

extension Kernels {
  /// `out[o, i] = Σ_j x[o, j, i]`, summed in increasing `j` (deterministic). Large inputs are
  /// split over the kernel threads by ranges of `o`, which does not change any sum.
  @inlinable public static func sumAxis<T: KernelScalar>(
    _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, outer: Int, n: Int, inner: Int
  ) {
    let perOuter = Swift.max(1, n * inner)
    let rowsPerTask = Swift.max(1, elementwiseChunk / perOuter)
    if outer > rowsPerTask {
      let (source, target) = (UncheckedSendable(x), UncheckedSendable(out))
      let tasks = (outer + rowsPerTask - 1) / rowsPerTask
      parallelFor(tasks) { task in
        let first = task * rowsPerTask
        let rows = Swift.min(rowsPerTask, outer - first)
        sumAxis(
          source.value + first * n * inner, target.value + first * inner, rows: rows, n: n,
          inner: inner)
      }
    } else {
      sumAxis(x, out, rows: outer, n: n, inner: inner)
    }
  }

  /// Terms summed in plain order before blocked summation takes over: a sum of up to this many
  /// terms is the plain left-to-right sum.
  public static let sumBlock = 1024

  /// The serial loop of ``sumAxis(_:_:outer:n:inner:)`` over `rows` values of `o`.
  ///
  /// Up to ``sumBlock`` terms are added left to right. Longer sums are cut into blocks of
  /// ``sumBlock`` terms, each added left to right, and the block sums are added pairwise, so
  /// that the rounding error grows like ``sumBlock`` + log₂(n/``sumBlock``) ulps instead of n
  /// (a plain float32 sum of a million small squares loses about 0.4 %). The order depends only
  /// on n, so every result is deterministic.
  @inlinable static func sumAxis<T: KernelScalar>(
    _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, rows outer: Int, n: Int, inner: Int
  ) {
    let blocks = (n + sumBlock - 1) / sumBlock
    for o in 0..<outer {
      let src = x + o * n * inner
      let dst = out + o * inner
      if blocks <= 1 {
        plainSum(src, dst, n: n, inner: inner)
        continue
      }
      // One partial sum (of `inner` values) per block, then a pairwise tree over the blocks.
      var partial = [T](repeating: 0, count: blocks * inner)
      partial.withUnsafeMutableBufferPointer { p in
        for b in 0..<blocks {
          let first = b * sumBlock
          plainSum(
            src + first * inner, p.baseAddress! + b * inner, n: Swift.min(sumBlock, n - first),
            inner: inner)
        }
        var count = blocks
        while count > 1 {
          let half = count / 2
          for k in 0..<half {
            let (a, c) = (p.baseAddress! + k * inner, p.baseAddress! + (2 * k) * inner)
            let d = p.baseAddress! + (2 * k + 1) * inner
            for i in 0..<inner { a[i] = c[i] + d[i] }
          }
          if count % 2 == 1 {
            let (a, c) = (p.baseAddress! + half * inner, p.baseAddress! + (count - 1) * inner)
            for i in 0..<inner { a[i] = c[i] }
          }
          count = half + count % 2
        }
        for i in 0..<inner { dst[i] = p[i] }
      }
    }
  }

  /// `dst[i] = Σ_j src[j, i]` for `j` in `0..<n`, added left to right.
  @inlinable static func plainSum<T: KernelScalar>(
    _ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, n: Int, inner: Int
  ) {
    if inner == 1 {
      var acc: T = 0
      for j in 0..<n { acc += src[j] }
      dst[0] = acc
    } else {
      for i in 0..<inner { dst[i] = 0 }
      for j in 0..<n {
        let row = src + j * inner
        for i in 0..<inner { dst[i] += row[i] }
      }
    }
  }

  /// `out[o, i] = max_j x[o, j, i]` and its first index; NaN wins, as in PyTorch.
  @inlinable public static func maxAxis<T: KernelScalar>(
    _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ argmax: UnsafeMutablePointer<Int>?,
    outer: Int, n: Int, inner: Int
  ) {
    for o in 0..<outer {
      for i in 0..<inner {
        let src = x + o * n * inner + i
        var best = src[0]
        var bestIndex = 0
        if !best.isNaN {
          for j in 1..<Swift.max(n, 1) {
            let v = src[j * inner]
            if v > best || v.isNaN {
              best = v
              bestIndex = j
              if v.isNaN { break }
            }
          }
        }
        out[o * inner + i] = best
        argmax?[o * inner + i] = bestIndex
      }
    }
  }

  /// Softmax (or log-softmax) of `x` along the middle axis: `x − max − log Σ exp(x − max)`,
  /// stable for logits of any magnitude.
  @inlinable public static func softmaxAxis<T: KernelScalar>(
    _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, outer: Int, n: Int, inner: Int,
    log: Bool
  ) {
    for o in 0..<outer {
      for i in 0..<inner {
        let src = x + o * n * inner + i
        let dst = out + o * n * inner + i
        var m = -T.infinity
        for j in 0..<n where src[j * inner] > m || src[j * inner].isNaN { m = src[j * inner] }
        if !m.isFinite && !m.isNaN { m = 0 }
        var total: T = 0
        if inner == 1 && T.self == Float.self {
          // A contiguous row: exp 16 at a time into `dst`, then the same sum in order.
          for j in 0..<n { dst[j] = src[j] - m }
          let row = UnsafeMutableRawPointer(dst).assumingMemoryBound(to: Float.self)
          map16(row, row, count: n, exp)
          for j in 0..<n { total += dst[j] }
        } else {
          for j in 0..<n {
            let e = T.exp(src[j * inner] - m)
            total += e
            if !log { dst[j * inner] = e }
          }
        }
        if log {
          let lse = m + T.log(total)
          for j in 0..<n { dst[j * inner] = src[j * inner] - lse }
        } else {
          let inv = 1 / total
          for j in 0..<n { dst[j * inner] *= inv }
        }
      }
    }
  }
}

extension Kernels {
  /// `out[o, i] = log Σ_j exp(x[o, j, i])`, shifted by the maximum for stability.
  @inlinable public static func logsumexpAxis<T: KernelScalar>(
    _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, outer: Int, n: Int, inner: Int
  ) {
    for o in 0..<outer {
      for i in 0..<inner {
        let src = x + o * n * inner + i
        var m = -T.infinity
        for j in 0..<n where src[j * inner] > m || src[j * inner].isNaN { m = src[j * inner] }
        let shift = m.isFinite ? m : 0
        var total: T = 0
        for j in 0..<n { total += T.exp(src[j * inner] - shift) }
        out[o * inner + i] = shift + T.log(total)
      }
    }
  }
}

extension Kernels {
  /// Running sums along the middle axis of [outer, n, inner]: `out[o, i, j] = Σ_{p ≤ i} x[o, p, j]`,
  /// added in increasing `p`.
  @inlinable public static func cumsum<T: KernelScalar>(
    _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, outer: Int, n: Int, inner: Int
  ) {
    for o in 0..<outer {
      let (src, dst) = (x + o * n * inner, out + o * n * inner)
      for j in 0..<inner { if n > 0 { dst[j] = src[j] } }
      for p in 1..<Swift.max(n, 1) {
        for j in 0..<inner { dst[p * inner + j] = dst[(p - 1) * inner + j] + src[p * inner + j] }
      }
    }
  }
}
