// Layer normalization as one op: each row's mean and variance, the normalised and scaled output
// in one pass, and the gradients in another.

import AutogradKernels

/// Layer normalization over the trailing `normalizedShape` axes of `input`, like
/// `torch.nn.functional.layer_norm`: each slice is shifted by its mean, divided by
/// `√(variance + eps)` (the biased variance), then multiplied by `weight` and shifted by `bias`
/// (both of `normalizedShape`, optional).
///
/// One recorded op instead of the dozen of its composition (mean, variance, subtract, divide,
/// scale, shift), with the same values to rounding. Differentiable to any order: without
/// `createGraph` the gradients come from one kernel pass per row; with it, from the same rule
/// written in differentiable ops.
public func layerNorm(
  _ input: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil,
  eps: Double = 1e-5
) -> Tensor {
  input.requireFloat(.layerNorm)
  let k = normalizedShape.count
  check(
    k > 0,
    "layerNorm: the normalized shape must have at least one axis (input of shape \(input.shape))")
  check(
    input.rank >= k && Array(input.shape.suffix(k)) == normalizedShape,
    "layerNorm: input of shape \(input.shape) does not end in the normalized shape \(normalizedShape)"
  )
  for (name, parameter) in [("weight", weight), ("bias", bias)] {
    if let parameter {
      check(
        parameter.shape == normalizedShape && parameter.dtype == input.dtype,
        "layerNorm: \(name) of shape \(parameter.shape) and \(parameter.dtype) does not match the normalized shape \(normalizedShape) of \(input.dtype)"
      )
    }
  }
  let n = normalizedShape.reduce(1, *)
  let rows = n == 0 ? 0 : input.count / n
  let y = Tensor(uninitializedShape: input.shape, dtype: input.dtype)
  let statistics = Tensor(uninitializedShape: [2, rows], dtype: input.dtype)  // mean, rstd
  func forward<T: TensorScalar>(_: T.Type) {
    let stats = statistics.storage.pointer(T.self)
    Kernels.layerNormForward(
      input.storage.pointer(T.self),
      weight: weight.map { UnsafePointer($0.storage.pointer(T.self)) },
      bias: bias.map { UnsafePointer($0.storage.pointer(T.self)) }, y.storage.pointer(T.self),
      mean: stats, rstd: stats + rows, rows: rows, n: n, eps: T(eps))
  }
  if input.dtype == .float32 { forward(Float.self) } else { forward(Double.self) }
  let inputs = [input] + [weight, bias].compactMap { $0 }
  return Tensor.record(.layerNorm, inputs: inputs, output: y) { ctx in
    let g = ctx.gradOutput
    let needs = inputs.indices.map { ctx.needsGradient(ofInput: $0) }
    let needsWeight = weight != nil && needs[1]
    let needsBias = bias != nil && needs[weight == nil ? 1 : 2]
    let leading = Array(0..<(input.rank - k))
    if isGradEnabled {
      return composedLayerNormGradients(
        g, input, weight: weight, hasBias: bias != nil, normalizedShape: normalizedShape,
        eps: eps, needs: (needs[0], needsWeight, needsBias))
    }
    let dx = needs[0] ? Tensor(uninitializedShape: input.shape, dtype: input.dtype) : nil
    let normalizedGrad =
      needsWeight ? Tensor(uninitializedShape: input.shape, dtype: input.dtype) : nil
    func backward<T: TensorScalar>(_: T.Type) {
      let stats = statistics.storage.pointer(T.self)
      Kernels.layerNormBackward(
        gradOutput: g.storage.pointer(T.self), input.storage.pointer(T.self),
        weight: weight.map { UnsafePointer($0.storage.pointer(T.self)) }, mean: stats,
        rstd: stats + rows, gradInput: dx?.storage.pointer(T.self),
        normalizedGrad: normalizedGrad?.storage.pointer(T.self), rows: rows, n: n)
    }
    if input.dtype == .float32 { backward(Float.self) } else { backward(Double.self) }
    var grads: [Tensor?] = [dx]
    if weight != nil {
      grads.append(normalizedGrad?.sum(dims: leading).reshape(normalizedShape))
    }
    if bias != nil { grads.append(needsBias ? g.sum(dims: leading).reshape(normalizedShape) : nil) }
    return grads
  }
}

/// The derivative rule of ``layerNorm(_:normalizedShape:weight:bias:eps:)`` in differentiable
/// ops (used under `createGraph`): the gradients of the input and of the weight and bias (when
/// the op has them), each `nil` where not needed, from the output gradient `g`.
func composedLayerNormGradients(
  _ g: Tensor, _ x: Tensor, weight: Tensor?, hasBias: Bool, normalizedShape: [Int],
  eps: Double, needs: (input: Bool, weight: Bool, bias: Bool)
) -> [Tensor?] {
  let k = normalizedShape.count
  let axes = Array((x.rank - k)..<x.rank)
  let leading = Array(0..<(x.rank - k))
  let centred = x - x.mean(dims: axes, keepDim: true)
  let rstd = 1 / ((centred * centred).mean(dims: axes, keepDim: true) + eps).sqrt()
  let xHat = centred * rstd
  let gHat = weight.map { g * $0 } ?? g
  var grads: [Tensor?] = [
    needs.input
      ? rstd
        * (gHat - gHat.mean(dims: axes, keepDim: true)
          - xHat * (gHat * xHat).mean(dims: axes, keepDim: true)) : nil
  ]
  if weight != nil {
    grads.append(needs.weight ? (g * xHat).sum(dims: leading).reshape(normalizedShape) : nil)
  }
  if hasBias { grads.append(needs.bias ? g.sum(dims: leading).reshape(normalizedShape) : nil) }
  return grads
}
