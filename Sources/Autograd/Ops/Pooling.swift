// 2-D max pooling, and its backward as an op of its own; the first maximum in a window
// (row-major) wins and NaN propagates, as in PyTorch's CPU kernel.

import AutogradKernels

/// Max pooling of `input` [N, C, H, W] over `kernelSize`×`kernelSize` windows every `stride`
/// (default: the kernel size), like `torch.nn.functional.max_pool2d`. Output size is
/// `(H − kernelSize) / stride + 1` (floor).
public func maxPool2d(_ input: Tensor, kernelSize: Int, stride: Int? = nil) -> Tensor {
  input.requireFloat(.maxPool2d)
  let s = stride ?? kernelSize
  check(
    input.rank == 4, "maxPool2d: expected input of shape [N, C, H, W], got \(input.shape)")
  check(
    kernelSize >= 1 && s >= 1, "maxPool2d: kernel \(kernelSize) and stride \(s) must be positive")
  let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
  check(
    h >= kernelSize && w >= kernelSize,
    "maxPool2d: kernel \(kernelSize) is larger than the input \(h)×\(w) of shape \(input.shape)")
  let oh = (h - kernelSize) / s + 1
  let ow = (w - kernelSize) / s + 1
  let out = Tensor(uninitializedShape: [n, c, oh, ow], dtype: input.dtype)
  let argmax = ArgmaxBuffer(count: out.count)
  func run<T: TensorScalar>(_: T.Type) {
    Kernels.maxPool2d(
      input.storage.pointer(T.self), out.storage.pointer(T.self),
      argmax: argmax.buffer.baseAddress!, planes: n * c, h: h, w: w, kernel: kernelSize,
      stride: s)
  }
  if input.dtype == .float32 { run(Float.self) } else { run(Double.self) }
  let inShape = input.shape
  return Tensor.record(.maxPool2d, inputs: [input], output: out) { ctx in
    [ctx.gradOutput.maxPoolScatter(argmax, into: inShape)]
  }
}

extension Tensor {
  /// The backward of max pooling: zeros of `shape` with each element of this gradient added at
  /// its window's maximum. Linear; its derivative picks the upstream gradient at the maxima.
  func maxPoolScatter(_ argmax: ArgmaxBuffer, into shape: [Int]) -> Tensor {
    let dx = Tensor(uninitializedShape: shape, dtype: dtype)
    let planes = shape[0] * shape[1]
    func run<T: TensorScalar>(_: T.Type) {
      Kernels.maxPool2dBackward(
        storage.pointer(T.self), dx.storage.pointer(T.self),
        argmax: argmax.buffer.baseAddress!, planes: planes, inPlane: shape[2] * shape[3],
        outPlane: count / Swift.max(planes, 1))
    }
    if dtype == .float32 { run(Float.self) } else { run(Double.self) }
    let outShape = self.shape
    return Tensor.record(.maxPool2dBackward, inputs: [self], output: dx) { ctx in
      // The adjoint: each output position reads the upstream gradient at its maximum.
      let index = argmax.flatIndices(planes: planes, outPlane: count / Swift.max(planes, 1))
      return [
        ctx.gradOutput.reshape([planes, shape[2] * shape[3]]).gather(dim: 1, index: index)
          .reshape(outShape)
      ]
    }
  }
}

/// Owns the argmax indices saved by max pooling until its node is freed.
final class ArgmaxBuffer: @unchecked Sendable {
  let buffer: UnsafeMutableBufferPointer<Int32>
  init(count: Int) { buffer = .allocate(capacity: Swift.max(count, 1)) }
  deinit { buffer.deallocate() }

  /// The in-plane indices as an int64 tensor [planes, outPlane] (for `gather`).
  func flatIndices(planes: Int, outPlane: Int) -> Tensor {
    Tensor(shape: [planes, outPlane], indices: (0..<(planes * outPlane)).map { Int(buffer[$0]) })
  }
}
