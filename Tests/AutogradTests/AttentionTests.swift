import Autograd
import Testing

/// The composed ops that `fusedAttention` replaces: the test oracle.
private func composedAttention(
  _ q: Tensor, _ k: Tensor, _ v: Tensor, scale: Double, causal: Bool, dropoutP: Double,
  seed: UInt64
) -> Tensor {
  let (l, s) = (q.shape[q.rank - 2], k.shape[k.rank - 2])
  var scores = q.matmul(k.transpose(-2, -1)) * scale
  if causal {
    var bias = [Double](repeating: 0, count: l * s)
    for i in 0..<l { for j in (i + 1)..<max(i + 1, s) { bias[i * s + j] = -.infinity } }
    scores = scores + Tensor(shape: [l, s], scalars: bias).to(q.dtype)
  }
  var w = scores.softmax(dim: -1)
  if dropoutP > 0 { w = dropout(w, p: dropoutP, generator: Generator(seed: seed)) }
  return w.matmul(v)
}

@Suite("fusedAttention")
struct AttentionTests {
  let q = Tensor.randn([3, 4, 17, 8], generator: Generator(seed: 1))
  let k = Tensor.randn([3, 4, 23, 8], generator: Generator(seed: 2))
  let v = Tensor.randn([3, 4, 23, 6], generator: Generator(seed: 3))

  @Test(
    "matches the composed ops, forward and backward (causal or not, with or without dropout)",
    arguments: [(false, 0.0), (true, 0.0), (true, 0.25)])
  func matchesComposed(causal: Bool, dropoutP: Double) {
    let fused = valueAndGradients([q, k, v]) {
      fusedAttention(
        $0[0], $0[1], $0[2], scale: 0.35, isCausal: causal, dropoutP: dropoutP,
        generator: Generator(seed: 5))
    }
    let composed = valueAndGradients([q, k, v]) {
      composedAttention(
        $0[0], $0[1], $0[2], scale: 0.35, causal: causal, dropoutP: dropoutP, seed: 5)
    }
    for (name, (a, b)) in zip(["output", "dq", "dk", "dv"], zip(fused, composed)) {
      #expect(a.count == b.count)
      let worst = zip(a, b).map { abs($0 - $1) / (1e-3 + abs($1)) }.max() ?? 0
      #expect(worst < 1e-4, "\(name): relative difference \(worst)")
    }
  }

  @Test("gives the same bits for 1, 2 and 3 threads")
  func bitIdenticalAcrossThreads() {
    expectSameBitsForAnyThreadCount([q, k, v]) {
      fusedAttention(
        $0[0], $0[1], $0[2], scale: 0.35, isCausal: true, dropoutP: 0.1,
        generator: Generator(seed: 5))
    }
  }

  @Test("a single entry (the GEMMs split over the threads) equals the batched result")
  func singleEntry() {
    let all = noGrad { fusedAttention(q, k, v, scale: 0.35, isCausal: true) }
    let first = noGrad {
      fusedAttention(
        q.slice(dim: 0, start: 0, end: 1).slice(dim: 1, start: 0, end: 1),
        k.slice(dim: 0, start: 0, end: 1).slice(dim: 1, start: 0, end: 1),
        v.slice(dim: 0, start: 0, end: 1).slice(dim: 1, start: 0, end: 1), scale: 0.35,
        isCausal: true)
    }
    #expect(first.scalars == Array(all.scalars[0..<(17 * 6)]))
  }
}

/// `fusedSelfAttention`'s definition in ops: the heads split out of the packed projection,
/// `fusedAttention` on each, and the heads merged back.
private func splitFuseMerge(
  _ x: Tensor, heads: Int, batchFirst: Bool, causal: Bool, dropoutP: Double
) -> Tensor {
  let (a, b, e) = (x.shape[0], x.shape[1], x.shape[2] / 3)
  let d = e / heads
  let split = x.reshape([a, b, 3, heads, d]).permute(
    batchFirst ? [2, 0, 3, 1, 4] : [2, 1, 3, 0, 4])
  func part(_ i: Int) -> Tensor { split.slice(dim: 0, start: i, end: i + 1).squeeze(dim: 0) }
  let out = fusedAttention(
    part(0), part(1), part(2), scale: 1 / Double(d).squareRoot(), isCausal: causal,
    dropoutP: dropoutP, generator: Generator(seed: 5))
  return out.permute(batchFirst ? [0, 2, 1, 3] : [2, 0, 1, 3]).reshape([a, b, e])
}

@Suite("fusedSelfAttention")
struct SelfAttentionTests {
  @Test(
    "equals the heads split out, fusedAttention and the heads merged, bit for bit (values and gradient)",
    arguments: [(true, true, 0.0), (false, false, 0.0), (true, true, 0.2), (false, true, 0.2)])
  func matchesSplitAttentionMerge(batchFirst: Bool, causal: Bool, dropoutP: Double) {
    // E = 3 heads of 5; 19 positions (ragged vectors) and 3 sequences.
    let x = Tensor.randn(batchFirst ? [3, 19, 45] : [19, 3, 45], generator: Generator(seed: 21))
    let fused = valueAndGradients([x]) {
      fusedSelfAttention(
        $0[0], heads: 3, batchFirst: batchFirst, isCausal: causal, dropoutP: dropoutP,
        generator: Generator(seed: 5))
    }
    let composed = valueAndGradients([x]) {
      splitFuseMerge($0[0], heads: 3, batchFirst: batchFirst, causal: causal, dropoutP: dropoutP)
    }
    #expect(fused[0].map(\.bitPattern) == composed[0].map(\.bitPattern), "output")
    #expect(fused[1].map(\.bitPattern) == composed[1].map(\.bitPattern), "gradient")
  }

  @Test(
    "its createGraph rule gives the same gradient and a second derivative that matches the split form's"
  )
  func secondOrder() {
    let x = Tensor.randn([2, 6, 12], generator: Generator(seed: 22)).to(.float64).requiringGrad()
    let r = Tensor.randn([2, 6, 4], generator: Generator(seed: 23)).to(.float64)
    func gradients(_ f: (Tensor) -> Tensor) -> ([Double], [Double]) {
      let g = grad((f(x) * r).sum(), x, createGraph: true)
      return (g.doubleScalars, grad(g.pow(2).sum(), x).doubleScalars)
    }
    let fused = gradients { fusedSelfAttention($0, heads: 2, isCausal: true) }
    let split = gradients {
      splitFuseMerge($0, heads: 2, batchFirst: true, causal: true, dropoutP: 0)
    }
    for (name, (a, b)) in zip(
      ["gradient", "second derivative"], [(fused.0, split.0), (fused.1, split.1)])
    {
      let worst = zip(a, b).map { abs($0 - $1) / (1e-9 + abs($1)) }.max() ?? 0
      #expect(worst < 1e-9, "\(name): relative difference \(worst)")
    }
  }

  @Test("gives the same bits for 1, 2 and 3 threads")
  func bitIdenticalAcrossThreads() {
    expectSameBitsForAnyThreadCount([Tensor.randn([4, 33, 48], generator: Generator(seed: 24))]) {
      fusedSelfAttention(
        $0[0], heads: 4, isCausal: true, dropoutP: 0.1, generator: Generator(seed: 5))
    }
  }
}

@Suite("lstmCell")
struct LSTMCellTests {
  @Test("matches the composed gate ops, forward and backward, in float32 and float64")
  func matchesComposed() {
    for dtype in [DType.float32, .float64] {
      let gates = Tensor.randn([20, 4 * 37], dtype: dtype, generator: Generator(seed: 11))
      let c = Tensor.randn([20, 37], dtype: dtype, generator: Generator(seed: 12))
      func run(_ cell: (Tensor, Tensor) -> (Tensor, Tensor)) -> [[Double]] {
        let (g, s) = (gates.requiringGrad(), c.requiringGrad())
        let (h, cNext) = cell(g, s)
        let r1 = Tensor.uniform(
          h.shape, low: -1, high: 1, dtype: dtype, generator: Generator(seed: 13))
        let r2 = Tensor.uniform(
          h.shape, low: -1, high: 1, dtype: dtype, generator: Generator(seed: 14))
        ((h * r1).sum() + (cNext * r2).sum()).backward()
        return [h, cNext, g.grad!, s.grad!].map(\.doubleScalars)
      }
      let fused = run { lstmCell(gates: $0, c: $1) }
      let composed = run { gates, c in
        let g = gates.chunk(4, dim: -1)
        let cNext = g[1].sigmoid() * c + g[0].sigmoid() * g[2].tanh()
        return (g[3].sigmoid() * cNext.tanh(), cNext)
      }
      for (name, (a, b)) in zip(["h", "c", "dgates", "dc"], zip(fused, composed)) {
        let worst = zip(a, b).map { abs($0 - $1) / (1e-3 + abs($1)) }.max() ?? 0
        #expect(worst < (dtype == .float32 ? 1e-5 : 1e-12), "\(dtype) \(name): \(worst)")
      }
    }
  }
}
