// Matrix products: 2-D, and batched 3-D with a broadcast batch axis.

extension Tensor {
  /// `Out[io] (+)= op(X[ix]) · op(Y[iy])` for `i` in the batch, where a batch size of 1 is
  /// broadcast and an output batch of 1 accumulates over the batch (in increasing `i`).
  /// `x` and `y` are [batch?, rows, cols]; `tx`/`ty` transpose each matrix.
  static func batchedProduct(
    _ x: Tensor, _ tx: Bool, _ y: Tensor, _ ty: Bool, batch: Int, outBatch: Int
  ) -> Tensor {
    let (xr, xc) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
    let (yr, yc) = (y.shape[y.rank - 2], y.shape[y.rank - 1])
    let (m, k) = tx ? (xc, xr) : (xr, xc)
    let n = ty ? yr : yc
    let xBatch = x.rank == 3 ? x.shape[0] : 1
    let yBatch = y.rank == 3 ? y.shape[0] : 1
    let out = Tensor(uninitializedShape: outBatch == 1 ? [m, n] : [outBatch, m, n], dtype: x.dtype)
    if outBatch == 1 && (batch == 0 || k == 0) {
      out.storage.base.initializeMemory(as: UInt8.self, repeating: 0, count: out.count * x.dtype.byteCount)
    }
    func run<T: TensorScalar>(_: T.Type) {
      let xp = x.storage.pointer(T.self)
      let yp = y.storage.pointer(T.self)
      let op = out.storage.pointer(T.self)
      for i in 0..<batch {
        let io = outBatch == 1 ? 0 : i
        Kernels.gemm(
          T.self, transA: tx, transB: ty, m: m, n: n, k: k,
          a: xp + (xBatch == 1 ? 0 : i) * xr * xc, lda: xc,
          b: yp + (yBatch == 1 ? 0 : i) * yr * yc, ldb: yc,
          beta: outBatch == 1 && i > 0 ? 1 : 0, c: op + io * m * n, ldc: n)
      }
    }
    if x.dtype == .float32 { run(Float.self) } else { run(Double.self) }
    return out
  }

  /// The matrix product, like `torch.matmul` for 2-D and 3-D operands: [m, k]·[k, n] → [m, n],
  /// and [b, m, k]·[b, k, n] → [b, m, n], where a batch of 1 or a 2-D operand is broadcast.
  public func matmul(_ other: Tensor) -> Tensor {
    let a = self
    let b = other
    a.requireFloat(.matmul)
    check(
      (2...3).contains(a.rank) && (2...3).contains(b.rank) && a.dtype == b.dtype,
      "matmul: expected 2-D or 3-D tensors of one floating type, got shapes \(a.shape) and \(b.shape) (\(a.dtype), \(b.dtype))"
    )
    let k = a.shape[a.rank - 1]
    check(
      b.shape[b.rank - 2] == k,
      "matmul: shapes \(a.shape) and \(b.shape) cannot be multiplied (\(k) vs \(b.shape[b.rank - 2]))"
    )
    let aBatch = a.rank == 3 ? a.shape[0] : 1
    let bBatch = b.rank == 3 ? b.shape[0] : 1
    check(
      aBatch == bBatch || aBatch == 1 || bBatch == 1,
      "matmul: batch sizes \(aBatch) and \(bBatch) of shapes \(a.shape) and \(b.shape) cannot be broadcast"
    )
    let batch = Swift.max(aBatch, bBatch)
    let batched = a.rank == 3 || b.rank == 3
    var y = Tensor.batchedProduct(a, false, b, false, batch: batch, outBatch: batched ? batch : 1)
    if batched && y.rank == 2 { y = y.viewed(as: [1] + y.shape) }
    let (ad, bd) = (a.detached(), b.detached())
    let (needA, needB) = (a.requiresGrad, b.requiresGrad)
    return Tensor.record(.matmul, [a, b], y) { g in
      // dA[ia] (+)= G[i]·B[ib]ᵀ ; dB[ib] (+)= A[ia]ᵀ·G[i]
      let ga = needA
        ? Tensor.batchedProduct(g, false, bd, true, batch: batch, outBatch: aBatch == 1 ? 1 : batch)
          .viewed(as: ad.shape) : nil
      let gb = needB
        ? Tensor.batchedProduct(ad, true, g, false, batch: batch, outBatch: bBatch == 1 ? 1 : batch)
          .viewed(as: bd.shape) : nil
      return [ga, gb]
    }
  }
}
