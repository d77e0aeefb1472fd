import AutogradKernels

/// The name of an operation the tape records: a built-in op or a user's differentiable function.
///
/// Every built-in op has a constant here (`.add`, `.matmul`, `.conv2d`, …) and is listed in
/// ``builtIn``; the gradient-check table must record every differentiable one (a test fails
/// otherwise), so a new op cannot go untested. A ``DifferentiableFunction`` or a call to
/// ``Tensor/record(_:inputs:output:savingOutput:derivative:)`` names its own kind.
public struct OpKind: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
  /// The op's name, as used in messages and by ``Tensor/gradFunction``.
  public let name: String
  /// Whether the op has a gradient (and so must appear in the gradient-check table when built in).
  public let isDifferentiable: Bool

  /// An op kind called `name`.
  public init(_ name: String, isDifferentiable: Bool = true) {
    self.name = name
    self.isDifferentiable = isDifferentiable
  }

  /// A differentiable op kind written as a string literal: `"myOp"`.
  public init(stringLiteral name: String) { self.init(name) }

  /// The op's name.
  public var description: String { name }

  /// Kinds are equal when their names are.
  public static func == (a: OpKind, b: OpKind) -> Bool { a.name == b.name }
  /// Hashes the name.
  public func hash(into hasher: inout Hasher) { hasher.combine(name) }

  /// A leaf tensor created by the user with `requiresGrad`.
  public static let leaf = OpKind("leaf", isDifferentiable: false)
  /// Elementwise `a + b` with broadcasting.
  public static let add = OpKind("add")
  /// Elementwise `a − b` with broadcasting.
  public static let sub = OpKind("sub")
  /// Elementwise `a × b` with broadcasting.
  public static let mul = OpKind("mul")
  /// Elementwise `a ÷ b` with broadcasting.
  public static let div = OpKind("div")
  /// `x + c` for a scalar `c`.
  public static let addScalar = OpKind("addScalar")
  /// `x × c` for a scalar `c`.
  public static let mulScalar = OpKind("mulScalar")
  /// `c ÷ x` for a scalar `c`.
  public static let reciprocalScalar = OpKind("reciprocalScalar")
  /// `−x`.
  public static let neg = OpKind("neg")
  /// `eˣ`.
  public static let exp = OpKind("exp")
  /// `ln x`.
  public static let log = OpKind("log")
  /// `xᵖ` for a scalar exponent.
  public static let pow = OpKind("pow")
  /// `√x`.
  public static let sqrt = OpKind("sqrt")
  /// `tanh x`.
  public static let tanh = OpKind("tanh")
  /// `sin x`.
  public static let sin = OpKind("sin")
  /// `cos x`.
  public static let cos = OpKind("cos")
  /// The error function.
  public static let erf = OpKind("erf")
  /// `ln(1 + x)`.
  public static let log1p = OpKind("log1p")
  /// `eˣ − 1`.
  public static let expm1 = OpKind("expm1")
  /// `1 / (1 + e⁻ˣ)`.
  public static let sigmoid = OpKind("sigmoid")
  /// `max(x, 0)`.
  public static let relu = OpKind("relu")
  /// `min(max(x, lo), hi)`.
  public static let clamp = OpKind("clamp")
  /// `|x|`.
  public static let abs = OpKind("abs")
  /// `(1/β)·log(1 + e^(β·x))`, or `x` where `β·x` exceeds a threshold.
  public static let softplus = OpKind("softplus")
  /// The gradient `g` passed where a condition on `x` holds and 0 elsewhere: the backward of
  /// relu and clamp (PyTorch's `threshold_backward`).
  public static let gate = OpKind("gate")
  /// `where(condition, a, b)`: elements of `a` where the mask is non-zero, of `b` elsewhere.
  public static let select = OpKind("where")
  /// A conversion between floating-point types.
  public static let cast = OpKind("cast")
  /// Sum over all or some axes.
  public static let sum = OpKind("sum")
  /// Mean over all or some axes.
  public static let mean = OpKind("mean")
  /// Maximum over all or some axes (gradient split evenly among ties, like `amax`).
  public static let max = OpKind("max")
  /// Maximum along one axis (gradient to the first maximum).
  public static let maxAlongAxis = OpKind("maxAlongAxis")
  /// `log Σ exp` along an axis, computed stably.
  public static let logsumexp = OpKind("logsumexp")
  /// Index of the maximum; not differentiable.
  public static let argmax = OpKind("argmax", isDifferentiable: false)
  /// Matrix product, 2-D or batched 3-D with a broadcast batch axis (either operand may be
  /// transposed: the backward of a product is a product).
  public static let matmul = OpKind("matmul")
  /// `x·Wᵀ + b`, the affine map of a linear layer.
  public static let linear = OpKind("linear")
  /// A new shape over the same elements (reshape, flatten, squeeze, unsqueeze).
  public static let reshape = OpKind("reshape")
  /// A permutation of axes (transpose, permute).
  public static let permute = OpKind("permute")
  /// Broadcasting to a larger shape.
  public static let expand = OpKind("expand")
  /// A strided range along one axis.
  public static let slice = OpKind("slice")
  /// Zeros with a tensor written into a strided range along one axis (the backward of slice).
  public static let sliceBackward = OpKind("sliceBackward")
  /// Concatenation along an axis.
  public static let concat = OpKind("concat")
  /// Softmax along an axis.
  public static let softmax = OpKind("softmax")
  /// Log-softmax along an axis.
  public static let logSoftmax = OpKind("logSoftmax")
  /// PyTorch's `gather` along an axis.
  public static let gather = OpKind("gather")
  /// PyTorch's `scatter_add` into zeros: the adjoint of `gather`.
  public static let scatterAdd = OpKind("scatterAdd")
  /// PyTorch's `index_select` along an axis.
  public static let indexSelect = OpKind("indexSelect")
  /// PyTorch's `index_add` into zeros: the adjoint of `index_select`.
  public static let indexAdd = OpKind("indexAdd")
  /// Running sums along an axis.
  public static let cumsum = OpKind("cumsum")
  /// Reversal along axes.
  public static let flip = OpKind("flip")
  /// The elementwise maximum of two tensors (ties split the gradient).
  public static let maximum = OpKind("maximum")
  /// The elementwise minimum of two tensors (ties split the gradient).
  public static let minimum = OpKind("minimum")
  /// The vector 2-norm (zero gradient at the zero vector).
  public static let norm = OpKind("norm")
  /// 2-D convolution with stride, padding and bias.
  public static let conv2d = OpKind("conv2d")
  /// The gradient of a 2-D convolution with respect to its input (a transposed convolution).
  public static let conv2dInputGrad = OpKind("conv2dInputGrad")
  /// The gradient of a 2-D convolution with respect to its weight.
  public static let conv2dWeightGrad = OpKind("conv2dWeightGrad")
  /// 2-D max pooling.
  public static let maxPool2d = OpKind("maxPool2d")
  /// The gradient of max pooling: the output gradient added at each window's maximum.
  public static let maxPool2dBackward = OpKind("maxPool2dBackward")
  /// Inverted dropout.
  public static let dropout = OpKind("dropout")
  /// Scaled dot-product attention in one op (``fusedAttention(_:_:_:scale:isCausal:dropoutP:generator:)``).
  public static let fusedAttention = OpKind("fusedAttention")
  /// Multi-head self-attention on a packed projection in one op
  /// (``fusedSelfAttention(_:heads:batchFirst:scale:isCausal:dropoutP:generator:)``).
  public static let fusedSelfAttention = OpKind("fusedSelfAttention")
  /// Layer normalization over trailing axes
  /// (``layerNorm(_:normalizedShape:weight:bias:eps:)``).
  public static let layerNorm = OpKind("layerNorm")
  /// The elementwise update of an LSTM step (``lstmCell(gates:c:)``).
  public static let lstmCell = OpKind("lstmCell")
  /// Categorical sampling (`multinomial`); not differentiable.
  public static let multinomial = OpKind("multinomial", isDifferentiable: false)
  /// Elementwise comparison; not differentiable.
  public static let compare = OpKind("compare", isDifferentiable: false)

  /// Every built-in op, differentiable or not.
  public static let builtIn: [OpKind] = [
    .leaf, .add, .sub, .mul, .div, .addScalar, .mulScalar, .reciprocalScalar, .neg, .exp, .log,
    .pow, .sqrt, .sin, .cos, .erf, .log1p, .expm1, .tanh, .sigmoid, .relu, .clamp, .abs, .softplus,
    .gate, .select, .cast, .sum,
    .mean, .max, .maxAlongAxis, .logsumexp, .argmax, .matmul, .linear, .reshape, .permute,
    .expand, .slice, .sliceBackward, .concat, .softmax, .logSoftmax, .gather, .scatterAdd,
    .indexSelect, .indexAdd, .cumsum, .flip, .maximum, .minimum, .norm, .conv2d, .conv2dInputGrad,
    .conv2dWeightGrad, .maxPool2d,
    .maxPool2dBackward, .dropout, .fusedAttention, .fusedSelfAttention, .layerNorm, .lstmCell,
    .multinomial,
    .compare,
  ]
}
