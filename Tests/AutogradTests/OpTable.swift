import Autograd
import Foundation
import Testing

/// One row of the op table, in the spirit of PyTorch's OpInfo: an op (or a composition that
/// exercises it), sample inputs, and optionally a Float64 reference for the forward values and
/// the inputs that must stop with a message. Every differentiable built-in ``OpKind`` must be
/// recorded by at least one row, and every row is checked to first and second order.
struct OpCase: Sendable, CustomTestStringConvertible {
  let name: String
  let inputs: [Tensor]
  /// The step of the central difference; 1e-6 everywhere except where float32 rounding in the
  /// op itself makes a smaller step meaningless (the float32 cast).
  var eps = 1e-6
  /// A closed-form reference of the forward values in Float64 (elementwise on `doubleScalars`,
  /// or any plain-Swift computation), checked in every dtype of ``dtypes``.
  var reference: (@Sendable ([Tensor]) -> [Double])? = nil
  /// The element types whose forward values are checked against ``reference``.
  var dtypes: [DType] = [.float64, .float32]
  /// Inputs that must stop the op, each with the message it must print.
  var errors: [ErrorInput] = []
  let function: @Sendable ([Tensor]) -> Tensor

  var testDescription: String { name }

  init(
    name: String, inputs: [Tensor], eps: Double = 1e-6,
    reference: (@Sendable ([Tensor]) -> [Double])? = nil, dtypes: [DType] = [.float64, .float32],
    errors: [ErrorInput] = [], function: @escaping @Sendable ([Tensor]) -> Tensor
  ) {
    self.name = name
    self.inputs = inputs
    self.eps = eps
    self.reference = reference
    self.dtypes = dtypes
    self.errors = errors
    self.function = function
  }
}

/// A call that must stop, and the message it must print (checked in a child process).
struct ErrorInput: Sendable {
  let message: String
  let body: @Sendable () -> Void
}

/// The reference of a unary elementwise op: `f` on every element of the first input.
func elementwise(_ f: @escaping @Sendable (Double) -> Double) -> @Sendable ([Tensor]) -> [Double] {
  { $0[0].doubleScalars.map(f) }
}

/// The reference of a binary elementwise op with broadcasting (NumPy rules), in row-major order.
func broadcast(_ f: @escaping @Sendable (Double, Double) -> Double) -> @Sendable ([Tensor]) -> [Double] {
  { inputs in
    let (a, b) = (inputs[0], inputs[1])
    let rank = max(a.rank, b.rank)
    let sa = [Int](repeating: 1, count: rank - a.rank) + a.shape
    let sb = [Int](repeating: 1, count: rank - b.rank) + b.shape
    let shape = zip(sa, sb).map { max($0, $1) }
    let (va, vb) = (a.doubleScalars, b.doubleScalars)
    func offset(_ index: [Int], _ s: [Int]) -> Int {
      var o = 0
      for (i, d) in zip(index, s) { o = o * d + (d == 1 ? 0 : i) }
      return o
    }
    var result = [Double]()
    var index = [Int](repeating: 0, count: rank)
    for _ in 0..<shape.reduce(1, *) {
      result.append(f(va[offset(index, sa)], vb[offset(index, sb)]))
      var d = rank - 1
      while d >= 0 {
        index[d] += 1
        if index[d] < shape[d] { break }
        index[d] = 0
        d -= 1
      }
    }
    return result
  }
}

/// Uniform float64 samples in [low, high) from a fixed seed.
func sample(_ shape: [Int], seed: UInt64, _ low: Double = -1, _ high: Double = 1) -> Tensor {
  Tensor.uniform(shape, low: low, high: high, dtype: .float64, generator: Generator(seed: seed))
}

/// A float64 tensor of distinct values (no ties), shuffled deterministically.
func distinct(_ shape: [Int], seed: UInt64) -> Tensor {
  let n = shape.reduce(1, *)
  let order = Generator(seed: seed).randomPermutation(n)
  let values: [Double] = order.map { Double($0) * 0.37 - Double(n) * 0.15 }
  return Tensor(shape: shape, scalars: values)
}

/// int64 indices.
func index(_ shape: [Int], _ values: [Int]) -> Tensor { Tensor(shape: shape, indices: values) }

/// The table of every differentiable op with its sample inputs.
let opTable: [OpCase] = [
  // Elementwise binary ops with broadcasting.
  OpCase(name: "add same shape", inputs: [sample([2, 3], seed: 1), sample([2, 3], seed: 2)], reference: broadcast(+)) { $0[0] + $0[1] },
  OpCase(
    name: "add broadcast [4,1,3]+[2,1]", inputs: [sample([4, 1, 3], seed: 3), sample([2, 1], seed: 4)], reference: broadcast(+),
    errors: [ErrorInput(message: "add: shapes [2, 3] and [4] cannot be broadcast together") { _ = Tensor.zeros([2, 3]) + Tensor.zeros([4]) }]
  ) { $0[0] + $0[1] },
  OpCase(name: "sub broadcast [2,3]-[3]", inputs: [sample([2, 3], seed: 5), sample([3], seed: 6)], reference: broadcast(-)) { $0[0] - $0[1] },
  OpCase(
    name: "mul broadcast [3,1]*[1,4]", inputs: [sample([3, 1], seed: 7), sample([1, 4], seed: 8)], reference: broadcast(*),
    errors: [ErrorInput(message: "mul: element types differ (float32 and float64)") { _ = Tensor.zeros([2]) * Tensor.zeros([2], dtype: .float64) }]
  ) { $0[0] * $0[1] },
  OpCase(name: "div broadcast [2,3]/[2,1]", inputs: [sample([2, 3], seed: 9), sample([2, 1], seed: 10, 0.5, 2)], reference: broadcast(/)) { $0[0] / $0[1] },
  OpCase(name: "div by scalar tensor", inputs: [sample([3], seed: 11), sample([], seed: 12, 1, 2)]) { $0[0] / $0[1] },
  // Scalar forms.
  OpCase(name: "x + c", inputs: [sample([2, 2], seed: 13)]) { $0[0] + 2.5 },
  OpCase(name: "c - x", inputs: [sample([2, 2], seed: 14)]) { 3 - $0[0] },
  OpCase(name: "x * c", inputs: [sample([2, 2], seed: 15)]) { $0[0] * -1.5 },
  OpCase(name: "x / c", inputs: [sample([2, 2], seed: 16)]) { $0[0] / 4 },
  OpCase(name: "c / x", inputs: [sample([2, 2], seed: 17, 0.5, 2)]) { 2 / $0[0] },
  // Unary functions.
  OpCase(name: "neg", inputs: [sample([3], seed: 18)]) { -$0[0] },
  OpCase(
    name: "exp", inputs: [sample([2, 3], seed: 19)], reference: elementwise(Foundation.exp),
    errors: [ErrorInput(message: "exp: expected a floating-point tensor, got int64 of shape [2]") { _ = Tensor(shape: [2], indices: [1, 2]).exp() }]
  ) { $0[0].exp() },
  OpCase(name: "log", inputs: [sample([2, 3], seed: 20, 0.2, 3)], reference: elementwise(Foundation.log)) { $0[0].log() },
  OpCase(name: "pow 3", inputs: [sample([2, 3], seed: 21)], reference: elementwise { $0 * $0 * $0 }) { $0[0].pow(3) },
  OpCase(name: "pow 2", inputs: [sample([4], seed: 22)]) { $0[0].pow(2) },
  OpCase(name: "pow -0.5", inputs: [sample([4], seed: 23, 0.3, 2)]) { $0[0].pow(-0.5) },
  OpCase(name: "pow 0.5", inputs: [sample([4], seed: 24, 0.3, 2)], reference: elementwise { $0.squareRoot() }) { $0[0].pow(0.5) },
  OpCase(name: "pow 1", inputs: [sample([2, 3], seed: 25)], reference: elementwise { $0 }) { $0[0].pow(1) },
  OpCase(name: "pow -1", inputs: [sample([4], seed: 26, 0.3, 2)], reference: elementwise { 1 / $0 }) { $0[0].pow(-1) },
  OpCase(name: "sqrt", inputs: [sample([2, 3], seed: 24, 0.1, 4)], reference: elementwise { $0.squareRoot() }) { $0[0].sqrt() },
  OpCase(name: "tanh", inputs: [sample([2, 3], seed: 25, -3, 3)], reference: elementwise(Foundation.tanh)) { $0[0].tanh() },
  OpCase(name: "sigmoid", inputs: [Tensor(shape: [5], scalars: [-30, -2.5, 0.1, 1.7, 25] as [Double])], reference: elementwise { 1 / (1 + Foundation.exp(-$0)) }) { $0[0].sigmoid() },
  OpCase(name: "sin", inputs: [sample([2, 3], seed: 120, -3, 3)], reference: elementwise(Foundation.sin)) { $0[0].sin() },
  OpCase(name: "cos", inputs: [sample([2, 3], seed: 121, -3, 3)], reference: elementwise(Foundation.cos)) { $0[0].cos() },
  OpCase(name: "erf", inputs: [sample([2, 3], seed: 122, -2, 2)], reference: elementwise(Foundation.erf)) { $0[0].erf() },
  OpCase(name: "log1p", inputs: [sample([2, 3], seed: 123, -0.5, 2)], reference: elementwise(Foundation.log1p)) { $0[0].log1p() },
  OpCase(name: "expm1", inputs: [sample([2, 3], seed: 124, -2, 2)], reference: elementwise(Foundation.expm1)) { $0[0].expm1() },
  OpCase(name: "relu", inputs: [sample([3, 4], seed: 26)], reference: elementwise { max($0, 0) }) { $0[0].relu() },
  OpCase(
    name: "clamp", inputs: [sample([3, 4], seed: 27)], reference: elementwise { min(max($0, -0.5), 0.5) },
    errors: [ErrorInput(message: "clamp: min 1.0 is greater than max 0.0") { _ = Tensor.zeros([2]).clamp(min: 1, max: 0) }]
  ) { $0[0].clamp(min: -0.5, max: 0.5) },
  OpCase(name: "abs", inputs: [sample([3, 4], seed: 28)], reference: elementwise { Swift.abs($0) }) { $0[0].abs() },
  OpCase(name: "softplus", inputs: [sample([2, 3], seed: 80, -3, 3)], reference: elementwise { Foundation.log1p(Foundation.exp($0)) }) { $0[0].softplus() },
  // β·x = −6, −1, 0, 1.4, 4, 8: both sides of the threshold 5, none within eps of it.
  OpCase(name: "softplus beta 2 threshold 5", inputs: [Tensor(shape: [6], scalars: [-3, -0.5, 0, 0.7, 2, 4] as [Double])]) {
    $0[0].softplus(beta: 2, threshold: 5)
  },
  OpCase(name: "cast to float32 and back", inputs: [sample([3], seed: 29)], eps: 1e-2) {
    $0[0].to(.float32).to(.float64)
  },
  // Reductions.
  OpCase(
    name: "sum all", inputs: [sample([2, 3, 4], seed: 30)], reference: { [$0[0].doubleScalars.reduce(0, +)] },
    errors: [ErrorInput(message: "sum: dimension 3 out of range for a tensor of shape [2, 3]") { _ = Tensor.zeros([2, 3]).sum(dim: 3) }]
  ) { $0[0].sum() },
  OpCase(name: "sum dims [0,2]", inputs: [sample([2, 3, 4], seed: 31)]) { $0[0].sum(dims: [0, 2]) },
  OpCase(name: "sum dim -1 keepDim", inputs: [sample([2, 3], seed: 32)]) { $0[0].sum(dim: -1, keepDim: true) },
  OpCase(name: "mean all", inputs: [sample([3, 4], seed: 33)], reference: { [$0[0].doubleScalars.reduce(0, +) / 12] }) { $0[0].mean() },
  OpCase(name: "mean dim 1 keepDim", inputs: [sample([2, 3, 2], seed: 34)]) { $0[0].mean(dim: 1, keepDim: true) },
  OpCase(name: "max all", inputs: [distinct([3, 4], seed: 35)]) { $0[0].max() },
  OpCase(name: "max over dims [0,2]", inputs: [distinct([2, 3, 4], seed: 81)]) { $0[0].max(dims: [0, 2]) },
  OpCase(name: "max over dims [1] keepDim", inputs: [distinct([2, 3, 2], seed: 82)]) { $0[0].max(dims: [1], keepDim: true) },
  OpCase(name: "max dim 1", inputs: [distinct([2, 4, 3], seed: 36)]) { $0[0].max(dim: 1).values },
  OpCase(name: "logsumexp dim 1", inputs: [sample([3, 5], seed: 37, -3, 3)]) { $0[0].logsumexp(dim: 1) },
  OpCase(name: "logsumexp of ±1000", inputs: [Tensor(shape: [2, 3], scalars: [1000, 999, -1000, -1000, -999.5, -1001] as [Double])]) {
    $0[0].logsumexp(dim: 1, keepDim: true)
  },
  // Matrix products.
  OpCase(
    name: "matmul [3,4]x[4,5]", inputs: [sample([3, 4], seed: 38), sample([4, 5], seed: 39)],
    reference: { t in
      let (a, b) = (t[0].doubleScalars, t[1].doubleScalars)
      var c = [Double](repeating: 0, count: 15)
      for i in 0..<3 {
        for j in 0..<5 {
          for k in 0..<4 { c[i * 5 + j] += a[i * 4 + k] * b[k * 5 + j] }
        }
      }
      return c
    },
    errors: [ErrorInput(message: "matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 vs 4)") { _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5])) }]
  ) { $0[0].matmul($0[1]) },
  OpCase(name: "matmul batched [2,3,4]x[2,4,2]", inputs: [sample([2, 3, 4], seed: 40), sample([2, 4, 2], seed: 41)]) { $0[0].matmul($0[1]) },
  OpCase(name: "matmul broadcast [2,3,4]x[4,5]", inputs: [sample([2, 3, 4], seed: 42), sample([4, 5], seed: 43)]) { $0[0].matmul($0[1]) },
  OpCase(name: "matmul broadcast [1,2,3]x[3,3,2]", inputs: [sample([1, 2, 3], seed: 44), sample([3, 3, 2], seed: 45)]) { $0[0].matmul($0[1]) },
  OpCase(name: "linear with bias", inputs: [sample([4, 3], seed: 75), sample([5, 3], seed: 76), sample([5], seed: 77)]) {
    linear($0[0], weight: $0[1], bias: $0[2])
  },
  OpCase(name: "linear without bias", inputs: [sample([2, 6], seed: 78), sample([3, 6], seed: 79)]) {
    linear($0[0], weight: $0[1])
  },
  // Shape ops.
  OpCase(name: "reshape with -1", inputs: [sample([2, 3, 2], seed: 46)]) { ($0[0].reshape([3, -1]) * sample([3, 4], seed: 99)) },
  OpCase(name: "flatten/squeeze/unsqueeze", inputs: [sample([2, 1, 3], seed: 47)]) {
    $0[0].squeeze(dim: 1).unsqueeze(dim: 0).flatten(startDim: 1).exp()
  },
  OpCase(name: "permute", inputs: [sample([2, 3, 4], seed: 48)]) { $0[0].permute([2, 0, 1]) * sample([4, 2, 3], seed: 98) },
  OpCase(name: "transpose", inputs: [sample([3, 5], seed: 49)]) { $0[0].transpose(0, 1).matmul(sample([3, 2], seed: 97)) },
  OpCase(name: "expand", inputs: [sample([3, 1], seed: 50)]) { $0[0].expand([2, 3, 4]) * sample([2, 3, 4], seed: 96) },
  OpCase(
    name: "slice step 2", inputs: [sample([3, 7], seed: 51)],
    reference: { t in let v = t[0].doubleScalars; return (0..<3).flatMap { r in [1, 3, 5].map { v[r * 7 + $0] } } },
    errors: [ErrorInput(message: "slice: step must be positive, got 0") { _ = Tensor.zeros([3]).slice(dim: 0, step: 0) }]
  ) { $0[0].slice(dim: 1, start: 1, end: 6, step: 2) },
  OpCase(name: "slice negative start", inputs: [sample([5, 2], seed: 52)]) { $0[0].slice(dim: 0, start: -3) },
  OpCase(name: "concat dim 1", inputs: [sample([2, 1], seed: 53), sample([2, 3], seed: 54), sample([2, 2], seed: 55)]) {
    Tensor.cat($0, dim: 1)
  },
  OpCase(name: "stack dim 1", inputs: [sample([2, 3], seed: 56), sample([2, 3], seed: 57)]) { Tensor.stack($0, dim: 1) },
  // Softmax.
  OpCase(name: "softmax dim 1", inputs: [sample([3, 4], seed: 58, -2, 2)]) { $0[0].softmax(dim: 1) },
  OpCase(name: "softmax dim 0 (inner axis)", inputs: [sample([3, 2, 2], seed: 59, -2, 2)]) { $0[0].softmax(dim: 0) },
  OpCase(name: "logSoftmax dim 1", inputs: [sample([2, 5], seed: 60, -2, 2)]) { $0[0].logSoftmax(dim: 1) },
  OpCase(name: "logSoftmax of ±1000", inputs: [Tensor(shape: [2, 3], scalars: [1000, 0, -1000, -1000, 999, 1000] as [Double])]) {
    $0[0].logSoftmax(dim: 1)
  },
  // Indexing.
  OpCase(
    name: "gather dim 1 (repeated index)", inputs: [sample([2, 3], seed: 61), index([2, 2], [0, 2, 1, 1])],
    errors: [ErrorInput(message: "gather: index 3 is out of bounds for dimension of size 3") { _ = Tensor.zeros([2, 3]).gather(dim: 1, index: Tensor(shape: [2, 1], indices: [0, 3])) }]
  ) {
    $0[0].gather(dim: 1, index: $0[1])
  },
  OpCase(name: "gather dim 0", inputs: [sample([3, 2], seed: 62), index([2, 2], [2, 0, 1, 2])]) {
    $0[0].gather(dim: 0, index: $0[1])
  },
  OpCase(name: "indexSelect dim 0 (repeated)", inputs: [sample([3, 2], seed: 63), index([3], [2, 0, 2])]) {
    $0[0].indexSelect(dim: 0, index: $0[1])
  },
  OpCase(name: "indexSelect dim 1", inputs: [sample([2, 4, 2], seed: 64), index([2], [3, 1])]) {
    $0[0].indexSelect(dim: 1, index: $0[1])
  },
  // Convolution and pooling.
  OpCase(
    name: "conv2d with bias", inputs: [sample([2, 2, 5, 5], seed: 65), sample([3, 2, 3, 3], seed: 66), sample([3], seed: 67)],
    errors: [ErrorInput(message: "conv2d: input of shape [1, 2, 5, 5] and weight of shape [3, 1, 3, 3] do not match") { _ = conv2d(Tensor.zeros([1, 2, 5, 5]), weight: Tensor.zeros([3, 1, 3, 3])) }]
  ) {
    conv2d($0[0], weight: $0[1], bias: $0[2])
  },
  OpCase(name: "conv2d stride 2 padding 1", inputs: [sample([1, 2, 5, 4], seed: 68), sample([2, 2, 3, 2], seed: 69)]) {
    conv2d($0[0], weight: $0[1], stride: 2, padding: 1)
  },
  // 17 images: three weight-gradient groups of `convolutionGroup` (8), the last one partial.
  OpCase(name: "conv2d batch 17 padding 1", inputs: [sample([17, 2, 3, 3], seed: 100), sample([2, 2, 2, 2], seed: 101), sample([2], seed: 102)]) {
    conv2d($0[0], weight: $0[1], bias: $0[2], padding: 1)
  },
  OpCase(
    name: "maxPool2d 2x2", inputs: [distinct([2, 2, 4, 4], seed: 70)],
    errors: [ErrorInput(message: "maxPool2d: expected input of shape [N, C, H, W], got [4, 4]") { _ = maxPool2d(Tensor.zeros([4, 4]), kernelSize: 2) }]
  ) { maxPool2d($0[0], kernelSize: 2) },
  OpCase(name: "maxPool2d 3x3 stride 1 (overlapping)", inputs: [distinct([1, 1, 5, 5], seed: 71)]) {
    maxPool2d($0[0], kernelSize: 3, stride: 1)
  },
  // Dropout with a mask fixed by the seed.
  OpCase(name: "dropout p 0.4", inputs: [sample([4, 5], seed: 72)]) {
    dropout($0[0], p: 0.4, generator: Generator(seed: 5))
  },
  // Attention in one op: scores, softmax, dropout and weighted values.
  OpCase(
    name: "fusedAttention [2,3,4]·[2,5,4]ᵀ·[2,5,3]",
    inputs: [sample([2, 3, 4], seed: 180), sample([2, 5, 4], seed: 181), sample([2, 5, 3], seed: 182)],
    reference: { attentionReference($0, scale: 0.7, causal: false) },
    errors: [ErrorInput(message: "fusedAttention: query [2, 3, 4], key [2, 5, 3] and value [2, 5, 3] do not match (expected [..., L, E], [..., S, E], [..., S, Ev] with the same leading axes and type)") { _ = fusedAttention(Tensor.zeros([2, 3, 4]), Tensor.zeros([2, 5, 3]), Tensor.zeros([2, 5, 3]), scale: 1) }]
  ) { fusedAttention($0[0], $0[1], $0[2], scale: 0.7) },
  OpCase(
    name: "fusedAttention causal [1,2,4,3], 5 keys",
    inputs: [sample([1, 2, 4, 3], seed: 183), sample([1, 2, 5, 3], seed: 184), sample([1, 2, 5, 2], seed: 185)],
    reference: { attentionReference($0, scale: 0.5, causal: true) }
  ) { fusedAttention($0[0], $0[1], $0[2], scale: 0.5, isCausal: true) },
  OpCase(
    name: "fusedAttention causal with dropout 0.3",
    inputs: [sample([2, 4, 3], seed: 186), sample([2, 4, 3], seed: 187), sample([2, 4, 3], seed: 188)]
  ) { fusedAttention($0[0], $0[1], $0[2], scale: 0.6, isCausal: true, dropoutP: 0.3, generator: Generator(seed: 9)) },
  // Multi-head self-attention on a packed [q | k | v] projection, heads read in place.
  OpCase(
    name: "fusedSelfAttention batch first [2,4,3·6], 2 heads, causal",
    inputs: [sample([2, 4, 18], seed: 192)],
    reference: { selfAttentionReference($0[0], heads: 2, batchFirst: true, causal: true) },
    errors: [ErrorInput(message: "fusedSelfAttention: projected [2, 4, 10] must be [N, T, 3E] (or [T, N, 3E]) with E divisible by 2 heads") { _ = fusedSelfAttention(Tensor.zeros([2, 4, 10]), heads: 2) }]
  ) { fusedSelfAttention($0[0], heads: 2, isCausal: true) },
  OpCase(
    name: "fusedSelfAttention time first [5,2,3·4], 2 heads",
    inputs: [sample([5, 2, 12], seed: 193)],
    reference: { selfAttentionReference($0[0], heads: 2, batchFirst: false, causal: false) }
  ) { fusedSelfAttention($0[0], heads: 2, batchFirst: false) },
  OpCase(
    name: "fusedSelfAttention causal with dropout 0.3",
    inputs: [sample([2, 3, 12], seed: 194)]
  ) { fusedSelfAttention($0[0], heads: 2, isCausal: true, dropoutP: 0.3, generator: Generator(seed: 9)) },
  // Layer normalization in one op.
  OpCase(
    name: "layerNorm [3, 5] over [5] with weight and bias", inputs: [sample([3, 5], seed: 400, -2, 2), sample([5], seed: 401), sample([5], seed: 402)],
    reference: { layerNormReference($0) },
    errors: [
      ErrorInput(message: "layerNorm: input of shape [2, 3] does not end in the normalized shape [4]") { _ = layerNorm(Tensor.zeros([2, 3]), normalizedShape: [4]) },
      ErrorInput(message: "layerNorm: the normalized shape must have at least one axis (input of shape [2, 3])") { _ = layerNorm(Tensor.zeros([2, 3]), normalizedShape: []) },
      ErrorInput(message: "layerNorm: weight of shape [3] and float32 does not match the normalized shape [2, 3] of float32") { _ = layerNorm(Tensor.zeros([2, 3]), normalizedShape: [2, 3], weight: Tensor.ones([3])) },
    ]
  ) { layerNorm($0[0], normalizedShape: [5], weight: $0[1], bias: $0[2]) },
  OpCase(
    name: "layerNorm [2, 3, 4] over [3, 4], no affine", inputs: [sample([2, 3, 4], seed: 403, -3, 3)],
    reference: { layerNormReference($0) }
  ) { layerNorm($0[0], normalizedShape: [3, 4]) },
  OpCase(
    name: "layerNorm [4, 11] with weight only, eps 0.1 (a vector tail)", inputs: [sample([4, 11], seed: 404), sample([11], seed: 405)],
    reference: { layerNormReference($0, eps: 0.1) }
  ) { layerNorm($0[0], normalizedShape: [11], weight: $0[1], eps: 0.1) },
  // The LSTM gate update in one op (h' and c' side by side).
  OpCase(
    name: "lstmCell [3, 4·5] with c [3, 5]", inputs: [sample([3, 20], seed: 190, -2, 2), sample([3, 5], seed: 191)],
    reference: lstmCellReference,
    errors: [ErrorInput(message: "lstmCell: gates of shape [3, 8] and c of shape [3, 3] do not match (expected [..., 4H] and [..., H] of one type)") { _ = lstmCell(gates: Tensor.zeros([3, 8]), c: Tensor.zeros([3, 3])) }]
  ) { let r = lstmCell(gates: $0[0], c: $0[1]); return Tensor.cat([r.h, r.c], dim: 1) },
  OpCase(
    name: "lstmCell unbatched, 17 units (a vector tail)", inputs: [sample([68], seed: 192, -3, 3), sample([17], seed: 193)],
    reference: lstmCellReference
  ) { let r = lstmCell(gates: $0[0], c: $0[1]); return Tensor.cat([r.h, r.c], dim: 0) },
  // Selection.
  OpCase(
    name: "where broadcast [2,3] from [3] and [2,1]", inputs: [sample([3], seed: 110), sample([2, 1], seed: 111)],
    errors: [ErrorInput(message: "where: element types differ (float32 and float64)") { _ = Tensor.where(Tensor.ones([2]), Tensor.zeros([2]), Tensor.zeros([2], dtype: .float64)) }]
  ) {
    Tensor.where(Tensor(shape: [2, 3], scalars: [1, 0, 1, 0, 0, 1] as [Float]), $0[0], $0[1])
  },
  OpCase(name: "maskedFill", inputs: [sample([2, 3], seed: 112)]) {
    $0[0].maskedFill(Tensor(shape: [3], scalars: [0, 1, 0] as [Float]), -2) * $0[0]
  },
  // The adjoints, called directly (they are also the backward of gather and indexSelect).
  OpCase(name: "scatterAdd dim 1 (repeated index)", inputs: [sample([2, 2], seed: 113), index([2, 2], [0, 2, 2, 1])]) {
    $0[0].scatterAdd(into: [2, 3], dim: 1, index: $0[1])
  },
  OpCase(name: "indexAdd dim 0 (repeated index)", inputs: [sample([3, 2], seed: 114), index([3], [1, 0, 1])]) {
    $0[0].indexAdd(into: [2, 2], dim: 0, index: $0[1])
  },
  // The convolution's gradients as ops (they are also conv2d's backward under createGraph).
  OpCase(name: "conv2dInputGrad stride 2 padding 1", inputs: [sample([2, 3, 3, 3], seed: 115), sample([3, 2, 3, 2], seed: 116)]) {
    conv2dInputGrad($0[0], weight: $0[1], inputShape: [2, 2, 5, 4], stride: 2, padding: 1)
  },
  OpCase(name: "conv2dWeightGrad stride 2 padding 1", inputs: [sample([2, 3, 3, 3], seed: 117), sample([2, 2, 5, 4], seed: 118)]) {
    conv2dWeightGrad($0[0], input: $0[1], weightShape: [3, 2, 3, 2], stride: 2, padding: 1)
  },
  // Selection and ordering.
  OpCase(
    name: "maximum broadcast", inputs: [Tensor(shape: [2, 3], scalars: [0.5, -1, 2, 0.25, 0.7, -0.4] as [Double]), Tensor(shape: [3], scalars: [0.4, 0.1, -0.3] as [Double])],
    reference: broadcast { Swift.max($0, $1) }
  ) { Tensor.maximum($0[0], $0[1]) },
  OpCase(name: "minimum broadcast", inputs: [sample([2, 3], seed: 130), sample([2, 1], seed: 131)], reference: broadcast { Swift.min($0, $1) }) {
    Tensor.minimum($0[0], $0[1])
  },
  OpCase(name: "min over dims [1]", inputs: [distinct([2, 3, 2], seed: 132)]) { $0[0].min(dims: [1]) },
  OpCase(name: "min dim 0", inputs: [distinct([3, 4], seed: 133)]) { $0[0].min(dim: 0).values },
  OpCase(
    name: "topk 2 along dim 1", inputs: [distinct([3, 5], seed: 134)],
    errors: [ErrorInput(message: "topk: k 6 is out of range for dimension -1 of size 5") { _ = Tensor.zeros([2, 5]).topk(6) }]
  ) { $0[0].topk(2, dim: 1).values },
  OpCase(name: "topk 2 smallest along dim 0", inputs: [distinct([4, 3], seed: 135)]) { $0[0].topk(2, dim: 0, largest: false).values },
  // Statistics and norms.
  OpCase(
    name: "variance dims [1] correction 1", inputs: [sample([3, 4], seed: 136)],
    reference: { t in
      let v = t[0].doubleScalars
      return (0..<3).map { r in
        let row = Array(v[(r * 4)..<(r * 4 + 4)])
        let m = row.reduce(0, +) / 4
        return row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / 3
      }
    }
  ) { $0[0].variance(dims: [1]) },
  OpCase(name: "std all correction 0", inputs: [sample([2, 3], seed: 137)]) { $0[0].std(correction: 0) },
  OpCase(
    name: "norm 2 over dim 1", inputs: [sample([3, 4], seed: 138)],
    errors: [ErrorInput(message: "norm: p must be positive, got -1.0") { _ = Tensor.zeros([2]).norm(-1) }]
  ) { $0[0].norm(2, dims: [1]) },
  OpCase(name: "norm 1, 3 and infinity", inputs: [distinct([2, 3], seed: 139)]) {
    $0[0].norm(1) + $0[0].norm(3, dims: [0]).sum() + $0[0].norm(.infinity, dims: [1]).sum()
  },
  // Scans and shapes.
  OpCase(
    name: "cumsum dim 1", inputs: [sample([2, 4], seed: 140)],
    reference: { t in
      let v = t[0].doubleScalars
      return (0..<8).map { p in (0...(p % 4)).reduce(0.0) { $0 + v[p / 4 * 4 + $1] } }
    }
  ) { $0[0].cumsum(dim: 1) },
  OpCase(name: "cumsum dim 0 (inner axis)", inputs: [sample([3, 2], seed: 141)]) { $0[0].cumsum(dim: 0) },
  OpCase(
    name: "prod dim 1 (odd length, with a zero)",
    inputs: [Tensor(shape: [2, 5], scalars: [0.5, -1.2, 0.0, 0.8, 1.1, 0.9, 0.7, -0.6, 1.3, 0.4] as [Double])],
    reference: { t in
      let v = t[0].doubleScalars
      return [v[0..<5].reduce(1, *), v[5..<10].reduce(1, *)]
    }
  ) { $0[0].prod(dim: 1) },
  OpCase(name: "prod of all elements", inputs: [sample([3, 2], seed: 143)], reference: { [$0[0].doubleScalars.reduce(1, *)] }) {
    $0[0].prod()
  },
  OpCase(name: "indexSelect with a 2-D index", inputs: [sample([2, 4, 3], seed: 144), index([2, 2], [3, 1, 1, 0])]) {
    $0[0].indexSelect(dim: 1, index: $0[1])
  },
  OpCase(
    name: "conv1d stride 2 padding 1", inputs: [sample([2, 2, 7], seed: 145), sample([3, 2, 3], seed: 146), sample([3], seed: 147)],
    errors: [ErrorInput(message: "conv1d: input of shape [2, 5] and weight of shape [3, 2, 3] do not match") { _ = conv1d(Tensor.zeros([2, 5]), weight: Tensor.zeros([3, 2, 3])) }]
  ) { conv1d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1) },
  OpCase(
    name: "convTranspose2d stride 2 padding 1 outputPadding 1",
    inputs: [sample([2, 2, 3, 2], seed: 148), sample([2, 3, 3, 3], seed: 149), sample([3], seed: 150)],
    errors: [ErrorInput(message: "convTranspose2d: stride 2, padding 0 and outputPadding 2 are invalid") { _ = convTranspose2d(Tensor.zeros([1, 2, 3, 3]), weight: Tensor.zeros([2, 3, 3, 3]), stride: 2, outputPadding: 2) }]
  ) { convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1, outputPadding: 1) },
  OpCase(name: "flip dims [0, 2]", inputs: [sample([2, 3, 2], seed: 142)], reference: { t in
    let v = t[0].doubleScalars
    return (0..<12).map { p in let (i, j, k) = (p / 6, p / 2 % 3, p % 2); return v[(1 - i) * 6 + j * 2 + (1 - k)] }
  }) { $0[0].flip(dims: [0, 2]) },
  OpCase(name: "roll by 2 along dim 1, and flattened by -1", inputs: [sample([2, 3], seed: 143)]) {
    $0[0].roll(2, dim: 1) * sample([2, 3], seed: 95) + $0[0].roll(-1)
  },
  OpCase(name: "repeat [2, 1, 3]", inputs: [sample([2, 2], seed: 144)]) { $0[0].repeat([2, 1, 3]) },
  OpCase(name: "split and chunk", inputs: [sample([5, 2], seed: 145)]) {
    let pieces = $0[0].split(size: 2) + $0[0].chunk(2, dim: 1) + $0[0].split(sizes: [1, 4])
    return Tensor.cat(pieces.map { ($0 * $0).sum().reshape([1]) })
  },
  OpCase(name: "tril and triu", inputs: [sample([2, 3, 4], seed: 146)]) { $0[0].tril(diagonal: 1) - $0[0].triu(diagonal: -1) * 2 },
  OpCase(
    name: "pad last two axes", inputs: [sample([2, 2, 3], seed: 147)],
    errors: [ErrorInput(message: "pad: padding [1] must be non-negative (before, after) pairs") { _ = Tensor.zeros([2]).pad([1]) }]
  ) { $0[0].pad([1, 2, 0, 1], value: 0.5) },
  OpCase(
    name: "embedding with repeated indices", inputs: [sample([4, 3], seed: 148), index([2, 3], [1, 0, 3, 1, 2, 1])],
    errors: [ErrorInput(message: "embedding: indices must be int64, got float32") { _ = embedding(Tensor.zeros([2]), weight: Tensor.zeros([3, 2])) }]
  ) { embedding($0[1], weight: $0[0]) },
  // Matrix products with more axes.
  OpCase(name: "matmul 4-D broadcast [2,1,2,3]x[3,3,2]", inputs: [sample([2, 1, 2, 3], seed: 149), sample([3, 3, 2], seed: 150)]) {
    $0[0].matmul($0[1])
  },
  OpCase(name: "matmul vector-matrix and matrix-vector", inputs: [sample([3], seed: 151), sample([3, 2], seed: 152), sample([2], seed: 153)]) {
    $0[0].matmul($0[1]) * $0[1].matmul($0[2]).sum()
  },
  OpCase(name: "linear on [2, 3, 4] input", inputs: [sample([2, 3, 4], seed: 154), sample([5, 4], seed: 155), sample([5], seed: 156)]) {
    linear($0[0], weight: $0[1], bias: $0[2])
  },
  // Activations (compositions).
  OpCase(name: "gelu exact and tanh", inputs: [sample([2, 3], seed: 160, -3, 3)]) {
    $0[0].gelu() + $0[0].gelu(approximate: .tanh) * 2
  },
  OpCase(name: "silu, mish, softsign, logSigmoid", inputs: [sample([2, 3], seed: 161, -3, 3)]) {
    $0[0].silu() + $0[0].mish() * 2 + $0[0].softsign() * 3 + $0[0].logSigmoid() * 4
  },
  OpCase(name: "leakyRelu, elu, hardtanh", inputs: [Tensor(shape: [6], scalars: [-2, -0.7, -0.2, 0.3, 0.8, 1.6] as [Double])]) {
    $0[0].leakyRelu(negativeSlope: 0.1) + $0[0].elu(alpha: 1.5) * 2 + $0[0].hardtanh() * 3
  },
  // Compositions that a model uses.
  OpCase(name: "cross-entropy via logSoftmax+gather+mean", inputs: [sample([4, 3], seed: 73, -2, 2), index([4, 1], [0, 2, 1, 2])]) {
    -$0[0].logSoftmax(dim: 1).gather(dim: 1, index: $0[1]).mean()
  },
  OpCase(name: "tensor used twice", inputs: [sample([3], seed: 74)]) { ($0[0] * $0[0] + $0[0]).sum() },
]

/// softmax(q·kᵀ·scale + causal)·v in plain Float64 loops, for q [..., L, E], k [..., S, E] and
/// v [..., S, Ev] with the same leading axes.
func attentionReference(_ t: [Tensor], scale: Double, causal: Bool) -> [Double] {
  let (q, k, v) = (t[0].doubleScalars, t[1].doubleScalars, t[2].doubleScalars)
  let r = t[0].rank
  let (l, e, s, ev) = (t[0].shape[r - 2], t[0].shape[r - 1], t[1].shape[r - 2], t[2].shape[r - 1])
  let batch = t[0].count / (l * e)
  var out = [Double]()
  for b in 0..<batch {
    for i in 0..<l {
      let visible = causal ? min(i + 1, s) : s
      let scores = (0..<visible).map { j in
        (0..<e).reduce(0.0) { $0 + q[(b * l + i) * e + $1] * k[(b * s + j) * e + $1] } * scale
      }
      let m = scores.max()!
      let w = scores.map { Foundation.exp($0 - m) }
      let total = w.reduce(0, +)
      for c in 0..<ev {
        out.append((0..<visible).reduce(0.0) { $0 + w[$1] / total * v[(b * s + $1) * ev + c] })
      }
    }
  }
  return out
}

/// `fusedSelfAttention` in plain Float64: per sequence and head, softmax(q·kᵀ/√d)·v on the
/// head's columns of the packed [q | k | v] projection, written to the head's output columns.
func selfAttentionReference(_ x: Tensor, heads: Int, batchFirst: Bool, causal: Bool) -> [Double] {
  let values = x.doubleScalars
  let (a, b, e) = (x.shape[0], x.shape[1], x.shape[2] / 3)
  let (n, t, d) = batchFirst ? (a, b, e / heads) : (b, a, e / heads)
  // The flat index of (sequence, position) in the [a, b, ·] layout.
  func row(_ item: Int, _ position: Int) -> Int { batchFirst ? item * t + position : position * n + item }
  var out = [Double](repeating: 0, count: a * b * e)
  for item in 0..<n {
    for h in 0..<heads {
      func q(_ i: Int, _ c: Int) -> Double { values[row(item, i) * 3 * e + h * d + c] }
      func k(_ j: Int, _ c: Int) -> Double { values[row(item, j) * 3 * e + e + h * d + c] }
      func v(_ j: Int, _ c: Int) -> Double { values[row(item, j) * 3 * e + 2 * e + h * d + c] }
      for i in 0..<t {
        let visible = causal ? i + 1 : t
        let scores = (0..<visible).map { j in
          (0..<d).reduce(0.0) { $0 + q(i, $1) * k(j, $1) } / Double(d).squareRoot()
        }
        let m = scores.max()!
        let w = scores.map { Foundation.exp($0 - m) }
        let total = w.reduce(0, +)
        for c in 0..<d {
          out[row(item, i) * e + h * d + c] = (0..<visible).reduce(0.0) { $0 + w[$1] / total * v($1, c) }
        }
      }
    }
  }
  return out
}

/// h' then c' per row of an LSTM cell update, in plain Float64 (the rows of `lstmCell` side by side).
/// Layer normalization in Float64 over the trailing axes of the weight's size (all but the first
/// axis without one): `(x − mean)/√(variance + eps)·w + b` per row.
@Sendable func layerNormReference(_ t: [Tensor], eps: Double = 1e-5) -> [Double] {
  let x = t[0].doubleScalars
  let n = t.count > 1 ? t[1].count : x.count / t[0].shape[0]
  let w = t.count > 1 ? t[1].doubleScalars : [Double](repeating: 1, count: n)
  let b = t.count > 2 ? t[2].doubleScalars : [Double](repeating: 0, count: n)
  var out = [Double]()
  for row in 0..<(x.count / n) {
    let v = x[(row * n)..<((row + 1) * n)]
    let mean = v.reduce(0, +) / Double(n)
    let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
    for (j, value) in v.enumerated() {
      out.append((value - mean) / (variance + eps).squareRoot() * w[j] + b[j])
    }
  }
  return out
}

@Sendable func lstmCellReference(_ t: [Tensor]) -> [Double] {
  let (gates, c) = (t[0].doubleScalars, t[1].doubleScalars)
  let h = t[1].shape.last!
  func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
  var out = [Double]()
  for row in 0..<(c.count / h) {
    let g = Array(gates[(row * 4 * h)..<((row + 1) * 4 * h)])
    let cNext = (0..<h).map { j in
      sigmoid(g[h + j]) * c[row * h + j] + sigmoid(g[j]) * Foundation.tanh(g[2 * h + j])
    }
    out += (0..<h).map { j in sigmoid(g[3 * h + j]) * Foundation.tanh(cNext[j]) } + cNext
  }
  return out
}
