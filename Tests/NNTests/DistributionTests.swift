import Foundation
import NN
import Testing

/// Normal, Bernoulli, Categorical's KL divergence and gradient clipping against PyTorch
/// (`Scripts/make_distribution_fixtures.py`, float64, within 1e-10), and the sampling ops by
/// their statistics.
@Suite("Distributions and gradient clipping")
struct DistributionTests {
  static let f = loadFixture("nn/distributions")

  /// `actual` against the fixture's `key`, within 1e-10.
  static func expectMatch(
    _ actual: Tensor?, _ key: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    expectFixtureMatch(actual, f, key, tolerance: 1e-10, sourceLocation: sourceLocation)
  }

  @Test("Normal: logProb, entropy, KL divergence and their gradients")
  func normal() {
    let f = Self.f
    let (loc, scale) = (f["normal.loc"]!.requiringGrad(), f["normal.scale"]!.requiringGrad())
    let p = Normal(loc: loc, scale: scale)
    let q = Normal(loc: f["normal.loc2"]!, scale: f["normal.scale2"]!)
    Self.expectMatch(p.logProb(f["normal.value"]!), "normal.log_prob")
    Self.expectMatch(p.entropy(), "normal.entropy")
    Self.expectMatch(p.klDivergence(q), "normal.kl")
    let total = p.logProb(f["normal.value"]!).sum() + 2 * p.entropy().sum() + 3 * p.klDivergence(q).sum()
    let g = grad([total], [loc, scale])
    Self.expectMatch(g[0], "normal.grad_loc")
    Self.expectMatch(g[1], "normal.grad_scale")
  }

  @Test("Normal: rsample is reparameterised, sample is not; draws have the right moments")
  func normalSampling() {
    let loc = Tensor.full([20_000], value: 1.5, dtype: .float64).requiringGrad()
    let scale = Tensor.full([20_000], value: 0.5, dtype: .float64).requiringGrad()
    let m = Normal(loc: loc, scale: scale)
    let z = m.rsample(using: Generator(seed: 3))
    let values = z.doubleScalars
    let mean = values.reduce(0, +) / Double(values.count)
    let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
    #expect(Swift.abs(mean - 1.5) < 0.02 && Swift.abs(sd - 0.5) < 0.02, "mean \(mean), sd \(sd)")
    z.sum().backward()
    #expect(loc.grad!.doubleScalars.allSatisfy { $0 == 1 })
    let eps = (z.detached() - 1.5) / 0.5
    #expect(zip(scale.grad!.doubleScalars, eps.doubleScalars).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
    #expect(!m.sample().requiresGrad)
  }

  @Test("Bernoulli from logits and from probs: logProb, entropy and gradient; sample frequencies")
  func bernoulli() {
    let f = Self.f
    let logits = f["bernoulli.logits"]!.requiringGrad()
    let b = Bernoulli(logits: logits)
    let x = f["bernoulli.value"]!
    Self.expectMatch(b.logProb(x), "bernoulli.log_prob")
    Self.expectMatch(b.entropy(), "bernoulli.entropy")
    Self.expectMatch(grad(b.logProb(x).sum() + b.entropy().sum(), logits), "bernoulli.grad")
    let fromProbs = Bernoulli(probs: f["bernoulli.probs"]!)
    Self.expectMatch(fromProbs.logProb(x), "bernoulli.log_prob_probs")
    Self.expectMatch(fromProbs.entropy(), "bernoulli.entropy_probs")
    let draws = Bernoulli(probs: Tensor.full([50_000], value: 0.3)).sample(using: Generator(seed: 4))
    let rate = draws.doubleScalars.reduce(0, +) / 50_000
    #expect(Swift.abs(rate - 0.3) < 0.01, "rate \(rate)")
  }

  @Test("Categorical KL divergence and its gradient")
  func categoricalKL() {
    let a = Self.f["categorical.a"]!.requiringGrad()
    let kl = Categorical(logits: a).klDivergence(Categorical(logits: Self.f["categorical.c"]!))
    Self.expectMatch(kl, "categorical.kl")
    Self.expectMatch(grad(kl.sum(), a), "categorical.grad")
  }

  @Test("clipGradNorm (2 and infinity norms, and a no-op) and clipGradValue")
  func clipping() {
    let f = Self.f
    func parameters() -> [Tensor] {
      [f["clip.g0"]!, f["clip.g1"]!].map { g in
        let p = Tensor.zeros(like: g).requiringGrad()
        p.grad = g
        return p
      }
    }
    for (name, norm, maxNorm) in [("norm2", 2.0, 1.5), ("norminf", Double.infinity, 0.7), ("norm2_noop", 2.0, 100.0)] {
      let ps = parameters()
      let total = clipGradNorm(ps, maxNorm: maxNorm, normType: norm)
      Self.expectMatch(Tensor(total, dtype: .float64), "clip.\(name).total")
      Self.expectMatch(ps[0].grad, "clip.\(name).g0")
      Self.expectMatch(ps[1].grad, "clip.\(name).g1")
    }
    let ps = parameters()
    clipGradValue(ps, 0.8)
    Self.expectMatch(ps[0].grad, "clip.value.g0")
    Self.expectMatch(ps[1].grad, "clip.value.g1")
  }

  @Test("gumbelSoftmax: soft rows sum to 1, hard rows are one-hot with the soft gradient, argmax follows softmax")
  func gumbel() {
    let logits = Tensor(shape: [1, 3], scalars: [0.0, 1.0, 2.0] as [Double]).expand([30_000, 3]).requiringGrad()
    let soft = gumbelSoftmax(logits, tau: 0.5, generator: Generator(seed: 8))
    let rows = soft.sum(dim: 1).doubleScalars
    #expect(rows.allSatisfy { Swift.abs($0 - 1) < 1e-12 })
    let hard = gumbelSoftmax(logits, tau: 0.5, hard: true, generator: Generator(seed: 8))
    let h = hard.doubleScalars
    #expect(h.allSatisfy { Swift.abs($0) < 1e-12 || Swift.abs($0 - 1) < 1e-12 })
    let weights = Tensor.randn([30_000, 3], dtype: .float64, generator: Generator(seed: 9))
    let gHard = grad((hard * weights).sum(), logits)
    let gSoft = grad((soft * weights).sum(), logits)
    #expect(zip(gHard.doubleScalars, gSoft.doubleScalars).allSatisfy { Swift.abs($0 - $1) < 1e-9 })
    // The hard sample's category is distributed as softmax(logits) (the Gumbel-max trick).
    var counts = [Double](repeating: 0, count: 3)
    for row in 0..<30_000 { for k in 0..<3 where h[row * 3 + k] > 0.5 { counts[k] += 1 } }
    let p = [1.0, Foundation.exp(1), Foundation.exp(2)].map { $0 / (1 + Foundation.exp(1) + Foundation.exp(2)) }
    let chi2 = zip(counts, p).map { ($0 - 30_000 * $1) * ($0 - 30_000 * $1) / (30_000 * $1) }.reduce(0, +)
    #expect(chi2 < 13.8, "chi-square \(chi2), counts \(counts)")
  }
}
