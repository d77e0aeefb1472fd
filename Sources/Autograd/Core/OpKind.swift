/// Every operation the tape can record, one case per primitive.
///
/// A differentiable op records a node with its case; the gradient-check table must exercise every
/// differentiable case (a test fails otherwise), so a new op cannot go untested.
public enum OpKind: String, Sendable, CaseIterable, CustomStringConvertible {
  /// A leaf tensor created by the user with `requiresGrad`.
  case leaf
  /// Elementwise `a + b` with broadcasting.
  case add
  /// Elementwise `a − b` with broadcasting.
  case sub
  /// Elementwise `a × b` with broadcasting.
  case mul
  /// Elementwise `a ÷ b` with broadcasting.
  case div
  /// `x + c` for a scalar `c`.
  case addScalar
  /// `x × c` for a scalar `c`.
  case mulScalar
  /// `c ÷ x` for a scalar `c`.
  case reciprocalScalar
  /// `−x`.
  case neg
  /// `eˣ`.
  case exp
  /// `ln x`.
  case log
  /// `xᵖ` for a scalar exponent.
  case pow
  /// `√x`.
  case sqrt
  /// `tanh x`.
  case tanh
  /// `1 / (1 + e⁻ˣ)`.
  case sigmoid
  /// `max(x, 0)`.
  case relu
  /// `min(max(x, lo), hi)`.
  case clamp
  /// `|x|`.
  case abs
  /// `(1/β)·log(1 + e^(β·x))`, or `x` where `β·x` exceeds a threshold.
  case softplus
  /// A conversion between floating-point types.
  case cast
  /// Sum over all or some axes.
  case sum
  /// Mean over all or some axes.
  case mean
  /// Maximum over all or some axes (gradient split evenly among ties, like `amax`).
  case max
  /// Maximum along one axis (gradient to the first maximum).
  case maxAlongAxis
  /// `log Σ exp` along an axis, computed stably.
  case logsumexp
  /// Index of the maximum; not differentiable.
  case argmax
  /// Matrix product, 2-D or batched 3-D with a broadcast batch axis.
  case matmul
  /// `x·Wᵀ + b`, the affine map of a linear layer.
  case linear
  /// A new shape over the same elements (reshape, flatten, squeeze, unsqueeze).
  case reshape
  /// A permutation of axes (transpose, permute).
  case permute
  /// Broadcasting to a larger shape.
  case expand
  /// A strided range along one axis.
  case slice
  /// Concatenation along an axis.
  case concat
  /// Softmax along an axis.
  case softmax
  /// Log-softmax along an axis.
  case logSoftmax
  /// PyTorch's `gather` along an axis.
  case gather
  /// PyTorch's `index_select` along an axis.
  case indexSelect
  /// 2-D convolution with stride, padding and bias.
  case conv2d
  /// 2-D max pooling.
  case maxPool2d
  /// Inverted dropout.
  case dropout
  /// Categorical sampling (`multinomial`); not differentiable.
  case multinomial
  /// Elementwise comparison; not differentiable.
  case compare

  /// Whether the op has a gradient (and so must appear in the gradient-check table).
  public var isDifferentiable: Bool {
    switch self {
    case .leaf, .argmax, .multinomial, .compare: false
    default: true
    }
  }

  /// The op's name as used in messages.
  public var description: String { rawValue }
}
