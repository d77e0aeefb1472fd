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
      if let fused = Tensor.fusedSoftmaxBackward(ctx.gradOutput, y, axis: a, log: false) {
        return [fused]
      }
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
      if let fused = Tensor.fusedSoftmaxBackward(g, ctx.output, axis: a, log: true) {
        return [fused]
      }
      return [g - ctx.output.exp() * g.sum(dims: [a], keepDim: true)]
    }
  }

  /// The derivative rules above in one kernel pass, bit for bit the same, when nothing records
  /// the backward pass (no `createGraph`) and the rows are contiguous `Float`; `nil` otherwise,
  /// and the composed rule (differentiable again) runs.
  private static func fusedSoftmaxBackward(
    _ g: Tensor, _ y: Tensor, axis a: Int, log: Bool
  ) -> Tensor? {
    guard !isGradEnabled, y.dtype == .float32, g.dtype == .float32, g.shape == y.shape else {
      return nil
    }
    let (outer, n, inner) = y.split(around: a)
    guard inner == 1 else { return nil }
    let out = Tensor(uninitializedShape: y.shape, dtype: .float32)
    Kernels.softmaxBackward(
      gradOutput: g.storage.pointer(Float.self), output: y.storage.pointer(Float.self),
      out.storage.pointer(Float.self), rows: outer, n: n, log: log)
    return out
  }
}
