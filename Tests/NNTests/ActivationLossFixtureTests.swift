import Foundation
import NN
import Testing

/// Activations (values, gradients and second derivatives) and losses (every reduction and the
/// gradient) against PyTorch float64 fixtures (`Scripts/make_activation_loss_fixtures.py`),
/// within 1e-10 relative.
@Suite("Activations and losses match PyTorch")
struct ActivationLossFixtureTests {
  static let f = loadFixture("nn/activations_losses")

  /// `actual` against the fixture's `key`, within 1e-10.
  static func expectMatch(
    _ actual: Tensor?, _ key: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    expectFixtureMatch(actual, f, key, tolerance: 1e-10, sourceLocation: sourceLocation)
  }

  static func activations() -> [(String, Module)] {
    [
    ("gelu", GELU()), ("gelu_tanh", GELU(approximate: .tanh)), ("silu", SiLU()),
    ("leaky_relu", LeakyReLU(negativeSlope: 0.1)), ("elu", ELU(alpha: 1.5)), ("mish", Mish()),
    ("hardtanh", Hardtanh()), ("softsign", Softsign()), ("logsigmoid", LogSigmoid()),
    ]
  }

  @Test("activation layers: values, gradients and second derivatives", arguments: 0..<9)
  func activation(_ index: Int) {
    let (name, layer) = Self.activations()[index]
    let x = Self.f["act.x"]!.requiringGrad()
    let y = layer(x)
    Self.expectMatch(y, "\(name).y")
    let g = grad([(y * Self.f["act.c"]!).sum()], [x], createGraph: true)[0]!
    Self.expectMatch(g, "\(name).grad")
    // The gradient of leakyRelu (a `where`) does not depend on x, so it has no graph: zeros.
    let h = grad((g * Self.f["act.v"]!).sum(), x)
    Self.expectMatch(h, "\(name).grad2")
  }

  @Test("Identity returns its input")
  func identity() {
    let x = Self.f["act.x"]!
    #expect(Identity()(x).doubleScalars == x.doubleScalars)
  }

  @Test("crossEntropy with weight, ignoreIndex and label smoothing; nllLoss with weight")
  func classification() {
    let (logits, targets, weight) = (Self.f["cls.logits"]!, Self.f["cls.targets"]!, Self.f["cls.weight"]!)
    let cases: [(String, Tensor?, Double)] = [
      ("ce", nil, 0), ("ce_w", weight, 0), ("ce_w_smooth", weight, 0.2), ("ce_smooth", nil, 0.2),
    ]
    for (name, w, smoothing) in cases {
      for (reduction, key) in [(Reduction.mean, "mean"), (.sum, "sum"), (.none, "none")] {
        let l = logits.requiringGrad()
        let loss = crossEntropy(l, targets, weight: w, reduction: reduction, labelSmoothing: smoothing)
        Self.expectMatch(loss, "\(name).\(key)")
        if reduction == .mean { Self.expectMatch(grad(loss, l), "\(name).grad") }
      }
    }
    for (reduction, key) in [(Reduction.mean, "mean"), (.sum, "sum"), (.none, "none")] {
      let logp = Self.f["nll.logp"]!.requiringGrad()
      let loss = nllLoss(logp, targets, weight: weight, reduction: reduction)
      Self.expectMatch(loss, "nll_w.\(key)")
      if reduction == .mean { Self.expectMatch(grad(loss, logp), "nll_w.grad") }
    }
  }

  @Test("binary, regression and KL-divergence losses in every reduction")
  func otherLosses() {
    let (t, b, pw) = (Self.f["bin.t"]!, Self.f["reg.b"]!, Self.f["bin.pos_weight"]!)
    let losses: [(String, String, (Tensor, Reduction) -> Tensor)] = [
      ("bce", "bin.p", { binaryCrossEntropy($0, t, reduction: $1) }),
      ("bce_logits", "bin.z", { binaryCrossEntropyWithLogits($0, t, reduction: $1) }),
      ("bce_logits_pw", "bin.z", { binaryCrossEntropyWithLogits($0, t, posWeight: pw, reduction: $1) }),
      ("l1", "reg.a", { l1Loss($0, b, reduction: $1) }),
      ("smooth_l1", "reg.a", { smoothL1Loss($0, b, beta: 0.7, reduction: $1) }),
      ("huber", "reg.a", { huberLoss($0, b, delta: 1.3, reduction: $1) }),
    ]
    for (name, inputKey, loss) in losses {
      for (reduction, key) in [(Reduction.mean, "mean"), (.sum, "sum"), (.none, "none")] {
        let input = Self.f[inputKey]!.requiringGrad()
        let value = loss(input, reduction)
        Self.expectMatch(value, "\(name).\(key)")
        if reduction == .mean { Self.expectMatch(grad(value, input), "\(name).grad") }
      }
    }
    let (q, target, logTarget) = (Self.f["kl.input"]!, Self.f["kl.target"]!, Self.f["kl_log.target"]!)
    for (reduction, key) in [
      (KLDivReduction.mean, "mean"), (.batchMean, "batchmean"), (.sum, "sum"), (.none, "none"),
    ] {
      let input = q.requiringGrad()
      let value = klDiv(input, target, reduction: reduction)
      Self.expectMatch(value, "kl.\(key)")
      if reduction == .batchMean { Self.expectMatch(grad(value, input), "kl.grad") }
      Self.expectMatch(klDiv(q, logTarget, reduction: reduction, logTarget: true), "kl_log.\(key)")
    }
  }
}
