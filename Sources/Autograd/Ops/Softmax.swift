// softmax and logSoftmax along an axis, stable for logits of any size.

import AutogradKernels

extension Tensor {
  private func rawSoftmax(_ a: Int, log: Bool, _ op: OpKind) -> Tensor {
    requireFloat(op)
    let out = Tensor(uninitializedShape: shape, dtype: dtype)
    let (outer, n, inner) = split(around: a)
    func run<T: TensorScalar>(_: T.Type) {
      Kernels.softmaxAxis(
        storage.pointer(T.self), out.storage.pointer(T.self), outer: outer, n: n, inner: inner,
        log: log)
    }
    if dtype == .float32 { run(Float.self) } else { run(Double.self) }
    return out
  }

  /// `exp(x) / Σ exp(x)` along `dim`, computed as `exp(x − max)` normalised, like
  /// `torch.softmax`.
  public func softmax(dim: Int) -> Tensor {
    let a = axis(dim, .softmax)
    let y = rawSoftmax(a, log: false, .softmax)
    return Tensor.record(.softmax, inputs: [self], output: y, savingOutput: true) { ctx in
      let y = ctx.output
      let gy = ctx.gradOutput * y
      return [gy - y * gy.sum(dims: [a], keepDim: true)]
    }
  }

  /// `x − log Σ exp(x)` along `dim`, computed as `x − max − log Σ exp(x − max)`, like
  /// `torch.log_softmax`; finite for logits of ±1000.
  public func logSoftmax(dim: Int) -> Tensor {
    let a = axis(dim, .logSoftmax)
    let y = rawSoftmax(a, log: true, .logSoftmax)
    return Tensor.record(.logSoftmax, inputs: [self], output: y, savingOutput: true) { ctx in
      let g = ctx.gradOutput
      return [g - ctx.output.exp() * g.sum(dims: [a], keepDim: true)]
    }
  }
}
