// 2-D convolution as im2col + GEMM, one image at a time (never a full-batch column matrix).

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
  let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
  let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
  if let bias {
    check(
      bias.shape == [o] && bias.dtype == input.dtype,
      "conv2d: bias of shape \(bias.shape) does not match \(o) output channels")
  }
  let geometry = Kernels.ConvGeometry(
    channels: c, height: h, width: w, kernelH: kh, kernelW: kw, stride: stride, padding: padding)
  let (oh, ow) = (geometry.outH, geometry.outW)
  check(
    oh > 0 && ow > 0,
    "conv2d: kernel \(kh)×\(kw) is larger than the padded input \(h + 2 * padding)×\(w + 2 * padding)")
  let ck = c * kh * kw
  let plane = oh * ow
  let out = Tensor(uninitializedShape: [n, o, oh, ow], dtype: input.dtype)

  func forward<T: TensorScalar>(_: T.Type) {
    let x = input.storage.pointer(T.self)
    let wp = weight.storage.pointer(T.self)
    let y = out.storage.pointer(T.self)
    let col = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(ck * plane, 1))
    defer { col.deallocate() }
    for i in 0..<n {
      Kernels.im2col(x + i * c * h * w, col, geometry)
      let dst = y + i * o * plane
      Kernels.gemm(
        T.self, transA: false, transB: false, m: o, n: plane, k: ck, a: wp, lda: ck, b: col,
        ldb: plane, beta: 0, c: dst, ldc: plane)
      if let bias {
        let bp = bias.storage.pointer(T.self)
        for ch in 0..<o {
          let row = dst + ch * plane
          let b = bp[ch]
          for j in 0..<plane { row[j] += b }
        }
      }
    }
  }
  if input.dtype == .float32 { forward(Float.self) } else { forward(Double.self) }

  let (xd, wd) = (input.detached(), weight.detached())
  let needX = input.requiresGrad
  let needW = weight.requiresGrad
  let needB = bias?.requiresGrad ?? false
  var inputs = [input, weight]
  if let bias { inputs.append(bias) }
  return Tensor.record(.conv2d, inputs, out) { g in
    let dx = needX ? Tensor.zeros(xd.shape, dtype: xd.dtype) : nil
    let dw = needW ? Tensor.zeros(wd.shape, dtype: wd.dtype) : nil
    func backward<T: TensorScalar>(_: T.Type) {
      let x = xd.storage.pointer(T.self)
      let wp = wd.storage.pointer(T.self)
      let gp = g.storage.pointer(T.self)
      let col = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(ck * plane, 1))
      defer { col.deallocate() }
      for i in 0..<n {
        let gi = gp + i * o * plane
        if let dw {
          Kernels.im2col(x + i * c * h * w, col, geometry)
          Kernels.gemm(
            T.self, transA: false, transB: true, m: o, n: ck, k: plane, a: gi, lda: plane,
            b: col, ldb: plane, beta: 1, c: dw.storage.pointer(T.self), ldc: ck)
        }
        if let dx {
          Kernels.gemm(
            T.self, transA: true, transB: false, m: ck, n: plane, k: o, a: wp, lda: ck, b: gi,
            ldb: plane, beta: 0, c: col, ldc: plane)
          Kernels.col2im(col, dx.storage.pointer(T.self) + i * c * h * w, geometry)
        }
      }
    }
    if g.dtype == .float32 { backward(Float.self) } else { backward(Double.self) }
    var grads: [Tensor?] = [dx, dw]
    if bias != nil {
      grads.append(needB ? g.sum(dims: [0, 2, 3]) : nil)
    }
    return grads
  }
}
