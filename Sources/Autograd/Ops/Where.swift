// Selection by a mask: where(condition, a, b), with broadcasting.

import AutogradKernels

extension Tensor {
  /// Elements of `a` where `condition` is non-zero and of `b` elsewhere, all three broadcast
  /// together, like `torch.where(condition, a, b)`. `a` and `b` must have one floating type;
  /// `condition` may have any type (a mask from ``gt(_:)``, say). The gradient flows to `a`
  /// where the condition holds and to `b` elsewhere.
  public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    a.requireFloat(.select)
    check(
      a.dtype == b.dtype,
      "where: element types differ (\(a.dtype) and \(b.dtype)); convert one with to(_:)")
    let shape = broadcastShape(
      broadcastShape(condition.shape, a.shape, .select), b.shape, .select)
    let mask = condition.to(.float64).rawExpand(to: shape)
    let (x, y) = (a.rawExpand(to: shape), b.rawExpand(to: shape))
    let out = Tensor(uninitializedShape: shape, dtype: a.dtype)
    func run<T: TensorScalar>(_: T.Type) {
      Kernels.select(
        mask.storage.pointer(Double.self), x.storage.pointer(T.self), y.storage.pointer(T.self),
        out.storage.pointer(T.self), count: out.count)
    }
    if a.dtype == .float32 { run(Float.self) } else { run(Double.self) }
    let condition = condition.detached()
    return record(.select, inputs: [a, b], output: out) { ctx in
      let g = ctx.gradOutput
      let zero = Tensor(0, dtype: g.dtype)
      return [
        ctx.needsGradient(ofInput: 0)
          ? Tensor.where(condition, g, zero).sum(toShape: a.shape) : nil,
        ctx.needsGradient(ofInput: 1)
          ? Tensor.where(condition, zero, g).sum(toShape: b.shape) : nil,
      ]
    }
  }

  /// `where` with a scalar for `a`.
  public static func `where`(_ condition: Tensor, _ a: Double, _ b: Tensor) -> Tensor {
    Tensor.where(condition, Tensor(a, dtype: b.dtype), b)
  }

  /// `where` with a scalar for `b`.
  public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Double) -> Tensor {
    Tensor.where(condition, a, Tensor(b, dtype: a.dtype))
  }

  /// This tensor with `value` where `mask` is non-zero (broadcast to this shape), like
  /// `masked_fill`. The gradient passes where the mask is zero.
  public func maskedFill(_ mask: Tensor, _ value: Double) -> Tensor {
    check(
      Tensor.broadcastShape(mask.shape, shape, .select) == shape,
      "maskedFill: mask of shape \(mask.shape) does not broadcast to \(shape)")
    return Tensor.where(mask, Tensor(value, dtype: dtype), self)
  }
}
