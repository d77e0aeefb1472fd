// The affine map of a linear layer, y = x·Wᵀ + b, without materialising Wᵀ.

import AutogradKernels

/// `input`·`weight`ᵀ + `bias` for `input` [N, in] (or [*, in], any leading axes), `weight`
/// [out, in] and `bias` [out], like `torch.nn.functional.linear`. The transpose is folded into
/// the matrix product.
public func linear(_ input: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
  input.requireFloat(.linear)
  if input.rank != 2 && input.rank >= 1 && weight.rank == 2 {
    let features = input.shape[input.rank - 1]
    let flat = linear(
      input.reshape([input.count / Swift.max(features, 1), features]), weight: weight, bias: bias)
    return flat.reshape(Array(input.shape.dropLast()) + [weight.shape[0]])
  }
  check(
    input.rank == 2 && weight.rank == 2 && input.shape[1] == weight.shape[1]
      && input.dtype == weight.dtype,
    "linear: input of shape \(input.shape) and weight of shape \(weight.shape) do not match (expected [N, in] and [out, in] of one type)"
  )
  let out = weight.shape[0]
  if let bias {
    check(
      bias.shape == [out] && bias.dtype == input.dtype,
      "linear: bias of shape \(bias.shape) does not match \(out) output features")
  }
  let y = Tensor.batchedProduct(input, false, weight, true, batch: 1, outBatch: 1)
  if let bias {
    func addBias<T: TensorScalar>(_: T.Type) {
      Kernels.addRowBias(
        y.storage.pointer(T.self), bias.storage.pointer(T.self), rows: input.shape[0],
        columns: out)
    }
    if input.dtype == .float32 { addBias(Float.self) } else { addBias(Double.self) }
  }
  var inputs = [input, weight]
  if let bias { inputs.append(bias) }
  return Tensor.record(.linear, inputs: inputs, output: y) { ctx in
    let g = ctx.gradOutput
    var grads: [Tensor?] = [
      // dX = G·W, dW = Gᵀ·X: products, so differentiable again.
      ctx.needsGradient(ofInput: 0)
        ? Tensor.product(g, false, weight, false, batch: 1, outBatch: 1, shape: input.shape)
        : nil,
      ctx.needsGradient(ofInput: 1)
        ? Tensor.product(g, true, input, false, batch: 1, outBatch: 1, shape: weight.shape)
        : nil,
    ]
    if bias != nil { grads.append(ctx.needsGradient(ofInput: 2) ? g.sum(dims: [0]) : nil) }
    return grads
  }
}
