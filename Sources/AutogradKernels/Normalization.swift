// Layer normalization of contiguous rows, forward and backward, one pass per row for each.

extension Kernels {
  /// Σ of `n` contiguous values in 8 lanes (lane `l` adds elements `l, l + 8, …` left to right),
  /// the lanes added in a fixed tree, then the remaining `n % 8` in order: the same sum for a row
  /// wherever and on whichever thread it is computed.
  @inlinable @inline(__always)
  static func laneSum<T: KernelScalar>(_ n: Int, _ term: (Int) -> SIMD8<T>, tail: (Int) -> T)
    -> T
  {
    var acc = SIMD8<T>()
    var j = 0
    while j + 8 <= n {
      acc += term(j)
      j += 8
    }
    let four = acc.lowHalf + acc.highHalf
    let two = four.lowHalf + four.highHalf
    var total = two[0] + two[1]
    while j < n {
      total += tail(j)
      j += 1
    }
    return total
  }

  /// Eight values of `p` from `j` on.
  @inlinable @inline(__always)
  static func load8<T: KernelScalar>(_ p: UnsafePointer<T>, _ j: Int) -> SIMD8<T> {
    UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<T>.self)
  }

  /// Stores eight values to `p` from `j` on.
  @inlinable @inline(__always)
  static func store8<T: KernelScalar>(_ v: SIMD8<T>, _ p: UnsafeMutablePointer<T>, _ j: Int) {
    UnsafeMutableRawPointer(p + j).storeBytes(of: v, as: SIMD8<T>.self)
  }

  /// Layer normalization of `rows` contiguous rows of `n` elements of `x`: each row's mean `m`
  /// and biased variance `v` (Σ(x − m)²/n), `rstd = 1/√(v + eps)`, and
  /// `y = (x − m)·rstd·weight + bias` (per element of the row; `weight` and `bias` optional).
  /// Writes `y` and each row's `m` and `rstd`. Rows are independent and split over the kernel
  /// threads; each is computed the same way for any thread count.
  @inlinable public static func layerNormForward<T: KernelScalar>(
    _ x: UnsafePointer<T>, weight: UnsafePointer<T>?, bias: UnsafePointer<T>?,
    _ y: UnsafeMutablePointer<T>, mean: UnsafeMutablePointer<T>,
    rstd: UnsafeMutablePointer<T>, rows: Int, n: Int, eps: T
  ) {
    let pointers = UncheckedSendable((x, weight, bias, y, mean, rstd))
    forRowRanges(outer: rows, perRow: n) { range in
      let (x, weight, bias, y, mean, rstd) = pointers.value
      for r in range {
        let (xr, yr) = (x + r * n, y + r * n)
        let m = laneSum(n, { load8(xr, $0) }, tail: { xr[$0] }) / T(n)
        let shift = SIMD8<T>(repeating: m)
        let variance =
          laneSum(
            n,
            { j in
              let d = load8(xr, j) - shift
              return d * d
            },
            tail: { j in (xr[j] - m) * (xr[j] - m) }) / T(n)
        let s = 1 / (variance + eps).squareRoot()
        (mean[r], rstd[r]) = (m, s)
        let scale = SIMD8<T>(repeating: s)
        var j = 0
        while j + 8 <= n {
          var v = (load8(xr, j) - shift) * scale
          if let weight { v *= load8(weight, j) }
          if let bias { v += load8(bias, j) }
          store8(v, yr, j)
          j += 8
        }
        while j < n {
          var v = (xr[j] - m) * s
          if let weight { v *= weight[j] }
          if let bias { v += bias[j] }
          yr[j] = v
          j += 1
        }
      }
    }
  }

  /// The gradients of ``layerNormForward(_:weight:bias:_:mean:rstd:rows:n:eps:)`` from the
  /// output gradient `gradOutput`, the input `x` and the saved `mean` and `rstd`: with
  /// `x̂ = (x − m)·rstd` and `ĝ = gradOutput·weight` (or `gradOutput`),
  /// `dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))` per row. `x̂·gradOutput` is written to
  /// `normalizedGrad` (for the weight's gradient, a sum over the rows), when given.
  @inlinable public static func layerNormBackward<T: KernelScalar>(
    gradOutput g: UnsafePointer<T>, _ x: UnsafePointer<T>, weight: UnsafePointer<T>?,
    mean: UnsafePointer<T>, rstd: UnsafePointer<T>, gradInput: UnsafeMutablePointer<T>?,
    normalizedGrad: UnsafeMutablePointer<T>?, rows: Int, n: Int
  ) {
    let pointers = UncheckedSendable((g, x, weight, mean, rstd, gradInput, normalizedGrad))
    forRowRanges(outer: rows, perRow: n) { range in
      let (g, x, weight, mean, rstd, gradInput, normalizedGrad) = pointers.value
      for r in range {
        let (gr, xr) = (g + r * n, x + r * n)
        let (m, s) = (mean[r], rstd[r])
        let (shift, scale) = (SIMD8<T>(repeating: m), SIMD8<T>(repeating: s))
        if let normalizedGrad {
          let out = normalizedGrad + r * n
          var j = 0
          while j + 8 <= n {
            store8(load8(gr, j) * ((load8(xr, j) - shift) * scale), out, j)
            j += 8
          }
          while j < n {
            out[j] = gr[j] * ((xr[j] - m) * s)
            j += 1
          }
        }
        guard let gradInput else { continue }
        @inline(__always) func gHat8(_ j: Int) -> SIMD8<T> {
          weight.map { load8(gr, j) * load8($0, j) } ?? load8(gr, j)
        }
        @inline(__always) func gHat(_ j: Int) -> T { weight.map { gr[j] * $0[j] } ?? gr[j] }
        let meanG = laneSum(n, gHat8, tail: gHat) / T(n)
        let meanGX =
          laneSum(
            n, { j in gHat8(j) * ((load8(xr, j) - shift) * scale) },
            tail: { j in gHat(j) * ((xr[j] - m) * s) }) / T(n)
        let (a, b) = (SIMD8<T>(repeating: meanG), SIMD8<T>(repeating: meanGX))
        let dx = gradInput + r * n
        var j = 0
        while j + 8 <= n {
          let xHat = (load8(xr, j) - shift) * scale
          store8(scale * (gHat8(j) - a - xHat * b), dx, j)
          j += 8
        }
        while j < n {
          dx[j] = s * (gHat(j) - meanG - (xr[j] - m) * s * meanGX)
          j += 1
        }
      }
    }
  }
}
