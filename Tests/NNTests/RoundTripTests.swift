import Foundation
import NN
import Testing

/// The Swift twin of `RoundTripNet` in `Scripts/roundtrip_pytorch.py`: Embedding, LSTM,
/// MultiheadAttention, LayerNorm, BatchNorm1d and a Linear head, under PyTorch's names.
final class RoundTripNet: Module, @unchecked Sendable {
  let embedding = Embedding(20, 8, paddingIndex: 0)
  let lstm = LSTM(8, 8, batchFirst: true)
  let attention = MultiheadAttention(8, 2, batchFirst: true)
  let norm = LayerNorm([8])
  let bn = BatchNorm1d(8)
  let head = Linear(8, 5)

  override func forward(_ tokens: Tensor) -> Tensor {
    let (x, _) = lstm(embedding(tokens))
    let (a, _) = attention(x, x, x, needWeights: false)
    return head(bn(norm(x + a).mean(dim: 1)))
  }
}

/// A PyTorch checkpoint of a model with BatchNorm, LSTM, Embedding, LayerNorm and
/// MultiheadAttention loads here strictly and gives PyTorch's outputs; our checkpoint of it is
/// byte-identical to the committed `roundtrip_swift.safetensors`, which
/// `Scripts/roundtrip_pytorch.py --check` loads strictly into PyTorch.
@Suite("Checkpoint round trip with PyTorch")
struct RoundTripTests {
  static let directory = fixturesDirectory.appendingPathComponent("nn")

  @Test("PyTorch's state_dict loads strictly, gives its outputs, and saves back to the same file")
  func roundTrip() throws {
    let model = RoundTripNet()
    let torchFile = Self.directory.appendingPathComponent("roundtrip_pytorch.safetensors")
    try model.load(from: torchFile)
    model.eval()
    let io = loadFixture("nn/roundtrip_io")
    let y = noGrad { model(io["tokens"]!) }
    expectFixtureMatch(y, io, "eval", tolerance: 1e-5)

    // Ours: the same keys, shapes, dtypes and values as PyTorch's file, and the exact bytes of
    // the committed file that PyTorch loads strictly.
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "roundtrip-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try model.save(to: url)
    let ours = try Safetensors.read(from: url).tensors
    let theirs = try Safetensors.read(from: torchFile).tensors
    #expect(Set(ours.keys) == Set(theirs.keys))
    for (key, t) in theirs {
      #expect(ours[key]?.shape == t.shape && ours[key]?.dtype == t.dtype, "\(key)")
      #expect(ours[key]?.doubleScalars == t.doubleScalars, "\(key)")
    }
    let committed = Self.directory.appendingPathComponent("roundtrip_swift.safetensors")
    if ProcessInfo.processInfo.environment["REGENERATE_ROUNDTRIP"] == "1" {
      try Data(contentsOf: url).write(to: committed)
    }
    #expect(try Data(contentsOf: url) == Data(contentsOf: committed))

    // A fresh model loads our file and gives the same outputs, bit for bit.
    let fresh = RoundTripNet()
    try fresh.load(from: url)
    fresh.eval()
    #expect(noGrad { fresh(io["tokens"]!) }.scalars == y.scalars)
  }
}
