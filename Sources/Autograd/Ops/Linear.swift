// The affine map of a linear layer, y = x·Wᵀ + b, without materialising Wᵀ.

/// `input`·`weight`ᵀ + `bias` for `input` [N, in], `weight` [out, in] and `bias` [out], like
/// `torch.nn.functional.linear`. The transpose is folded into the matrix product.
public func linear(_ input: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
  input.requireFloat(.linear)
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
  var y = Tensor.batchedProduct(input, false, weight, true, batch: 1, outBatch: 1)
  if let bias {
    func addBias<T: TensorScalar>(_: T.Type) {
      let yp = y.storage.pointer(T.self)
      let bp = bias.storage.pointer(T.self)
      for i in 0..<input.shape[0] {
        let row = yp + i * out
        for j in 0..<out { row[j] += bp[j] }
      }
    }
    if input.dtype == .float32 { addBias(Float.self) } else { addBias(Double.self) }
  }
  let (xd, wd) = (input.detached(), weight.detached())
  let (needX, needW, needB) = (input.requiresGrad, weight.requiresGrad, bias?.requiresGrad ?? false)
  var inputs = [input, weight]
  if let bias { inputs.append(bias) }
  y = Tensor.record(.linear, inputs, y) { g in
    var grads: [Tensor?] = [
      needX ? Tensor.batchedProduct(g, false, wd, false, batch: 1, outBatch: 1) : nil,
      needW ? Tensor.batchedProduct(g, true, xd, false, batch: 1, outBatch: 1) : nil,
    ]
    if bias != nil { grads.append(needB ? g.rawSum(along: 0).viewed(as: [out]) : nil) }
    return grads
  }
  return y
}
