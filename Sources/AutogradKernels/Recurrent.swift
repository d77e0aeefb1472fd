// The elementwise part of an LSTM step, forward and backward, in one pass over the gates.

extension Kernels {
  /// One LSTM cell update: from pre-activation `gates` [n, 4h] (per row the input, forget, cell
  /// and output blocks, PyTorch's order) and the cell state `c` [n, h], writes `out` [n, 2h],
  /// each row `h' = σ(o)·tanh(c')` then `c' = σ(f)·c + σ(i)·tanh(g)`.
  ///
  /// `Float` runs 16 lanes at a time with the vector `sigmoid` and `tanh`; `Double` uses the
  /// scalar functions. Rows are independent, so any split over threads gives the same bits.
  @inlinable public static func lstmCellForward<T: KernelScalar>(
    gates: UnsafePointer<T>, c: UnsafePointer<T>, out: UnsafeMutablePointer<T>, n: Int, h: Int
  ) {
    eachLSTMChunk(n: n, h: h) { row, j, count in
      let (gr, cr, outRow) = (gates + row * 4 * h, c + row * h, out + row * 2 * h)
      let (i, f, g, o) = lstmGates(gr, h: h, at: j, count)
      let cNext = f * lstmLoad(cr + j, count) + i * g
      lstmStore(o * lstmTanh(cNext), outRow + j, count)
      lstmStore(cNext, outRow + h + j, count)
    }
  }

  /// The gradients of ``lstmCellForward(gates:c:out:n:h:)`` from `gradOutput` [n, 2h] (the
  /// gradients of h' and c'): the pre-activation gates' [n, 4h] and the previous cell state's
  /// [n, h]; a `nil` destination is skipped. With `tc = tanh(c')` and
  /// `dc = dc' + dh'·σ(o)·(1 − tc²)`: `di = dc·tanh(g)·σ(i)(1 − σ(i))`,
  /// `df = dc·c·σ(f)(1 − σ(f))`, `dg = dc·σ(i)·(1 − tanh²(g))`, `do = dh'·tc·σ(o)(1 − σ(o))`,
  /// `dc_prev = dc·σ(f)`.
  @inlinable public static func lstmCellBackward<T: KernelScalar>(
    gradOutput: UnsafePointer<T>, gates: UnsafePointer<T>, c: UnsafePointer<T>,
    gradGates: UnsafeMutablePointer<T>?, gradC: UnsafeMutablePointer<T>?, n: Int, h: Int
  ) {
    eachLSTMChunk(n: n, h: h) { row, j, count in
      let (gr, cr, gOut) = (gates + row * 4 * h, c + row * h, gradOutput + row * 2 * h)
      let (i, f, g, o) = lstmGates(gr, h: h, at: j, count)
      let cPrev = lstmLoad(cr + j, count)
      let tc = lstmTanh(f * cPrev + i * g)
      let dh = lstmLoad(gOut + j, count)
      let one = SIMD16<T>(repeating: 1)
      let dc = lstmLoad(gOut + h + j, count) + dh * o * (one - tc * tc)
      if let gradGates {
        let dg = gradGates + row * 4 * h
        lstmStore(dc * g * i * (one - i), dg + j, count)
        lstmStore(dc * cPrev * f * (one - f), dg + h + j, count)
        lstmStore(dc * i * (one - g * g), dg + 2 * h + j, count)
        lstmStore(dh * tc * o * (one - o), dg + 3 * h + j, count)
      }
      if let gradC { lstmStore(dc * f, gradC + row * h + j, count) }
    }
  }

  /// Calls `body(row, j, count)` for each row of `n` and each chunk of up to 16 of its `h`
  /// hidden units, starting at unit `j`.
  @inlinable @inline(__always)
  static func eachLSTMChunk(n: Int, h: Int, _ body: (Int, Int, Int) -> Void) {
    for row in 0..<n {
      var j = 0
      while j < h {
        body(row, j, Swift.min(16, h - j))
        j += 16
      }
    }
  }
}

/// `count` (≤ 16) elements from `p`, the other lanes 0.
@inlinable @inline(__always)
func lstmLoad<T: KernelScalar>(_ p: UnsafePointer<T>, _ count: Int) -> SIMD16<T> {
  if count == 16 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD16<T>.self) }
  var v = SIMD16<T>()
  for l in 0..<count { v[l] = p[l] }
  return v
}

/// Stores the first `count` (≤ 16) lanes of `v` at `p`.
@inlinable @inline(__always)
func lstmStore<T: KernelScalar>(_ v: SIMD16<T>, _ p: UnsafeMutablePointer<T>, _ count: Int) {
  if count == 16 {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<T>.self)
    return
  }
  for l in 0..<count { p[l] = v[l] }
}

/// The logistic sigmoid lane by lane: the vector kernel for `Float`, the scalar rule otherwise.
@inlinable @inline(__always)
func lstmSigmoid<T: KernelScalar>(_ x: SIMD16<T>) -> SIMD16<T> {
  if T.self == Float.self {
    return unsafeBitCast(
      Kernels.sigmoid(unsafeBitCast(x, to: SIMD16<Float>.self)), to: SIMD16<T>.self)
  }
  var y = x
  for l in 0..<16 {
    let v = x[l]
    y[l] = v >= 0 ? 1 / (1 + T.exp(-v)) : T.exp(v) / (1 + T.exp(v))
  }
  return y
}

/// The hyperbolic tangent lane by lane: the vector kernel for `Float`, the scalar one otherwise.
@inlinable @inline(__always)
func lstmTanh<T: KernelScalar>(_ x: SIMD16<T>) -> SIMD16<T> {
  if T.self == Float.self {
    return unsafeBitCast(Kernels.tanh(unsafeBitCast(x, to: SIMD16<Float>.self)), to: SIMD16<T>.self)
  }
  var y = x
  for l in 0..<16 { y[l] = T.tanh(x[l]) }
  return y
}

/// The four gate activations σ(i), σ(f), tanh(g), σ(o) of lanes `j..<j + count` of one row of
/// pre-activation gates (its four blocks of `h` side by side).
@inlinable @inline(__always)
func lstmGates<T: KernelScalar>(
  _ row: UnsafePointer<T>, h: Int, at j: Int, _ count: Int
) -> (SIMD16<T>, SIMD16<T>, SIMD16<T>, SIMD16<T>) {
  (
    lstmSigmoid(lstmLoad(row + j, count)), lstmSigmoid(lstmLoad(row + h + j, count)),
    lstmTanh(lstmLoad(row + 2 * h + j, count)), lstmSigmoid(lstmLoad(row + 3 * h + j, count))
  )
}
