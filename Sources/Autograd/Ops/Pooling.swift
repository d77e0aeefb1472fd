// 2-D max pooling; the first maximum in a window (row-major) wins and NaN propagates, as in
// PyTorch's CPU kernel.

/// Max pooling of `input` [N, C, H, W] over `kernelSize`×`kernelSize` windows every `stride`
/// (default: the kernel size), like `torch.nn.functional.max_pool2d`. Output size is
/// `(H − kernelSize) / stride + 1` (floor).
public func maxPool2d(_ input: Tensor, kernelSize: Int, stride: Int? = nil) -> Tensor {
  input.requireFloat(.maxPool2d)
  let s = stride ?? kernelSize
  check(
    input.rank == 4, "maxPool2d: expected input of shape [N, C, H, W], got \(input.shape)")
  check(kernelSize >= 1 && s >= 1, "maxPool2d: kernel \(kernelSize) and stride \(s) must be positive")
  let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
  check(
    h >= kernelSize && w >= kernelSize,
    "maxPool2d: kernel \(kernelSize) is larger than the input \(h)×\(w) of shape \(input.shape)")
  let oh = (h - kernelSize) / s + 1
  let ow = (w - kernelSize) / s + 1
  let out = Tensor(uninitializedShape: [n, c, oh, ow], dtype: input.dtype)
  let arg = ArgmaxBuffer(count: out.count)
  let argmax = arg.buffer
  func forward<T: TensorScalar>(_: T.Type) {
    let x = input.storage.pointer(T.self)
    let y = out.storage.pointer(T.self)
    Kernels.parallelFor(n * c) { p in
      let plane = x + p * h * w
      for i in 0..<oh {
        for j in 0..<ow {
          var best = -T.infinity
          var bestIndex = (i * s) * w + j * s
          outer: for di in 0..<kernelSize {
            for dj in 0..<kernelSize {
              let index = (i * s + di) * w + (j * s + dj)
              let v = plane[index]
              if v > best || v.isNaN {
                best = v
                bestIndex = index
                if v.isNaN { break outer }
              }
            }
          }
          let o = (p * oh + i) * ow + j
          y[o] = best
          argmax[o] = Int32(bestIndex)
        }
      }
    }
  }
  if input.dtype == .float32 { forward(Float.self) } else { forward(Double.self) }
  let inShape = input.shape
  let inType = input.dtype
  return Tensor.record(.maxPool2d, [input], out) { g in
    let dx = Tensor.zeros(inShape, dtype: inType)
    func backward<T: TensorScalar>(_: T.Type) {
      let gp = g.storage.pointer(T.self)
      let dp = dx.storage.pointer(T.self)
      Kernels.parallelFor(n * c) { p in
        for q in 0..<(oh * ow) {
          let o = p * oh * ow + q
          dp[p * h * w + Int(arg.buffer[o])] += gp[o]
        }
      }
    }
    if inType == .float32 { backward(Float.self) } else { backward(Double.self) }
    return [dx]
  }
}

/// Owns the argmax indices saved by max pooling until its node is freed.
final class ArgmaxBuffer: @unchecked Sendable {
  let buffer: UnsafeMutableBufferPointer<Int32>
  init(count: Int) { buffer = .allocate(capacity: Swift.max(count, 1)) }
  deinit { buffer.deallocate() }
}
