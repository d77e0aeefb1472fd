import Foundation
import NN
import Testing

/// Conv1d, ConvTranspose2d, RNN, LSTM, GRU, their cells, MultiheadAttention and
/// scaledDotProductAttention against PyTorch fixtures on the same weights
/// (`Scripts/make_recurrent_attention_fixtures.py`, float32, within 1e-5 relative): the
/// state_dict loads under PyTorch's keys, and every output and every gradient (inputs, initial
/// states and parameters) agree.
@Suite("Recurrent, attention and 1-D / transposed convolution layers match PyTorch")
struct RecurrentAttentionFixtureTests {
  static let f = loadFixture("nn/recurrent_attention")

  /// A case: the layer (nil for a function), its input names, and the call.
  struct Case: @unchecked Sendable {
    let module: Module?
    let inputs: [String]
    let call: (Module?, [Tensor]) -> [Tensor]
  }

  static func make(_ name: String) -> Case {
    switch name {
    case "conv1d":
      Case(module: Conv1d(3, 4, kernelSize: 3, stride: 2, padding: 1), inputs: ["x"]) { m, x in [m!(x[0])] }
    case "convt":
      Case(module: ConvTranspose2d(3, 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1), inputs: ["x"]) {
        m, x in [m!(x[0])]
      }
    case "rnn":
      Case(module: RNN(3, 4, numLayers: 2), inputs: ["x", "h0"]) { m, x in
        let (o, h) = (m as! RNN)(x[0], x[1])
        return [o, h]
      }
    case "rnn_relu_bi":
      Case(module: RNN(3, 4, nonlinearity: .relu, batchFirst: true, bidirectional: true), inputs: ["x"]) { m, x in
        let (o, h) = (m as! RNN)(x[0])
        return [o, h]
      }
    case "lstm":
      Case(module: LSTM(3, 4, numLayers: 2, bidirectional: true), inputs: ["x", "h0", "c0"]) { m, x in
        let (o, (h, c)) = (m as! LSTM)(x[0], (x[1], x[2]))
        return [o, h, c]
      }
    case "lstm_unbatched":
      Case(module: LSTM(3, 4), inputs: ["x"]) { m, x in
        let (o, (h, c)) = (m as! LSTM)(x[0])
        return [o, h, c]
      }
    case "gru":
      Case(module: GRU(3, 4, numLayers: 2, batchFirst: true), inputs: ["x", "h0"]) { m, x in
        let (o, h) = (m as! GRU)(x[0], x[1])
        return [o, h]
      }
    case "rnncell":
      Case(module: RNNCell(3, 4), inputs: ["x", "h0"]) { m, x in [(m as! RNNCell)(x[0], x[1])] }
    case "grucell":
      Case(module: GRUCell(3, 4), inputs: ["x", "h0"]) { m, x in [(m as! GRUCell)(x[0], x[1])] }
    case "lstmcell":
      Case(module: LSTMCell(3, 4), inputs: ["x", "h0", "c0"]) { m, x in
        let (h, c) = (m as! LSTMCell)(x[0], (x[1], x[2]))
        return [h, c]
      }
    case "mha":
      Case(module: MultiheadAttention(8, 2), inputs: ["q", "k", "v", "mask", "padding"]) { m, x in
        let (o, w) = (m as! MultiheadAttention)(
          x[0], x[1], x[2], keyPaddingMask: .block(x[4]), attnMask: .additive(x[3]))
        return [o, w!]
      }
    case "mha_causal":
      Case(module: MultiheadAttention(8, 4, batchFirst: true), inputs: ["x", "causal"]) { m, x in
        let (o, w) = (m as! MultiheadAttention)(
          x[0], x[0], x[0], attnMask: .block(x[1]), averageAttnWeights: false)
        return [o, w!]
      }
    case "sdpa":
      Case(module: nil, inputs: ["q", "k", "v", "allow"]) { _, x in
        [scaledDotProductAttention(x[0], x[1], x[2], attnMask: .allow(x[3]), scale: 0.7)]
      }
    case "encoder_layer":
      Case(module: TransformerEncoderLayer(8, 2, dimFeedforward: 16, dropout: 0), inputs: ["x", "causal"]) { m, x in
        [(m as! TransformerEncoderLayer)(x[0], mask: .block(x[1]))]
      }
    case "encoder_layer_prenorm":
      Case(
        module: TransformerEncoderLayer(8, 4, dimFeedforward: 12, dropout: 0, activation: .gelu, batchFirst: true, normFirst: true),
        inputs: ["x"]
      ) { m, x in [m!(x[0])] }
    default:
      Case(module: nil, inputs: ["q", "k", "v"]) { _, x in
        [scaledDotProductAttention(x[0], x[1], x[2], isCausal: true)]
      }
    }
  }

  @Test(
    "state_dict keys, outputs and gradients",
    arguments: [
      "conv1d", "convt", "rnn", "rnn_relu_bi", "lstm", "lstm_unbatched", "gru", "rnncell", "grucell",
      "lstmcell", "mha", "mha_causal", "sdpa", "sdpa_causal", "encoder_layer", "encoder_layer_prenorm",
    ])
  func matchesPyTorch(_ name: String) throws {
    let f = Self.f
    let c = Self.make(name)
    if let module = c.module {
      var initial = [String: Tensor]()
      let prefix = "\(name).init."
      for (k, v) in f where k.hasPrefix(prefix) { initial[String(k.dropFirst(prefix.count))] = v }
      #expect(Set(module.stateDict().keys) == Set(initial.keys))
      #expect(module.namedParameters().map(\.name) == initial.keys.sorted { a, b in
        module.namedParameters().firstIndex { $0.name == a }! < module.namedParameters().firstIndex { $0.name == b }!
      })
      try module.loadStateDict(initial)
    }
    let inputs = c.inputs.map { key in
      let t = f["\(name).in.\(key)"]!
      return t.dtype == .int64 ? t : t.requiringGrad()
    }
    let outputs = c.call(c.module, inputs)
    var total: Tensor?
    for (i, y) in outputs.enumerated() {
      expectFixtureMatch(y, f, "\(name).out.\(i)", tolerance: 1e-5)
      let term = (y * f["\(name).c.\(i)"]!).sum()
      total = total.map { $0 + term } ?? term
    }
    let floating = zip(c.inputs, inputs).filter { $0.1.dtype != .int64 }
    let parameters = c.module?.namedParameters() ?? []
    let grads = grad([total!], floating.map(\.1) + parameters.map(\.tensor), allowUnused: true)
    for (i, (key, _)) in floating.enumerated() {
      expectFixtureMatch(grads[i], f, "\(name).grad.in.\(key)", tolerance: 1e-5)
    }
    for (i, (key, _)) in parameters.enumerated() {
      expectFixtureMatch(grads[floating.count + i], f, "\(name).grad.\(key)", tolerance: 1e-5)
    }
  }
}
