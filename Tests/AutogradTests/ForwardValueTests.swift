import Autograd
import Foundation
import Testing

/// Forward values checked against hand-derived cases or independent naive implementations.
@Suite("Forward values")
struct ForwardValueTests {
  @Test("matmul: a hand-computed 2-D product and a broadcast batched product")
  func matmulValues() {
    let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6] as [Float])
    let b = Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12] as [Float])
    #expect(a.matmul(b).scalars == [58, 64, 139, 154])
    let batch = Tensor.stack([a, a * 2], dim: 0)
    let c = batch.matmul(b)
    #expect(c.shape == [2, 2, 2])
    #expect(c.scalars == [58, 64, 139, 154, 116, 128, 278, 308])
  }

  @Test("pow's special exponents (1, 2, 0.5, −1) are exact and agree with powf to the last bit")
  func powSpecialExponents() {
    // One whole vector of 16 lanes and a tail.
    let values: [Float] = [
      0.1, 0.3, 1, 1.5, 2, 3.7, 1e-3, 123.456, 7e5, 0.25, 9, 17.5, 0.001, 4e-7, 65, 1.01, 2.5, 8,
      1e4,
    ]
    let x = Tensor(shape: [values.count], scalars: values)
    for exponent in [3.0, -2.5, 1.7] {
      #expect(
        x.pow(exponent).scalars == values.map { Foundation.pow($0, Float(exponent)) },
        "pow(\(exponent)) vs powf")
    }
    for (exponent, exact) in [
      (1.0, { (v: Float) in v }), (2, { $0 * $0 }), (0.5, { $0.squareRoot() }), (-1, { 1 / $0 }),
    ] {
      let got = x.pow(exponent).scalars
      #expect(got == values.map(exact), "pow(\(exponent))")
      #expect(got == values.map { Foundation.pow($0, Float(exponent)) }, "pow(\(exponent)) vs powf")
    }
  }

  @Test("softmax and logSoftmax: known values, finite at ±1000")
  func softmaxValues() {
    let p = Tensor(shape: [1, 3], scalars: [1.0, 2.0, 3.0] as [Double]).softmax(dim: 1)
      .doubleScalars
    let expected = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219]
    for (x, y) in zip(p, expected) { #expect(abs(x - y) < 1e-15) }
    let big = Tensor(shape: [3], scalars: [1000, 0, -1000] as [Float])
    #expect(big.logSoftmax(dim: 0).scalars == [0, -1000, -2000])
    #expect(big.softmax(dim: 0).scalars == [1, 0, 0])
    #expect(big.logsumexp(dim: 0).item() == 1000)
  }

  @Test("conv2d matches a direct nested-loop convolution")
  func conv2dValues() {
    let x = sample([2, 3, 6, 5], seed: 200)
    let w = sample([4, 3, 3, 2], seed: 201)
    let bias = sample([4], seed: 202)
    for (stride, padding) in [(1, 0), (2, 1), (1, 2)] {
      let y = conv2d(x, weight: w, bias: bias, stride: stride, padding: padding)
      let reference = naiveConv2d(x, w, bias, stride: stride, padding: padding)
      #expect(y.shape == reference.shape)
      let worst = zip(y.doubleScalars, reference.doubleScalars).map { abs($0 - $1) }.max()!
      #expect(worst < 1e-12, "stride \(stride) padding \(padding): \(worst)")
    }
    // A hand case: a 2×2 kernel of ones over 1…9.
    let image = Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init))
    let ones = Tensor.ones([1, 1, 2, 2])
    #expect(conv2d(image, weight: ones).scalars == [12, 16, 24, 28])
  }

  @Test("maxPool2d: values, and the first maximum in a window takes the gradient")
  func maxPoolValues() {
    let x = Tensor(
      shape: [1, 1, 4, 4], scalars: [1, 3, 2, 4, 5, 5, 0, 1, 2, 2, 9, 9, 1, 0, 9, 3] as [Double]
    ).requiringGrad()
    let y = maxPool2d(x, kernelSize: 2)
    #expect(y.doubleScalars == [5, 4, 2, 9])
    y.sum().backward()
    #expect(x.grad!.doubleScalars == [0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0])
  }

  @Test("maxPool2d propagates NaN")
  func maxPoolNaN() {
    let x = Tensor(shape: [1, 1, 2, 2], scalars: [1, .nan, 3, 2] as [Float])
    #expect(maxPool2d(x, kernelSize: 2).scalars[0].isNaN)
  }

  @Test(
    "maxPool2d 2×2 (vectorised rows) matches a scalar reference with ties and NaNs",
    arguments: [DType.float32, .float64])
  func maxPoolVectorisedMatchesReference(dtype: DType) {
    // Width 37: 18 outputs per row = two vectors of 8 and a scalar tail of 2; odd height and
    // width leave a last row and column that no window covers. Values from {0, 1, 2} make ties
    // common; some NaNs, including two in one window.
    let (n, c, h, w) = (2, 3, 9, 37)
    var values = (0..<(n * c * h * w)).map { Double(($0 * 7919) % 3) }
    for i in stride(from: 5, to: values.count, by: 23) { values[i] = .nan }
    values[w + 6] = .nan
    values[2 * w + 7] = .nan
    let x = Tensor(shape: [n, c, h, w], scalars: values).to(dtype).requiringGrad()
    let y = maxPool2d(x, kernelSize: 2)
    let (oh, ow) = (h / 2, w / 2)
    let g = Tensor(shape: [n, c, oh, ow], scalars: (0..<(n * c * oh * ow)).map { Double($0 + 1) })
      .to(dtype)
    (y * g).sum().backward()
    var expectedY = [Double]()
    var expectedDX = [Double](repeating: 0, count: values.count)
    for p in 0..<(n * c) {
      for i in 0..<oh {
        for j in 0..<ow {
          var best = -Double.infinity
          var bestIndex = p * h * w + 2 * i * w + 2 * j
          search: for (di, dj) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            let index = p * h * w + (2 * i + di) * w + 2 * j + dj
            if values[index] > best || values[index].isNaN {
              best = values[index]
              bestIndex = index
              if best.isNaN { break search }
            }
          }
          expectedY.append(best)
          expectedDX[bestIndex] = Double(expectedY.count)
        }
      }
    }
    let sameValue = zip(y.doubleScalars, expectedY).allSatisfy {
      $0 == $1 || ($0.isNaN && $1.isNaN)
    }
    #expect(sameValue, "values differ")
    let wrong = zip(x.grad!.doubleScalars, expectedDX).enumerated().filter {
      $0.element.0 != $0.element.1
    }
    #expect(
      wrong.isEmpty,
      "\(wrong.count) gradient elements differ, first at \(wrong.first?.offset ?? -1)")
  }

  @Test("gather and indexSelect pick the named elements")
  func gatherValues() {
    let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6] as [Float])
    #expect(x.gather(dim: 1, index: index([2, 2], [2, 0, 1, 1])).scalars == [3, 1, 5, 5])
    #expect(x.gather(dim: 0, index: index([1, 3], [1, 0, 1])).scalars == [4, 2, 6])
    #expect(x.indexSelect(dim: 1, index: index([2], [2, 0])).scalars == [3, 1, 6, 4])
  }

  @Test("reductions: sum, mean, max with keepDim, argmax takes the first maximum")
  func reductionValues() {
    let x = Tensor(shape: [2, 3], scalars: [1, 5, 5, -1, 0, 2] as [Float])
    #expect(x.sum().item() == 12)
    #expect(x.sum(dim: 0).scalars == [0, 5, 7])
    #expect(x.sum(dim: 1, keepDim: true).shape == [2, 1])
    let means = x.mean(dim: 1).scalars
    #expect(abs(means[0] - 11 / 3) < 1e-6 && abs(means[1] - 1 / 3) < 1e-6)
    #expect(x.max().item() == 5)
    #expect(x.max(dim: 1).values.scalars == [5, 2])
    #expect(x.argmax(dim: 1).indices == [1, 2])
  }

  @Test("max() splits its gradient evenly among ties")
  func maxTies() {
    let x = Tensor(shape: [4], scalars: [1.0, 3.0, 3.0, 0.0]).requiringGrad()
    x.max().backward()
    #expect(x.grad!.doubleScalars == [0, 0.5, 0.5, 0])
  }

  @Test("max over several axes, with ties splitting the gradient per group")
  func maxOverAxes() {
    // x[i][j][k]; max over i and k for each j: j = 0 → {1, 7, 3, 0}, j = 1 → {7, 2, 3, 7}.
    let x = Tensor(shape: [2, 2, 2], scalars: [1, 7, 7, 2, 3, 0, 3, 7] as [Double]).requiringGrad()
    let m = x.max(dims: [0, 2])
    #expect(m.doubleScalars == [7, 7])
    #expect(x.max(dims: [1, 2], keepDim: true).shape == [2, 1, 1])
    m.sum().backward()
    #expect(x.grad!.doubleScalars == [0, 1, 0.5, 0, 0, 0, 0, 0.5])
  }

  @Test("creation: zeros, ones, full, arange, seeded random")
  func creation() {
    #expect(Tensor.zeros([2, 2]).scalars == [0, 0, 0, 0])
    #expect(Tensor.ones([3], dtype: .float64).doubleScalars == [1, 1, 1])
    #expect(Tensor.full([2], value: 7, dtype: .int64).indices == [7, 7])
    #expect(Tensor.arange(0, 5).scalars == [0, 1, 2, 3, 4])
    #expect(Tensor.arange(1, 2, step: 0.25).scalars == [1, 1.25, 1.5, 1.75])
    let u = Tensor.uniform([10_000], low: -2, high: 3, generator: Generator(seed: 3)).scalars
    #expect(u.allSatisfy { $0 >= -2 && $0 < 3 })
    let n = Tensor.randn([20_000], dtype: .float64, generator: Generator(seed: 4)).doubleScalars
    let mean = n.reduce(0, +) / Double(n.count)
    let variance = n.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n.count)
    #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
    #expect(
      Tensor.randn([5], generator: Generator(seed: 9)).scalars
        == Tensor.randn([5], generator: Generator(seed: 9)).scalars)
    #expect(
      Tensor.randn([5], generator: Generator(seed: 9)).scalars
        != Tensor.randn([5], generator: Generator(seed: 10)).scalars)
  }

  @Test("description shows shape, type and values")
  func description() {
    let t = Tensor(shape: [2, 2], scalars: [1, 2.5, -3, 4] as [Float])
    #expect(t.description.contains("shape: [2, 2]"))
    #expect(t.description.contains("float32"))
    #expect(t.description.contains("2.5"))
    #expect(t.description.contains("-3"))
  }

  @Test("softplus: log 2 at 0, x beyond the threshold, e^x far below 0, gradient σ(βx)")
  func softplusValues() {
    let x = Tensor(shape: [5], scalars: [-50, -1, 0, 1, 30] as [Double]).requiringGrad()
    let y = x.softplus()
    let v = y.doubleScalars
    #expect(abs(v[0] - Foundation.exp(-50)) < 1e-36)  // log(1 + ε) ≈ ε, not 0
    #expect(abs(v[1] - Foundation.log(1 + Foundation.exp(-1))) < 1e-15)
    #expect(abs(v[2] - Foundation.log(2)) < 1e-15)
    #expect(abs(v[3] - v[1] - 1) < 1e-15)  // softplus(x) − softplus(−x) = x
    #expect(v[4] == 30)  // β·x = 30 > 20: x itself
    y.sum().backward()
    let g = x.grad!.doubleScalars
    #expect(abs(g[2] - 0.5) < 1e-15)  // σ(0)
    #expect(abs(g[3] - 1 / (1 + Foundation.exp(-1))) < 1e-15)
    #expect(g[4] == 1)
    // β = 2: (1/2)·log(1 + e²) = 1 + (1/2)·log(1 + e⁻²).
    let b = Tensor(shape: [1], scalars: [1.0] as [Double]).softplus(beta: 2).item()
    #expect(abs(b - (1 + 0.5 * Foundation.log(1 + Foundation.exp(-2)))) < 1e-15)
    let f = Tensor(shape: [2], scalars: [0, 30] as [Float]).softplus().scalars  // float32 too
    #expect(abs(f[0] - 0.6931472) < 1e-7 && f[1] == 30)
  }

  @Test("dropout: identity in eval mode, inverted scaling in training, seeded mask")
  func dropoutValues() {
    let x = Tensor.ones([10_000])
    #expect(dropout(x, p: 0.5, training: false).scalars == x.scalars)
    let y = dropout(x, p: 0.25, generator: Generator(seed: 1)).scalars
    #expect(Set(y) == [0, Float(1 / 0.75)])
    let kept = Double(y.filter { $0 > 0 }.count) / 10_000
    #expect(abs(kept - 0.75) < 0.02)
    #expect(dropout(x, p: 0.25, generator: Generator(seed: 1)).scalars == y)
  }
}

/// A direct convolution with nested loops, independent of im2col and GEMM.
func naiveConv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor, stride: Int, padding: Int) -> Tensor {
  let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
  let oh = (h + 2 * padding - kh) / stride + 1
  let ow = (wd + 2 * padding - kw) / stride + 1
  let xs = x.doubleScalars
  let ws = w.doubleScalars
  let bs = b.doubleScalars
  var out = [Double](repeating: 0, count: n * o * oh * ow)
  for i in 0..<n {
    for f in 0..<o {
      for y in 0..<oh {
        for z in 0..<ow {
          var acc = bs[f]
          for ch in 0..<c {
            for p in 0..<kh {
              for q in 0..<kw {
                let iy = y * stride - padding + p
                let ix = z * stride - padding + q
                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                acc += xs[((i * c + ch) * h + iy) * wd + ix] * ws[((f * c + ch) * kh + p) * kw + q]
              }
            }
          }
          out[((i * o + f) * oh + y) * ow + z] = acc
        }
      }
    }
  }
  return Tensor(shape: [n, o, oh, ow], scalars: out)
}

@Suite("Semantics of the selection ops at their edges")
struct SelectionEdgeTests {
  @Test("maximum and minimum split the gradient evenly at ties, as PyTorch")
  func tiesSplitTheGradient() {
    let a = Tensor(shape: [3], scalars: [1, 2, 3] as [Double]).requiringGrad()
    let b = Tensor(shape: [3], scalars: [1, 0, 5] as [Double]).requiringGrad()
    (Tensor.maximum(a, b) + Tensor.minimum(a, b) * 10).sum().backward()
    #expect(a.grad!.doubleScalars == [5.5, 1, 10])
    #expect(b.grad!.doubleScalars == [5.5, 10, 1])
  }

  @Test("embedding's padding row is returned but gets no gradient")
  func embeddingPaddingIndex() {
    let weight = Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6] as [Double]).requiringGrad()
    let indices = Tensor(shape: [2, 2], indices: [0, 2, 2, 1])
    let out = embedding(indices, weight: weight, paddingIndex: 2)
    #expect(out.shape == [2, 2, 2])
    #expect(out.doubleScalars == [1, 2, 5, 6, 5, 6, 3, 4])
    out.sum().backward()
    #expect(weight.grad!.doubleScalars == [1, 1, 1, 1, 0, 0])
  }

  @Test("the 2-norm of the zero vector has gradient 0, not NaN")
  func normAtZero() {
    let x = Tensor.zeros([3], dtype: .float64).requiringGrad()
    x.norm().backward()
    #expect(x.grad!.doubleScalars == [0, 0, 0])
    let result = gradcheck("norm at 0", inputs: [Tensor.zeros([3], dtype: .float64)]) {
      $0[0].norm()
    }
    #expect(result.passed, "\(result)")
  }

  @Test("topk returns values and indices in order, lower index first among ties")
  func topkOrder() {
    let x = Tensor(shape: [2, 4], scalars: [1, 3, 3, 2, 0, -1, 4, 4] as [Float])
    let (values, indices) = x.topk(3)
    #expect(values.scalars == [3, 3, 2, 4, 4, 0])
    #expect(indices.indices == [1, 2, 3, 2, 3, 0])
    #expect(x.topk(2, largest: false).indices.indices == [0, 3, 1, 0])
  }

  @Test("matmul follows torch.matmul's shape rules")
  func matmulShapes() {
    #expect(Tensor.ones([3]).matmul(Tensor.ones([3])).shape == [])
    #expect(Tensor.ones([2, 3]).matmul(Tensor.ones([3])).shape == [2])
    #expect(Tensor.ones([3]).matmul(Tensor.ones([4, 3, 5])).shape == [4, 5])
    #expect(Tensor.ones([2, 1, 4, 3]).matmul(Tensor.ones([5, 3, 2])).shape == [2, 5, 4, 2])
    #expect(
      Tensor.ones([2, 1, 4, 3]).matmul(Tensor.ones([5, 3, 2])).doubleScalars.allSatisfy { $0 == 3 })
  }
}
