import Autograd
import Testing

/// One row of the gradient-check table: an op (or a composition that exercises it) and sample
/// inputs. Every differentiable ``OpKind`` must be recorded by at least one row.
struct OpCase: Sendable, CustomTestStringConvertible {
  let name: String
  let inputs: [Tensor]
  /// The step of the central difference; 1e-6 everywhere except where float32 rounding in the
  /// op itself makes a smaller step meaningless (the float32 cast).
  var eps = 1e-6
  let function: @Sendable ([Tensor]) -> Tensor

  var testDescription: String { name }
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
  OpCase(name: "add same shape", inputs: [sample([2, 3], seed: 1), sample([2, 3], seed: 2)]) { $0[0] + $0[1] },
  OpCase(name: "add broadcast [4,1,3]+[2,1]", inputs: [sample([4, 1, 3], seed: 3), sample([2, 1], seed: 4)]) { $0[0] + $0[1] },
  OpCase(name: "sub broadcast [2,3]-[3]", inputs: [sample([2, 3], seed: 5), sample([3], seed: 6)]) { $0[0] - $0[1] },
  OpCase(name: "mul broadcast [3,1]*[1,4]", inputs: [sample([3, 1], seed: 7), sample([1, 4], seed: 8)]) { $0[0] * $0[1] },
  OpCase(name: "div broadcast [2,3]/[2,1]", inputs: [sample([2, 3], seed: 9), sample([2, 1], seed: 10, 0.5, 2)]) { $0[0] / $0[1] },
  OpCase(name: "div by scalar tensor", inputs: [sample([3], seed: 11), sample([], seed: 12, 1, 2)]) { $0[0] / $0[1] },
  // Scalar forms.
  OpCase(name: "x + c", inputs: [sample([2, 2], seed: 13)]) { $0[0] + 2.5 },
  OpCase(name: "c - x", inputs: [sample([2, 2], seed: 14)]) { 3 - $0[0] },
  OpCase(name: "x * c", inputs: [sample([2, 2], seed: 15)]) { $0[0] * -1.5 },
  OpCase(name: "x / c", inputs: [sample([2, 2], seed: 16)]) { $0[0] / 4 },
  OpCase(name: "c / x", inputs: [sample([2, 2], seed: 17, 0.5, 2)]) { 2 / $0[0] },
  // Unary functions.
  OpCase(name: "neg", inputs: [sample([3], seed: 18)]) { -$0[0] },
  OpCase(name: "exp", inputs: [sample([2, 3], seed: 19)]) { $0[0].exp() },
  OpCase(name: "log", inputs: [sample([2, 3], seed: 20, 0.2, 3)]) { $0[0].log() },
  OpCase(name: "pow 3", inputs: [sample([2, 3], seed: 21)]) { $0[0].pow(3) },
  OpCase(name: "pow 2", inputs: [sample([4], seed: 22)]) { $0[0].pow(2) },
  OpCase(name: "pow -0.5", inputs: [sample([4], seed: 23, 0.3, 2)]) { $0[0].pow(-0.5) },
  OpCase(name: "sqrt", inputs: [sample([2, 3], seed: 24, 0.1, 4)]) { $0[0].sqrt() },
  OpCase(name: "tanh", inputs: [sample([2, 3], seed: 25, -3, 3)]) { $0[0].tanh() },
  OpCase(name: "sigmoid", inputs: [Tensor(shape: [5], scalars: [-30, -2.5, 0.1, 1.7, 25] as [Double])]) { $0[0].sigmoid() },
  OpCase(name: "relu", inputs: [sample([3, 4], seed: 26)]) { $0[0].relu() },
  OpCase(name: "clamp", inputs: [sample([3, 4], seed: 27)]) { $0[0].clamp(min: -0.5, max: 0.5) },
  OpCase(name: "abs", inputs: [sample([3, 4], seed: 28)]) { $0[0].abs() },
  OpCase(name: "softplus", inputs: [sample([2, 3], seed: 80, -3, 3)]) { $0[0].softplus() },
  // β·x = −6, −1, 0, 1.4, 4, 8: both sides of the threshold 5, none within eps of it.
  OpCase(name: "softplus beta 2 threshold 5", inputs: [Tensor(shape: [6], scalars: [-3, -0.5, 0, 0.7, 2, 4] as [Double])]) {
    $0[0].softplus(beta: 2, threshold: 5)
  },
  OpCase(name: "cast to float32 and back", inputs: [sample([3], seed: 29)], eps: 1e-2) {
    $0[0].to(.float32).to(.float64)
  },
  // Reductions.
  OpCase(name: "sum all", inputs: [sample([2, 3, 4], seed: 30)]) { $0[0].sum() },
  OpCase(name: "sum dims [0,2]", inputs: [sample([2, 3, 4], seed: 31)]) { $0[0].sum(dims: [0, 2]) },
  OpCase(name: "sum dim -1 keepDim", inputs: [sample([2, 3], seed: 32)]) { $0[0].sum(dim: -1, keepDim: true) },
  OpCase(name: "mean all", inputs: [sample([3, 4], seed: 33)]) { $0[0].mean() },
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
  OpCase(name: "matmul [3,4]x[4,5]", inputs: [sample([3, 4], seed: 38), sample([4, 5], seed: 39)]) { $0[0].matmul($0[1]) },
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
  OpCase(name: "slice step 2", inputs: [sample([3, 7], seed: 51)]) { $0[0].slice(dim: 1, start: 1, end: 6, step: 2) },
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
  OpCase(name: "gather dim 1 (repeated index)", inputs: [sample([2, 3], seed: 61), index([2, 2], [0, 2, 1, 1])]) {
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
  OpCase(name: "conv2d with bias", inputs: [sample([2, 2, 5, 5], seed: 65), sample([3, 2, 3, 3], seed: 66), sample([3], seed: 67)]) {
    conv2d($0[0], weight: $0[1], bias: $0[2])
  },
  OpCase(name: "conv2d stride 2 padding 1", inputs: [sample([1, 2, 5, 4], seed: 68), sample([2, 2, 3, 2], seed: 69)]) {
    conv2d($0[0], weight: $0[1], stride: 2, padding: 1)
  },
  // 17 images: three weight-gradient groups of `convolutionGroup` (8), the last one partial.
  OpCase(name: "conv2d batch 17 padding 1", inputs: [sample([17, 2, 3, 3], seed: 100), sample([2, 2, 2, 2], seed: 101), sample([2], seed: 102)]) {
    conv2d($0[0], weight: $0[1], bias: $0[2], padding: 1)
  },
  OpCase(name: "maxPool2d 2x2", inputs: [distinct([2, 2, 4, 4], seed: 70)]) { maxPool2d($0[0], kernelSize: 2) },
  OpCase(name: "maxPool2d 3x3 stride 1 (overlapping)", inputs: [distinct([1, 1, 5, 5], seed: 71)]) {
    maxPool2d($0[0], kernelSize: 3, stride: 1)
  },
  // Dropout with a mask fixed by the seed.
  OpCase(name: "dropout p 0.4", inputs: [sample([4, 5], seed: 72)]) {
    dropout($0[0], p: 0.4, generator: Generator(seed: 5))
  },
  // Compositions that a model uses.
  OpCase(name: "cross-entropy via logSoftmax+gather+mean", inputs: [sample([4, 3], seed: 73, -2, 2), index([4, 1], [0, 2, 1, 2])]) {
    -$0[0].logSoftmax(dim: 1).gather(dim: 1, index: $0[1]).mean()
  },
  OpCase(name: "tensor used twice", inputs: [sample([3], seed: 74)]) { ($0[0] * $0[0] + $0[0]).sum() },
]
