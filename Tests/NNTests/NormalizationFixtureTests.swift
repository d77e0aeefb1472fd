import Foundation
import NN
import Testing

/// BatchNorm1d/2d, LayerNorm, GroupNorm, Embedding and the average pools against PyTorch fixtures on the same weights
/// (`Scripts/make_normalization_fixtures.py`, float32, within 1e-5 relative): the state_dict
/// loads under PyTorch's keys, and the training output, every gradient, the running statistics
/// after the step and the evaluation output agree.
@Suite("Normalization and embedding layers match PyTorch")
struct NormalizationFixtureTests {
  static let f = loadFixture("nn/normalization")

  /// `actual` against the fixture's `key`, within 1e-5.
  static func expectMatch(
    _ actual: Tensor?, _ key: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    expectFixtureMatch(actual, f, key, tolerance: 1e-5, sourceLocation: sourceLocation)
  }

  static func layer(_ name: String) -> Module {
    switch name {
    case "bn1d": BatchNorm1d(3)
    case "bn1d_seq": BatchNorm1d(3, momentum: nil)
    case "bn2d": BatchNorm2d(2)
    case "ln": LayerNorm([4, 3])
    case "gn": GroupNorm(2, 4)
    case "avg": AvgPool2d(3, stride: 2, padding: 1)
    case "adaptive": AdaptiveAvgPool2d((3, 2))
    default: Embedding(6, 3, paddingIndex: 2)
    }
  }

  @Test("state_dict keys, training output, gradients, running statistics and eval output", arguments: ["bn1d", "bn1d_seq", "bn2d", "ln", "emb", "gn", "avg", "adaptive"])
  func matchesPyTorch(_ name: String) throws {
    let f = Self.f
    let module = Self.layer(name)
    var initial = [String: Tensor]()
    for (k, v) in f where k.hasPrefix("\(name).init.") { initial[String(k.dropFirst("\(name).init.".count))] = v }
    #expect(Set(module.stateDict().keys) == Set(initial.keys))
    try module.loadStateDict(initial)
    module.train()
    let x = f["\(name).x"]!
    let input = x.dtype == .int64 ? x : x.requiringGrad()
    let y = module(input)
    Self.expectMatch(y, "\(name).y")
    let wrt = (x.dtype == .int64 ? [] : [input]) + module.parameters()
    let grads = grad([(y * f["\(name).c"]!).sum()], wrt, allowUnused: true)
    if x.dtype != .int64 { Self.expectMatch(grads[0], "\(name).grad.input") }
    let offset = x.dtype == .int64 ? 0 : 1
    for (i, (key, _)) in module.namedParameters().enumerated() {
      Self.expectMatch(grads[offset + i], "\(name).grad.\(key)")
    }
    for (key, value) in module.stateDict() { Self.expectMatch(value, "\(name).after.\(key)") }
    module.eval()
    Self.expectMatch(noGrad { module(x) }, "\(name).eval")
  }

  @Test("a batch-norm model evaluates the same after a save and a reload")
  func batchNormRoundTrip() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("bn-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    manualSeed(4)
    let model = Sequential { Linear(3, 4); BatchNorm1d(4); ReLU(); Linear(4, 2) }
    for _ in 0..<5 { _ = model(Tensor.randn([8, 3])) }
    model.eval()
    let x = Tensor.randn([5, 3])
    try model.save(to: url)
    manualSeed(5)
    let fresh = Sequential { Linear(3, 4); BatchNorm1d(4); ReLU(); Linear(4, 2) }
    try fresh.load(from: url)
    fresh.eval()
    #expect(fresh(x).scalars == model(x).scalars)
    #expect(Set(model.stateDict().keys).contains("1.num_batches_tracked"))
    #expect(fresh.stateDict()["1.num_batches_tracked"]!.indices == [5])
  }
}
