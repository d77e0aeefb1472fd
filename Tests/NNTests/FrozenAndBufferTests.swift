import Foundation
import NN
import Testing

/// A module with a running-statistics buffer, a non-persistent buffer and a constant.
private final class Normalizer: Module, @unchecked Sendable {
  let fc = Linear(3, 2, generator: Generator(seed: 1))
  let runningMean = Tensor.zeros([3])
  let scratch = Tensor.ones([3])
  let constant = Tensor.ones([1])
  override init() {
    super.init()
    registerBuffer("runningMean")
    registerBuffer("scratch", persistent: false)
  }
  override func forward(_ input: Tensor) -> Tensor {
    if isTraining {
      noGrad { runningMean.assign(runningMean * 0.9 + input.mean(dim: 0) * 0.1) }
    }
    return fc(input - runningMean)
  }
}

private func temporaryURL(_ name: String) -> URL {
  FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).safetensors")
}

@Suite("Frozen parameters, buffers and state dicts")
struct FrozenAndBufferTests {
  @Test("a frozen parameter stays a parameter, in the state dict and in every copy")
  func frozenStaysAParameter() {
    let layer = Linear(4, 3)
    var weight = layer.weight
    weight.requiresGrad = false
    #expect(layer.weight.isFrozen && !layer.weight.requiresGrad)
    #expect(layer.namedParameters().map(\.name) == ["weight", "bias"])
    #expect(Set(layer.stateDict().keys) == ["weight", "bias"])
    let x = Tensor.randn([2, 4])
    layer(x).sum().backward()
    #expect(layer.weight.grad == nil)
    #expect(layer.bias!.grad != nil)
    weight.requiresGrad = true
    #expect(layer.weight.requiresGrad)
  }

  @Test("requiresGrad(_:) on a module freezes every parameter; optimizers skip them")
  func moduleRequiresGrad() {
    let model = Sequential { Linear(3, 4); ReLU(); Linear(4, 2) }
    let head = model.layers[2]
    model.requiresGrad(false)
    head.requiresGrad(true)
    #expect(model.parameters().map(\.isFrozen) == [true, true, false, false])
    let before = model.parameters().map(\.scalars)
    let optimizer = Adam(model.parameters(), learningRate: 0.1)  // accepts frozen parameters
    model(Tensor.randn([5, 3])).sum().backward()
    optimizer.step()
    let after = model.parameters().map(\.scalars)
    #expect(after[0] == before[0] && after[1] == before[1])
    #expect(after[2] != before[2] && after[3] != before[3])
  }

  @Test("freeze, train, save, load into a fresh model: the same outputs")
  func freezeRoundTrip() throws {
    let url = temporaryURL("frozen")
    defer { try? FileManager.default.removeItem(at: url) }
    manualSeed(3)
    let model = Sequential { Linear(3, 4); ReLU(); Linear(4, 2) }
    model.layers[0].requiresGrad(false)
    let optimizer = SGD(model.parameters(), learningRate: 0.1)
    let x = Tensor.randn([6, 3])
    for _ in 0..<3 {
      optimizer.zeroGrad()
      model(x).pow(2).mean().backward()
      optimizer.step()
    }
    try model.save(to: url)
    manualSeed(99)
    let fresh = Sequential { Linear(3, 4); ReLU(); Linear(4, 2) }
    try fresh.load(from: url)
    #expect(fresh(x).scalars == model(x).scalars)
    // A full checkpoint also loads into a frozen model.
    let frozen = Sequential { Linear(3, 4); ReLU(); Linear(4, 2) }.requiresGrad(false)
    try frozen.load(from: url)
    #expect(frozen(x).scalars == model(x).scalars)
  }

  @Test("persistent buffers are saved and loaded; non-persistent ones and constants are not")
  func buffers() throws {
    let a = Normalizer()
    #expect(a.namedParameters().map(\.name) == ["fc.weight", "fc.bias"])
    #expect(a.namedBuffers().map(\.name) == ["runningMean", "scratch"])
    #expect(Set(a.stateDict().keys) == ["fc.weight", "fc.bias", "runningMean"])
    _ = a(Tensor(shape: [2, 3], scalars: [1, 2, 3, 3, 4, 5]))
    #expect(a.runningMean.scalars.map { ($0 * 1000).rounded() } == [200, 300, 400])
    let url = temporaryURL("buffers")
    defer { try? FileManager.default.removeItem(at: url) }
    try a.save(to: url)
    let b = Normalizer()
    try b.load(from: url)
    #expect(b.runningMean.scalars == a.runningMean.scalars)
    a.eval()
    b.eval()
    let x = Tensor.randn([4, 3])
    #expect(a(x).scalars == b(x).scalars)
  }

  @Test("loadStateDict(strict: false) loads what matches and reports missing and unexpected keys")
  func nonStrictLoad() throws {
    let layer = Linear(2, 2)
    var dict = Linear(2, 2, generator: Generator(seed: 5)).stateDict()
    dict["bias"] = nil
    dict["extra.weight"] = Tensor.zeros([1])
    #expect(throws: CheckpointError.self) { try layer.loadStateDict(dict) }
    let result = try layer.loadStateDict(dict, strict: false)
    #expect(result.missingKeys == ["bias"])
    #expect(result.unexpectedKeys == ["extra.weight"])
    #expect(layer.weight.scalars == dict["weight"]!.scalars)
  }

  @Test("ModuleList and ModuleDict name their children; apply visits children first")
  func containers() {
    final class Net: Module, @unchecked Sendable {
      let blocks = ModuleList([Linear(2, 2), Linear(2, 1)])
      let heads = ModuleDict([("policy", Linear(1, 3)), ("value", Linear(1, 1, bias: false))])
    }
    let net = Net()
    #expect(
      net.namedParameters().map(\.name) == [
        "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias",
        "heads.policy.weight", "heads.policy.bias", "heads.value.weight",
      ])
    var order = [String]()
    net.apply { order.append(String(describing: type(of: $0))) }
    #expect(order.last == "Net")
    #expect(order.first == "Linear")
    net.apply { module in
      if let linear = module as? Linear { linear.weight.assign(Tensor.zeros(like: linear.weight)) }
    }
    #expect(net.parameters().filter { $0.rank == 2 }.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } })
  }
}
