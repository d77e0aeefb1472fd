import Foundation
import NN
import Testing

/// Second derivatives against fixtures saved by PyTorch in float64
/// (`Scripts/make_higher_order_fixtures.py`), within 1e-10 relative.
@Suite("Second derivatives match PyTorch")
struct HigherOrderFixtureTests {
  static let tolerance = 1e-10

  static func fixture(_ name: String) throws -> [String: Tensor] {
    loadFixture("higher-order/\(name)")
  }

  /// `actual` against the fixture's `key`, within ``tolerance``.
  static func expectMatch(
    _ actual: Tensor?, _ f: [String: Tensor], _ key: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    expectFixtureMatch(actual, f, key, tolerance: tolerance, sourceLocation: sourceLocation)
  }

  @Test("d²/dx² of an elementwise composite")
  func elementwise() throws {
    let f = try Self.fixture("elementwise")
    let x = f["x"]!.requiringGrad()
    let y = (x.tanh() * (x * x).neg().exp() + x.sigmoid() * (x * x + 1).log()
      + x.softplus() * x.pow(3) / (1 + x * x))
    Self.expectMatch(y, f, "y")
    let d1 = grad([y.sum()], [x], createGraph: true)[0]!
    Self.expectMatch(d1, f, "d1")
    Self.expectMatch(grad([d1.sum()], [x])[0], f, "d2")
  }

  /// The MLP loss of the fixture as a function of its flat parameter vector.
  static func mlpLoss(_ f: [String: Tensor]) -> (Tensor) -> Tensor {
    let (x, targets) = (f["x"]!, f["targets"]!.reshape([5, 1]))
    return { theta in
      let w1 = theta.slice(dim: 0, start: 0, end: 12).reshape([4, 3])
      let b1 = theta.slice(dim: 0, start: 12, end: 16)
      let w2 = theta.slice(dim: 0, start: 16, end: 24).reshape([2, 4])
      let b2 = theta.slice(dim: 0, start: 24, end: 26)
      let logits = linear(linear(x, weight: w1, bias: b1).tanh(), weight: w2, bias: b2)
      return -logits.logSoftmax(dim: 1).gather(dim: 1, index: targets).mean()
    }
  }

  @Test("the Hessian, HVP and VHP of a small MLP loss")
  func mlpHessian() throws {
    let f = try Self.fixture("mlp_hessian")
    let loss = Self.mlpLoss(f)
    let theta = f["theta"]!
    Self.expectMatch(loss(theta), f, "loss")
    Self.expectMatch(gradient(loss, at: theta), f, "grad")
    Self.expectMatch(hessian(loss, at: theta), f, "hessian")
    Self.expectMatch(hvp(loss, at: theta, v: f["v"]!).hvp, f, "hvp")
    Self.expectMatch(vhp(loss, at: theta, v: f["v"]!).vhp, f, "vhp")
  }

  @Test("a WGAN-GP gradient penalty and its gradient with respect to the critic's weights")
  func wganGradientPenalty() throws {
    let f = try Self.fixture("wgan_gp")
    let names = ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    let p = names.map { f["critic.\($0)"]!.requiringGrad() }
    func critic(_ x: Tensor) -> Tensor {
      let h1 = linear(x, weight: p[0], bias: p[1]).relu()
      let h2 = linear(h1, weight: p[2], bias: p[3]).relu()
      return linear(h2, weight: p[4], bias: p[5])
    }
    let (real, fake, alpha) = (f["real"]!, f["fake"]!, f["alpha"]!)
    let interpolated = (alpha * real + (1 - alpha) * fake).requiringGrad()
    let gradients = grad([critic(interpolated).sum()], [interpolated], createGraph: true)[0]!
    Self.expectMatch(gradients, f, "input_grad")
    let norms = gradients.pow(2).sum(dim: 1).sqrt()
    let penalty = 10 * (norms - 1).pow(2).mean()
    Self.expectMatch(penalty, f, "gp")
    let penaltyGrads = grad([penalty], p, retainGraph: true, allowUnused: true)
    for (name, g) in zip(names, penaltyGrads) { Self.expectMatch(g, f, "gp_grad.\(name)") }
    let total = critic(fake).mean() - critic(real).mean() + penalty
    Self.expectMatch(total, f, "total")
    let totalGrads = grad([total], p, allowUnused: true)
    for (name, g) in zip(names, totalGrads) { Self.expectMatch(g, f, "total_grad.\(name)") }
  }

  @Test("conv2d double backward", arguments: ["s1", "s2", "lin"])
  func conv2dDoubleBackward(_ prefix: String) throws {
    let f = try Self.fixture("conv2d_double")
    func t(_ key: String) -> Tensor { f["\(prefix).\(key)"]! }
    let (x, w, b) = (t("x").requiringGrad(), t("w").requiringGrad(), t("b").requiringGrad())
    let (stride, padding) = prefix == "s2" ? (2, 0) : (1, 1)
    let y = conv2d(x, weight: w, bias: b, stride: stride, padding: padding)
    let loss = prefix == "lin" ? (y * t("u")).sum() : y.tanh().sum()
    let g = grad([loss], [x, w, b], createGraph: true)
    for (key, value) in zip(["gx", "gw", "gb"], g) { Self.expectMatch(value, f, "\(prefix).\(key)") }
    let s = (g[0]! * t("vx")).sum() + (g[1]! * t("vw")).sum() + (g[2]! * t("vb")).sum()
    Self.expectMatch(s, f, "\(prefix).s")
    let h = grad([s], [x, w, b], allowUnused: true)
    for (key, value) in zip(["hx", "hw", "hb"], h) { Self.expectMatch(value, f, "\(prefix).\(key)") }
  }

  @Test("maxPool2d double backward")
  func maxPoolDoubleBackward() throws {
    let f = try Self.fixture("maxpool_double")
    let x = f["x"]!.requiringGrad()
    let loss = (maxPool2d(x, kernelSize: 2).pow(2) * f["c"]!).sum()
    let gx = grad([loss], [x], createGraph: true)[0]!
    Self.expectMatch(gx, f, "gx")
    let s = (gx * f["v"]!).sum()
    Self.expectMatch(s, f, "s")
    Self.expectMatch(grad([s], [x])[0], f, "hx")
  }
}
