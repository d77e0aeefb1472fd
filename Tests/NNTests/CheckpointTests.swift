import Foundation
import NN
import Testing

private func temporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "swift-autograd-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

@Suite("Safetensors checkpoints")
struct CheckpointTests {
  @Test("a module round-trips through a file; the write leaves no temporary file")
  func roundTrip() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let a = makeMLP()
    let url = dir.appendingPathComponent("mlp.safetensors")
    try a.save(to: url)
    let b = makeMLP()
    #expect(a.parameters()[0].scalars != b.parameters()[0].scalars)
    try b.load(from: url)
    for (x, y) in zip(a.parameters(), b.parameters()) { #expect(x.scalars == y.scalars) }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["mlp.safetensors"])
  }

  @Test("a file written by PyTorch loads, with all three dtypes")
  func readsPyTorchFile() throws {
    let (tensors, _) = try Safetensors.read(
      from: fixturesDirectory.appendingPathComponent("nn/mlp.safetensors"))
    #expect(tensors["init.1.weight"]?.shape == [128, 784])
    #expect(tensors["targets"]?.dtype == .int64)
    #expect(tensors["input"]?.shape == [8, 1, 28, 28])
    let roundTrip = try Safetensors.decode(Safetensors.encode(tensors)).tensors
    #expect(roundTrip.keys.sorted() == tensors.keys.sorted())
    for (k, v) in tensors { #expect(roundTrip[k]!.doubleScalars == v.doubleScalars, "\(k)") }
  }

  @Test("model and optimizer state resume to the same numbers")
  func optimizerState() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    func train(_ model: Module, _ opt: Optimizer, steps: Int) {
      let gen = Generator(seed: 5)
      for _ in 0..<steps {
        opt.zeroGrad()
        let x = Tensor.randn([4, 1, 28, 28], generator: gen)
        crossEntropy(model(x), Tensor(shape: [4], indices: [0, 1, 2, 3])).backward()
        opt.step()
      }
    }
    manualSeed(1)
    let a = makeMLP()
    let adamA = Adam(a.parameters())
    train(a, adamA, steps: 3)
    let url = dir.appendingPathComponent("ckpt.safetensors")
    try saveCheckpoint(model: a, optimizer: adamA, metadata: ["step": "3"], to: url)
    train(a, adamA, steps: 2)
    let b = makeMLP()
    let adamB = Adam(b.parameters())
    let metadata = try loadCheckpoint(model: b, optimizer: adamB, from: url)
    #expect(metadata["step"] == "3")
    #expect(adamB.steps[0] == 3)
    train(b, adamB, steps: 2)
    for (x, y) in zip(a.parameters(), b.parameters()) { #expect(x.scalars == y.scalars) }
  }

  @Test("a missing key, a wrong shape and a wrong dtype throw errors naming the key")
  func badStateDicts() throws {
    let model = makeMLP()
    var dict = model.stateDict()
    dict.removeValue(forKey: "3.bias")
    #expect(throws: CheckpointError.self) { try model.loadStateDict(dict) }
    do {
      try model.loadStateDict(dict)
    } catch let error as CheckpointError {
      #expect(error.message.contains("missing key '3.bias'"))
      #expect(error.message.contains("[10]"))
    }
    dict["3.bias"] = Tensor.zeros([11])
    do {
      try model.loadStateDict(dict)
      Issue.record("a wrong shape loaded")
    } catch let error as CheckpointError {
      #expect(error.message.contains("'3.bias'") && error.message.contains("[11]") && error.message.contains("[10]"))
    }
    dict["3.bias"] = Tensor.zeros([10], dtype: .float64)
    do {
      try model.loadStateDict(dict)
      Issue.record("a wrong dtype loaded")
    } catch let error as CheckpointError {
      #expect(error.message.contains("float64") && error.message.contains("float32"))
    }
    dict["3.bias"] = Tensor.zeros([10])
    dict["extra.weight"] = Tensor.zeros([1])
    #expect(throws: CheckpointError.self) { try model.loadStateDict(dict) }
    try model.loadStateDict(dict, strict: false)
  }

  @Test("truncated, malformed and random files throw and never crash")
  func malformedFiles() throws {
    let good = Safetensors.encode(["a": Tensor.ones([3, 2]), "b": Tensor(shape: [2], indices: [1, 2])])
    func message(_ bytes: [UInt8]) -> String? {
      do {
        _ = try Safetensors.decode(bytes, source: "bad.safetensors")
        return nil
      } catch let error as CheckpointError {
        return error.description
      } catch {
        return "unexpected \(error)"
      }
    }
    #expect(message(Array(good.prefix(5)))?.contains("truncated") == true)
    #expect(message(Array(good.dropLast(4)))?.contains("outside") == true)
    var badLength = good
    badLength[0] = 0xFF
    badLength[3] = 0x7F
    #expect(message(badLength)?.contains("header length") == true)
    var badJSON = good
    badJSON[9] = UInt8(ascii: "!")
    #expect(message(badJSON)?.contains("JSON") == true)
    let text = String(decoding: good, as: UTF8.self).replacingOccurrences(of: "F32", with: "Q32")
    #expect(message(Array(text.utf8))?.contains("unsupported dtype Q32") == true)
    #expect(message(good)?.hasPrefix("bad.safetensors") != true)
    // Random corruptions: every outcome is a value or a thrown error.
    let gen = Generator(seed: 99)
    for _ in 0..<2_000 {
      var bytes = good
      for _ in 0..<(1 + Int(gen.next() % 4)) {
        bytes[Int(gen.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: gen.next())
      }
      if gen.next() % 3 == 0 { bytes = Array(bytes.prefix(Int(gen.next() % UInt64(bytes.count)))) }
      _ = message(bytes)
    }
  }

  @Test("a missing file and an unwritable path throw errors naming the path")
  func fileErrors() throws {
    let missing = URL(fileURLWithPath: "/nonexistent/dir/model.safetensors")
    do {
      _ = try Safetensors.read(from: missing)
      Issue.record("read a missing file")
    } catch let error as CheckpointError {
      #expect(error.description.contains("/nonexistent/dir/model.safetensors"))
    }
    #expect(throws: CheckpointError.self) { try makeMLP().save(to: missing) }
  }
}
