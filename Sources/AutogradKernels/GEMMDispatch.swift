extension Kernels {
  /// ``gemm(transA:transB:m:n:k:a:lda:b:ldb:beta:c:ldc:)`` for either scalar type, for
  /// generic callers (specialised away at compile time).
  @inline(__always)
  @inlinable public static func gemm<T: KernelScalar>(
    _: T.Type, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
    beta: T, c: UnsafeMutablePointer<T>, ldc: Int
  ) {
    if T.self == Float.self {
      gemm(
        transA: transA, transB: transB, m: m, n: n, k: k,
        a: UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda: lda,
        b: UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb: ldb,
        beta: Float(beta), c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self),
        ldc: ldc)
    } else {
      gemm(
        transA: transA, transB: transB, m: m, n: n, k: k,
        a: UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), lda: lda,
        b: UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), ldb: ldb,
        beta: Double(beta), c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self),
        ldc: ldc)
    }
  }
}
