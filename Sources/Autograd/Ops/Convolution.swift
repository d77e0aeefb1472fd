// 2-D convolution, and its input and weight gradients as differentiable ops of their own (as
// PyTorch's `convolution_backward`), so that conv2d differentiates twice. The kernels
// (per-image im2col + GEMM, deterministic for any thread count) are in AutogradKernels.

import AutogradKernels

/// The 2-D convolution (cross-correlation) of `input` [N, C, H, W] with `weight` [O, C, kh, kw],
/// plus `bias` [O], like `torch.nn.functional.conv2d`. The result is [N, O, outH, outW] with
/// `outH = (H + 2·padding − kh) / stride + 1`.
public func conv2d(
  _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0
) -> Tensor {
  input.requireFloat(.conv2d)
  check(
    input.rank == 4 && weight.rank == 4 && input.shape[1] == weight.shape[1]
      && input.dtype == weight.dtype,
    "conv2d: input of shape \(input.shape) and weight of shape \(weight.shape) do not match (expected [N, C, H, W] and [O, C, kh, kw] of one type)"
  )
  check(stride >= 1 && padding >= 0, "conv2d: stride \(stride) and padding \(padding) are invalid")
  let o = weight.shape[0]
  if let bias {
    check(
      bias.shape == [o] && bias.dtype == input.dtype,
      "conv2d: bias of shape \(bias.shape) does not match \(o) output channels")
  }
  let layout = Tensor.convLayout(input.shape, weight.shape, stride: stride, padding: padding)
  let g = layout.geometry
  let out = Tensor(uninitializedShape: [layout.n, o, g.outH, g.outW], dtype: input.dtype)
  func run<T: TensorScalar>(_: T.Type) {
    layout.forward(
      T.self, input.storage.pointer(T.self), weight.storage.pointer(T.self),
      bias.map { UnsafePointer($0.storage.pointer(T.self)) }, out.storage.pointer(T.self))
  }
  if input.dtype == .float32 { run(Float.self) } else { run(Double.self) }

  var inputs = [input, weight]
  if let bias { inputs.append(bias) }
  return Tensor.record(.conv2d, inputs: inputs, output: out) { ctx in
    let gy = ctx.gradOutput
    let (needX, needW) = (ctx.needsGradient(ofInput: 0), ctx.needsGradient(ofInput: 1))
    var grads: [Tensor?]
    if needX && needW && !isGradEnabled {
      // First order: both gradients from one pass over the images (same bits as the two ops).
      let dx = Tensor(uninitializedShape: input.shape, dtype: input.dtype)
      let dw = Tensor(uninitializedShape: weight.shape, dtype: weight.dtype)
      func backward<T: TensorScalar>(_: T.Type) {
        layout.backward(
          T.self, input: input.storage.pointer(T.self), weight: weight.storage.pointer(T.self),
          grad: gy.storage.pointer(T.self), dx: dx.storage.pointer(T.self),
          dw: dw.storage.pointer(T.self))
      }
      if gy.dtype == .float32 { backward(Float.self) } else { backward(Double.self) }
      grads = [dx, dw]
    } else {
      grads = [
        needX
          ? conv2dInputGrad(
            gy, weight: weight, inputShape: input.shape, stride: stride, padding: padding)
          : nil,
        needW
          ? conv2dWeightGrad(
            gy, input: input, weightShape: weight.shape, stride: stride, padding: padding)
          : nil,
      ]
    }
    if bias != nil {
      grads.append(ctx.needsGradient(ofInput: 2) ? gy.sum(dims: [0, 2, 3]) : nil)
    }
    return grads
  }
}

/// The gradient of `conv2d` with respect to its input, for the output gradient `gradOutput`
/// [N, O, outH, outW] and `weight` [O, C, kh, kw] — a transposed convolution, like
/// `torch.nn.grad.conv2d_input`. Linear in both arguments; its own derivatives are a
/// convolution (for `gradOutput`) and a weight gradient (for `weight`).
public func conv2dInputGrad(
  _ gradOutput: Tensor, weight: Tensor, inputShape: [Int], stride: Int = 1, padding: Int = 0
) -> Tensor {
  let layout = Tensor.convLayout(inputShape, weight.shape, stride: stride, padding: padding)
  Tensor.checkConvGradient(gradOutput, layout, .conv2dInputGrad)
  let dx = Tensor(uninitializedShape: inputShape, dtype: gradOutput.dtype)
  func run<T: TensorScalar>(_: T.Type) {
    layout.backward(
      T.self, input: nil, weight: weight.storage.pointer(T.self),
      grad: gradOutput.storage.pointer(T.self), dx: dx.storage.pointer(T.self), dw: nil)
  }
  if gradOutput.dtype == .float32 { run(Float.self) } else { run(Double.self) }
  let weightShape = weight.shape
  return Tensor.record(.conv2dInputGrad, inputs: [gradOutput, weight], output: dx) { ctx in
    // ⟨u, dx(g, w)⟩ = ⟨conv2d(u, w), g⟩, so d/dg = conv2d(u, w) and d/dw = weightGrad(g, u).
    let u = ctx.gradOutput
    return [
      ctx.needsGradient(ofInput: 0)
        ? conv2d(u, weight: weight, stride: stride, padding: padding) : nil,
      ctx.needsGradient(ofInput: 1)
        ? conv2dWeightGrad(
          gradOutput, input: u, weightShape: weightShape, stride: stride, padding: padding)
        : nil,
    ]
  }
}

/// The gradient of `conv2d` with respect to its weight, for the output gradient `gradOutput`
/// and `input` [N, C, H, W], like `torch.nn.grad.conv2d_weight`. Linear in both arguments; its
/// own derivatives are a convolution (for `gradOutput`) and an input gradient (for `input`).
public func conv2dWeightGrad(
  _ gradOutput: Tensor, input: Tensor, weightShape: [Int], stride: Int = 1, padding: Int = 0
) -> Tensor {
  let layout = Tensor.convLayout(input.shape, weightShape, stride: stride, padding: padding)
  Tensor.checkConvGradient(gradOutput, layout, .conv2dWeightGrad)
  let dw = Tensor(uninitializedShape: weightShape, dtype: gradOutput.dtype)
  func run<T: TensorScalar>(_: T.Type) {
    layout.backward(
      T.self, input: input.storage.pointer(T.self), weight: nil,
      grad: gradOutput.storage.pointer(T.self), dx: nil, dw: dw.storage.pointer(T.self))
  }
  if gradOutput.dtype == .float32 { run(Float.self) } else { run(Double.self) }
  let inputShape = input.shape
  return Tensor.record(.conv2dWeightGrad, inputs: [gradOutput, input], output: dw) { ctx in
    // ⟨V, dw(g, x)⟩ = ⟨conv2d(x, V), g⟩, so d/dg = conv2d(x, V) and d/dx = inputGrad(g, V).
    let v = ctx.gradOutput
    return [
      ctx.needsGradient(ofInput: 0)
        ? conv2d(input, weight: v, stride: stride, padding: padding) : nil,
      ctx.needsGradient(ofInput: 1)
        ? conv2dInputGrad(
          gradOutput, weight: v, inputShape: inputShape, stride: stride, padding: padding)
        : nil,
    ]
  }
}

extension Tensor {
  /// The kernel layout of a convolution of `input` with `weight`, stopping on bad sizes.
  static func convLayout(_ input: [Int], _ weight: [Int], stride: Int, padding: Int)
    -> ConvLayout
  {
    check(
      input.count == 4 && weight.count == 4 && input[1] == weight[1],
      "conv2d: input of shape \(input) and weight of shape \(weight) do not match (expected [N, C, H, W] and [O, C, kh, kw])"
    )
    check(
      stride >= 1 && padding >= 0, "conv2d: stride \(stride) and padding \(padding) are invalid")
    let geometry = Kernels.ConvGeometry(
      channels: input[1], height: input[2], width: input[3], kernelH: weight[2],
      kernelW: weight[3], stride: stride, padding: padding)
    check(
      geometry.outH > 0 && geometry.outW > 0,
      "conv2d: kernel \(weight[2])×\(weight[3]) is larger than the padded input \(input[2] + 2 * padding)×\(input[3] + 2 * padding)"
    )
    return ConvLayout(
      n: input[0], c: input[1], h: input[2], w: input[3], o: weight[0], geometry: geometry)
  }

  /// Stops unless `gradOutput` has the output shape of `layout`, naming `op`.
  static func checkConvGradient(_ gradOutput: Tensor, _ layout: ConvLayout, _ op: OpKind) {
    gradOutput.requireFloat(op)
    let expected = [layout.n, layout.o, layout.geometry.outH, layout.geometry.outW]
    check(
      gradOutput.shape == expected,
      "\(op): gradOutput of shape \(gradOutput.shape) does not match the convolution's output shape \(expected)"
    )
  }
}

/// The 1-D convolution of `input` [N, C, L] with `weight` [O, C, k], plus `bias` [O], like
/// `torch.nn.functional.conv1d`: [N, O, (L + 2·padding − k) / stride + 1]. A 2-D convolution
/// over a height of one, so it inherits conv2d's gradients to every order.
public func conv1d(
  _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0
) -> Tensor {
  check(
    input.rank == 3 && weight.rank == 3 && input.shape[1] == weight.shape[1],
    "conv1d: input of shape \(input.shape) and weight of shape \(weight.shape) do not match (expected [N, C, L] and [O, C, k])"
  )
  check(stride >= 1 && padding >= 0, "conv1d: stride \(stride) and padding \(padding) are invalid")
  check(
    input.shape[2] + 2 * padding >= weight.shape[2],
    "conv1d: kernel of size \(weight.shape[2]) is larger than the padded input of length \(input.shape[2] + 2 * padding)"
  )
  let padded = padding > 0 ? input.pad([padding, padding]) : input
  return conv2d(
    padded.unsqueeze(dim: 2), weight: weight.unsqueeze(dim: 2), bias: bias, stride: stride
  ).squeeze(dim: 2)
}

/// The transposed 2-D convolution of `input` [N, Cin, H, W] with `weight` [Cin, Cout, kh, kw],
/// plus `bias` [Cout], like `torch.nn.functional.conv_transpose2d` (the gradient of a
/// convolution with respect to its input). The result is [N, Cout, Hout, Wout] with
/// `Hout = (H − 1)·stride − 2·padding + kh + outputPadding`; `outputPadding` must be smaller
/// than `stride`.
public func convTranspose2d(
  _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
  outputPadding: Int = 0
) -> Tensor {
  check(
    input.rank == 4 && weight.rank == 4 && input.shape[1] == weight.shape[0]
      && input.dtype == weight.dtype,
    "convTranspose2d: input of shape \(input.shape) and weight of shape \(weight.shape) do not match (expected [N, Cin, H, W] and [Cin, Cout, kh, kw] of one type)"
  )
  check(
    stride >= 1 && padding >= 0 && outputPadding >= 0 && outputPadding < stride,
    "convTranspose2d: stride \(stride), padding \(padding) and outputPadding \(outputPadding) are invalid (outputPadding must be smaller than stride)"
  )
  let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
  let outH = (h - 1) * stride - 2 * padding + weight.shape[2] + outputPadding
  let outW = (w - 1) * stride - 2 * padding + weight.shape[3] + outputPadding
  check(
    outH > 0 && outW > 0,
    "convTranspose2d: input of shape \(input.shape) gives an empty output (\(outH) × \(outW))")
  let out = conv2dInputGrad(
    input, weight: weight, inputShape: [n, weight.shape[1], outH, outW], stride: stride,
    padding: padding)
  guard let bias else { return out }
  check(
    bias.shape == [weight.shape[1]],
    "convTranspose2d: bias of shape \(bias.shape) does not match \(weight.shape[1]) output channels"
  )
  return out + bias.reshape([1, weight.shape[1], 1, 1])
}
