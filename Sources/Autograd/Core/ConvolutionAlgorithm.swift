import AutogradKernels

/// How `conv2d` computes 3×3 stride-1 convolutions; see ``setConvolutionAlgorithm(_:)``.
public typealias ConvolutionAlgorithm = AutogradKernels.ConvolutionAlgorithm

/// Chooses how `conv2d` and its input gradient compute their products, for the whole process.
///
/// `.im2col` forces the direct im2col + GEMM path; `.winograd` forces Winograd F(2×2, 3×3) for
/// every 3×3 stride-1 convolution (its input gradient too, for padding ≤ 2); `.automatic` (the
/// default, or the environment variable `AUTOGRAD_CONV` = `im2col`, `winograd` or `automatic`)
/// takes the fastest path measured, which is im2col for now. Both paths are deterministic and
/// give the same bits for every thread count; they differ from each other by rounding.
public func setConvolutionAlgorithm(_ algorithm: ConvolutionAlgorithm) {
  Kernels.convolutionAlgorithm = algorithm
}

/// The current choice of ``setConvolutionAlgorithm(_:)``.
public func convolutionAlgorithm() -> ConvolutionAlgorithm { Kernels.convolutionAlgorithm }
