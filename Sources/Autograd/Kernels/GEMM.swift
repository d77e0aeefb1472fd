// Placeholder general matrix multiply (naive, correct); to be replaced by the packed SIMD kernel.

extension Kernels {
  /// C[m×n] = op(A)·op(B) + beta·C, row-major; op(A) is m×k (A stored k×m when `transA`),
  /// op(B) is k×n (B stored n×k when `transB`). `beta` is 0 (C is overwritten) or 1.
  static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    naiveGEMM(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc)
  }

  /// Double-precision ``gemm(transA:transB:m:n:k:a:lda:b:ldb:beta:c:ldc:)``.
  static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    naiveGEMM(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc)
  }

  private static func naiveGEMM<T: TensorScalar>(
    _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
    _ a: UnsafePointer<T>, _ lda: Int, _ b: UnsafePointer<T>, _ ldb: Int,
    _ beta: T, _ c: UnsafeMutablePointer<T>, _ ldc: Int
  ) {
    for i in 0..<m {
      let row = c + i * ldc
      if beta == 0 {
        for j in 0..<n { row[j] = 0 }
      }
      for p in 0..<k {
        let av = transA ? a[p * lda + i] : a[i * lda + p]
        if transB {
          for j in 0..<n { row[j] += av * b[j * ldb + p] }
        } else {
          let brow = b + p * ldb
          for j in 0..<n { row[j] += av * brow[j] }
        }
      }
    }
  }
}
