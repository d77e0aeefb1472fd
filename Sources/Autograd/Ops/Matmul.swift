// Matrix products: 2-D, and batched 3-D with a broadcast batch axis. The backward of a product is
// a product (with transposed operands), so the one primitive below differentiates any number of
// times.

import AutogradKernels

extension Tensor {
  /// `Out[io] (+)= op(X[ix]) · op(Y[iy])` for `i` in the batch, without recording, where a batch
  /// size of 1 is broadcast and an output batch of 1 accumulates over the batch (in increasing
  /// `i`). `x` and `y` are [batch?, rows, cols]; `tx`/`ty` transpose each matrix.
  static func batchedProduct(
    _ x: Tensor, _ tx: Bool, _ y: Tensor, _ ty: Bool, batch: Int, outBatch: Int
  ) -> Tensor {
    let (xr, xc) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
    let (yr, yc) = (y.shape[y.rank - 2], y.shape[y.rank - 1])
    let (m, k) = tx ? (xc, xr) : (xr, xc)
    let n = ty ? yr : yc
    let xBatch = x.rank == 3 ? x.shape[0] : 1
    let yBatch = y.rank == 3 ? y.shape[0] : 1
    let out = Tensor(
      uninitializedShape: outBatch == 1 ? [m, n] : [outBatch, m, n], dtype: x.dtype)
    if outBatch == 1 && (batch == 0 || k == 0) {
      out.storage.base.initializeMemory(
        as: UInt8.self, repeating: 0, count: out.count * x.dtype.byteCount)
    }
    func run<T: TensorScalar>(_: T.Type) {
      let xp = x.storage.pointer(T.self)
      let yp = y.storage.pointer(T.self)
      let op = out.storage.pointer(T.self)
      let pointers = UncheckedSendable((xp, yp, op))
      func product(_ i: Int) {
        let (xp, yp, op) = pointers.value
        let io = outBatch == 1 ? 0 : i
        Kernels.gemm(
          T.self, transA: tx, transB: ty, m: m, n: n, k: k,
          a: xp + (xBatch == 1 ? 0 : i) * xr * xc, lda: xc,
          b: yp + (yBatch == 1 ? 0 : i) * yr * yc, ldb: yc,
          beta: outBatch == 1 && i > 0 ? 1 : 0, c: op + io * m * n, ldc: n)
      }
      if outBatch > 1 && m * n * k < Kernels.gemmParallelThreshold {
        // Products too small to be split by the GEMM itself (attention's per-head products):
        // one per task instead. Each writes its own slice of the output with the same serial
        // GEMM, so the result does not depend on the threads.
        Kernels.parallelFor(batch, product)
      } else {
        for i in 0..<batch { product(i) }
      }
    }
    if x.dtype == .float32 { run(Float.self) } else { run(Double.self) }
    return out
  }

  /// The recorded product `op(x)·op(y)` over `batch`, summed over the batch when `outBatch` is
  /// 1, viewed as `shape`. Its derivative rule is four products of the same kind:
  /// for `C = op(X)·op(Y)`, `dX = G·op(Y)ᵀ` (or its transpose `op(Y)·Gᵀ` when `X` enters
  /// transposed) and `dY = op(X)ᵀ·G` (or `Gᵀ·op(X)`), each summed over the batch where its
  /// operand was broadcast.
  static func product(
    _ x: Tensor, _ tx: Bool, _ y: Tensor, _ ty: Bool, batch: Int, outBatch: Int, shape: [Int]
  ) -> Tensor {
    let out = batchedProduct(x, tx, y, ty, batch: batch, outBatch: outBatch).viewed(as: shape)
    return record(.matmul, inputs: [x, y], output: out) { ctx in
      let g = ctx.gradOutput
      func gradient(of operand: Tensor, _ compute: (Int) -> Tensor) -> Tensor {
        let operandBatch = operand.rank == 3 ? operand.shape[0] : 1
        return compute(operandBatch == 1 ? 1 : batch).reshape(operand.shape)
      }
      let gx =
        ctx.needsGradient(ofInput: 0)
        ? gradient(of: x) { b in
          let s = b == 1 ? [x.shape[x.rank - 2], x.shape[x.rank - 1]] : x.shape
          return tx
            ? product(y, ty, g, true, batch: batch, outBatch: b, shape: s)
            : product(g, false, y, !ty, batch: batch, outBatch: b, shape: s)
        } : nil
      let gy =
        ctx.needsGradient(ofInput: 1)
        ? gradient(of: y) { b in
          let s = b == 1 ? [y.shape[y.rank - 2], y.shape[y.rank - 1]] : y.shape
          return ty
            ? product(g, true, x, tx, batch: batch, outBatch: b, shape: s)
            : product(x, !tx, g, false, batch: batch, outBatch: b, shape: s)
        } : nil
      return [gx, gy]
    }
  }

  /// The matrix product with `torch.matmul`'s rules: [m, k]·[k, n] → [m, n]; a 1-D operand is a
  /// row (left) or column (right) vector whose axis is removed from the result; operands with
  /// more axes are stacks of matrices whose leading (batch) axes broadcast:
  /// [b, m, k]·[k, n] → [b, m, n], [j, 1, m, k]·[k₂, k, n] → [j, k₂, m, n].
  public func matmul(_ other: Tensor) -> Tensor {
    requireFloat(.matmul)
    check(
      rank >= 1 && other.rank >= 1 && dtype == other.dtype,
      "matmul: expected tensors of at least one dimension of one floating type, got shapes \(shape) and \(other.shape) (\(dtype), \(other.dtype))"
    )
    if rank == 1 || other.rank == 1 {
      let a = rank == 1 ? reshape([1, shape[0]]) : self
      let b = other.rank == 1 ? other.reshape([other.shape[0], 1]) : other
      let product = a.matmul(b)
      var outShape = product.shape
      if other.rank == 1 { outShape.removeLast() }
      if rank == 1 { outShape.remove(at: outShape.count - (other.rank == 1 ? 1 : 2)) }
      return product.reshape(outShape)
    }
    let k = shape[rank - 1]
    check(
      other.shape[other.rank - 2] == k,
      "matmul: shapes \(shape) and \(other.shape) cannot be multiplied (\(k) vs \(other.shape[other.rank - 2]))"
    )
    if rank <= 3 && other.rank <= 3 {
      let aBatch = rank == 3 ? shape[0] : 1
      let bBatch = other.rank == 3 ? other.shape[0] : 1
      check(
        aBatch == bBatch || aBatch == 1 || bBatch == 1,
        "matmul: batch sizes \(aBatch) and \(bBatch) of shapes \(shape) and \(other.shape) cannot be broadcast"
      )
      let batch = Swift.max(aBatch, bBatch)
      let batched = rank == 3 || other.rank == 3
      let (m, n) = (shape[rank - 2], other.shape[other.rank - 1])
      return Tensor.product(
        self, false, other, false, batch: batch, outBatch: batched ? batch : 1,
        shape: batched ? [batch, m, n] : [m, n])
    }
    // Stacks with several batch axes: broadcast the batch axes, flatten them into one, multiply.
    let batchShape = Tensor.broadcastShape(
      Array(shape.dropLast(2)), Array(other.shape.dropLast(2)), .matmul)
    let batch = batchShape.reduce(1, *)
    let (m, n) = (shape[rank - 2], other.shape[other.rank - 1])
    func stacked(_ t: Tensor) -> Tensor {
      if t.rank == 2 { return t }
      let matrix = Array(t.shape.suffix(2))
      return t.expand(batchShape + matrix).reshape([batch] + matrix)
    }
    return stacked(self).matmul(stacked(other)).reshape(batchShape + [m, n])
  }
}
