// softmax and logSoftmax along an axis, stable for logits of any size.

extension Tensor {
  private func rawSoftmax(_ a: Int, log: Bool, _ op: OpKind) -> Tensor {
    requireFloat(op)
    let out = Tensor(uninitializedShape: shape, dtype: dtype)
    let (outer, n, inner) = split(around: a)
    switch dtype {
    case .float32:
      Kernels.softmaxAxis(
        storage.pointer(Float.self), out.storage.pointer(Float.self), outer: outer, n: n,
        inner: inner, log: log)
    case .float64:
      Kernels.softmaxAxis(
        storage.pointer(Double.self), out.storage.pointer(Double.self), outer: outer, n: n,
        inner: inner, log: log)
    case .int64: fatalError("unreachable")
    }
    return out
  }

  /// `exp(x) / Σ exp(x)` along `dim`, computed as `exp(x − max)` normalised, like
  /// `torch.softmax`.
  public func softmax(dim: Int) -> Tensor {
    let a = axis(dim, .softmax)
    let y = rawSoftmax(a, log: false, .softmax)
    return Tensor.record(.softmax, [self], y) { g in
      let gy = g * y
      return [gy - y * gy.rawSum(along: a)]
    }
  }

  /// `x − log Σ exp(x)` along `dim`, computed as `x − max − log Σ exp(x − max)`, like
  /// `torch.log_softmax`; finite for logits of ±1000.
  public func logSoftmax(dim: Int) -> Tensor {
    let a = axis(dim, .logSoftmax)
    let y = rawSoftmax(a, log: true, .logSoftmax)
    return Tensor.record(.logSoftmax, [self], y) { g in
      [g - y.exp() * g.rawSum(along: a)]
    }
  }
}
