// exp and log for 16 floats at once (Cephes' single-precision polynomials with Cody–Waite range
// reduction), so that elementwise exp/log and softmax vectorise instead of calling libm per
// element. Accuracy is tested against a double-precision reference over a sweep of inputs.

extension Kernels {
  /// eˣ for each lane: within 2 ulp of the exact value (tested); +inf above ln(FLT_MAX), 0 below
  /// about −103.97 (subnormal results in between), NaN for NaN.
  @inlinable @inline(__always)
  public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
    typealias V = SIMD16<Float>
    // NaN → 0 and x limited to [−104, 89] (the results there are fixed up at the end), with
    // selects: the generic `clamped` and `rounded` are not specialised and run per lane.
    var clamped = x.replacing(with: 0, where: x .!= x)
    clamped.replace(with: -104, where: clamped .< -104)
    clamped.replace(with: 89, where: clamped .> 89)
    // n = round-to-nearest-even(x·log2 e) by the 1.5·2²³ trick: adding it leaves the rounded
    // integer in the low bits of the significand (|x·log2 e| < 2²²).
    let magic = V(repeating: 12_582_912)
    let shifted = clamped * 1.44269504088896341 + magic
    let n = shifted - magic
    var r = clamped.addingProduct(n, V(repeating: -0.693359375))
    r = r.addingProduct(n, V(repeating: 2.12194440e-4))
    var p = V(repeating: 1.9875691500e-4)
    p = (p * r) + 1.3981999507e-3
    p = (p * r) + 8.3334519073e-3
    p = (p * r) + 4.1665795894e-2
    p = (p * r) + 1.6666665459e-1
    p = (p * r) + 5.0000001201e-1
    var y = (p * (r * r)) + r + 1
    // y·2ⁿ as y·2^⌊n/2⌋·2^(n − ⌊n/2⌋): each factor is a normal float for n in [−150, 128].
    let k =
      unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
    let half = k &>> 1
    y *= powerOfTwo(half)
    y *= powerOfTwo(k &- half)
    y.replace(with: .infinity, where: x .> 88.72283905206835)
    y.replace(with: 0, where: x .< -103.972084045410)
    y.replace(with: x, where: x .!= x)
    return y
  }

  /// The natural logarithm of each lane: within 2 ulp of the exact value (tested); −inf for
  /// ±0, NaN for negative inputs and NaN, +inf for +inf.
  @inlinable @inline(__always)
  public static func log(_ x: SIMD16<Float>) -> SIMD16<Float> {
    typealias V = SIMD16<Float>
    typealias I = SIMD16<Int32>
    // Subnormals: scale into the normal range first.
    let tiny = x .< Float.leastNormalMagnitude
    let scaled = x.replacing(with: x * 8_388_608, where: tiny)
    let bits = unsafeBitCast(scaled, to: I.self)
    // The exponent as a float, exactly: the bits of 1.5·2²³ + e, minus 1.5·2²³ (|e| < 2²²).
    let exponent = (bits &>> 23) & 0xff &- 126
    var e = unsafeBitCast(exponent &+ 0x4b40_0000, to: V.self) - 12_582_912
    e.replace(with: e - 23, where: tiny)
    // m in [0.5, 1): the significand with the exponent of 0.5.
    var m = unsafeBitCast((bits & I(repeating: ~0x7f80_0000)) | 0x3f00_0000, to: V.self)
    let low = m .< 0.707106781186547524
    e.replace(with: e - 1, where: low)
    m = m.replacing(with: m + m, where: low) - 1
    let z = m * m
    var p = V(repeating: 7.0376836292e-2)
    p = (p * m) - 1.1514610310e-1
    p = (p * m) + 1.1676998740e-1
    p = (p * m) - 1.2420140846e-1
    p = (p * m) + 1.4249322787e-1
    p = (p * m) - 1.6668057665e-1
    p = (p * m) + 2.0000714765e-1
    p = (p * m) - 2.4999993993e-1
    p = (p * m) + 3.3333331174e-1
    var y = p * m * z
    y = y.addingProduct(e, V(repeating: -2.12194440e-4))
    y = y.addingProduct(z, V(repeating: -0.5))
    var result = (m + y).addingProduct(e, V(repeating: 0.693359375))
    result.replace(with: .infinity, where: x .== .infinity)
    result.replace(with: -.infinity, where: x .== 0)
    result.replace(with: .nan, where: (x .< 0) .| (x .!= x))
    return result
  }

  /// 2ᵏ for exponents k in [−126, 127], built from the bits.
  @inlinable @inline(__always)
  static func powerOfTwo(_ k: SIMD16<Int32>) -> SIMD16<Float> {
    unsafeBitCast((k &+ 127) &<< 23, to: SIMD16<Float>.self)
  }

  /// The logistic sigmoid 1 / (1 + e⁻ˣ) of each lane, from one ``exp(_:)`` of −|x|: 1 / (1 + e)
  /// for x ≥ 0 and e / (1 + e) below, as the scalar rule (tested within 3 ulp); NaN for NaN.
  @inlinable @inline(__always)
  public static func sigmoid(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let e = exp(-magnitude(x))
    return (1 / (1 + e)).replacing(with: e / (1 + e), where: x .< 0)
  }

  /// The hyperbolic tangent of each lane (Cephes' single-precision form, tested within 3 ulp):
  /// an odd polynomial for |x| ≤ 0.625, 1 − 2 / (e²ˣ + 1) with the sign of x above; ±1 for
  /// large |x|, −0 for −0, NaN for NaN.
  @inlinable @inline(__always)
  public static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
    typealias V = SIMD16<Float>
    typealias Bits = SIMD16<UInt32>
    // On |x|, then the sign of x put back (so −0 stays −0: tanh is odd).
    let magnitude = magnitude(x)
    let z = magnitude * magnitude
    var p = V(repeating: -5.70498872745e-3)
    p = (p * z) + 2.06390887954e-2
    p = (p * z) - 5.37397155531e-2
    p = (p * z) + 1.33314422036e-1
    p = (p * z) - 3.33332819422e-1
    let small = p * z * magnitude + magnitude
    let large = 1 - 2 / (exp(magnitude + magnitude) + 1)
    let result = large.replacing(with: small, where: .!(magnitude .> 0.625))
    let sign = unsafeBitCast(x, to: Bits.self) & 0x8000_0000
    return unsafeBitCast(unsafeBitCast(result, to: Bits.self) | sign, to: V.self)
  }

  /// |x| for each lane: the sign bit cleared.
  @inlinable @inline(__always)
  static func magnitude(_ x: SIMD16<Float>) -> SIMD16<Float> {
    unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7fff_ffff, to: SIMD16<Float>.self)
  }

  /// Applies `function` to `count` floats, 16 at a time; a last partial group goes through the
  /// same function with its missing lanes set to 1.
  @inlinable @inline(__always)
  public static func map16(
    _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int,
    _ function: (SIMD16<Float>) -> SIMD16<Float>
  ) {
    let (from, to) = (UnsafeRawPointer(x), UnsafeMutableRawPointer(out))
    var i = 0
    while i + 16 <= count {
      let result = function(from.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self))
      to.storeBytes(of: result, toByteOffset: 4 * i, as: SIMD16<Float>.self)
      i += 16
    }
    if i < count {
      var lanes = SIMD16<Float>(repeating: 1)
      for l in 0..<(count - i) { lanes[l] = x[i + l] }
      let result = function(lanes)
      for l in 0..<(count - i) { out[i + l] = result[l] }
    }
  }
}

/// Transposes 8 vectors (an 8×8 block, row r = `v.r`) in place with three deinterleave stages.
@inlinable @inline(__always)
func transpose8x8(
  _ v:
    inout (
      SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
      SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>
    )
) {
  // Each stage maps flat index bits [r2 r1 r0 c2 c1 c0] to [c0 r2 r1 r0 c2 c1]; three stages
  // rotate rows into columns.
  for _ in 0..<3 {
    let p0 = SIMD16(lowHalf: v.0, highHalf: v.1)
    let p1 = SIMD16(lowHalf: v.2, highHalf: v.3)
    let p2 = SIMD16(lowHalf: v.4, highHalf: v.5)
    let p3 = SIMD16(lowHalf: v.6, highHalf: v.7)
    v = (
      p0.evenHalf, p1.evenHalf, p2.evenHalf, p3.evenHalf,
      p0.oddHalf, p1.oddHalf, p2.oddHalf, p3.oddHalf
    )
  }
}
