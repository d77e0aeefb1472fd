import ExampleSupport
import Foundation
import NN

/// The network, as `--model` spells it (pytorch/examples' names).
public enum ModelType: String, CommandLineChoice {
  /// An Elman network with tanh.
  case rnnTanh = "RNN_TANH"
  /// An Elman network with relu.
  case rnnReLU = "RNN_RELU"
  /// An LSTM (the default).
  case lstm = "LSTM"
  /// A GRU.
  case gru = "GRU"
  /// A Transformer encoder with a causal mask.
  case transformer = "Transformer"
}

/// The recurrent state of an ``RNNModel``: h, and c for an LSTM.
public struct HiddenState {
  /// [numLayers, batch, hidden].
  public var h: Tensor
  /// The LSTM's cell state, or `nil`.
  public var c: Tensor?

  /// The same values, cut from the graph (the original's `repackage_hidden`).
  public func detached() -> HiddenState { HiddenState(h: h.detached(), c: c?.detached()) }
}

/// A language model: log-probabilities of the next word at every position.
public protocol LanguageModel: Module {
  /// The log-probabilities [T·N, vocabulary] for `input` [T, N], and the next state.
  func step(_ input: Tensor, _ hidden: HiddenState?) -> (logProbs: Tensor, hidden: HiddenState?)
  /// A zero state for `batch` sequences (nil for the Transformer).
  func initHidden(_ batch: Int) -> HiddenState?
}

/// The original's `RNNModel`: embedding, dropout, a recurrent stack, dropout, a decoder, with
/// tied embedding and decoder weights on request; names `encoder`, `rnn`, `decoder`.
public final class RNNModel: Module, LanguageModel, @unchecked Sendable {
  let drop: Dropout
  let encoder: Embedding
  let rnn: RecurrentLayer
  let decoder: Linear
  let type: ModelType
  let nhid: Int
  let nlayers: Int

  /// Creates the model with the original's initialisation (encoder and decoder weights uniform
  /// in ±0.1, decoder bias zero).
  public init(
    _ type: ModelType, ntoken: Int, ninp: Int, nhid: Int, nlayers: Int, dropout: Double, tied: Bool
  ) {
    precondition(type != .transformer, "RNNModel: use TransformerModel")
    drop = Dropout(dropout)
    encoder = Embedding(ntoken, ninp)
    switch type {
    case .lstm: rnn = LSTM(ninp, nhid, numLayers: nlayers, dropout: dropout)
    case .gru: rnn = GRU(ninp, nhid, numLayers: nlayers, dropout: dropout)
    default:
      rnn = RNN(
        ninp, nhid, numLayers: nlayers, nonlinearity: type == .rnnTanh ? .tanh : .relu,
        dropout: dropout)
    }
    decoder = Linear(nhid, ntoken)
    (self.type, self.nhid, self.nlayers) = (type, nhid, nlayers)
    super.init()
    noGrad {
      encoder.weight.assign(Tensor.uniform(encoder.weight.shape, low: -0.1, high: 0.1))
      decoder.bias!.assign(Tensor.zeros([ntoken]))
      decoder.weight.assign(Tensor.uniform(decoder.weight.shape, low: -0.1, high: 0.1))
    }
    if tied {
      precondition(nhid == ninp, "When using the tied flag, nhid must be equal to emsize")
      decoder.weight = encoder.weight
    }
  }

  /// Log-probabilities and the next state.
  public func step(_ input: Tensor, _ hidden: HiddenState?) -> (
    logProbs: Tensor, hidden: HiddenState?
  ) {
    let emb = drop(encoder(input))
    var output: Tensor
    var next: HiddenState
    switch rnn {
    case let lstm as LSTM:
      let (o, (h, c)) = lstm(emb, hidden.map { ($0.h, $0.c!) })
      (output, next) = (o, HiddenState(h: h, c: c))
    case let gru as GRU:
      let (o, h) = gru(emb, hidden?.h)
      (output, next) = (o, HiddenState(h: h, c: nil))
    default:
      let (o, h) = (rnn as! RNN)(emb, hidden?.h)
      (output, next) = (o, HiddenState(h: h, c: nil))
    }
    output = drop(output)
    let decoded = decoder(output).reshape([-1, decoder.weight.shape[0]])
    return (decoded.logSoftmax(dim: 1), next)
  }

  /// Zero states [nlayers, batch, nhid].
  public func initHidden(_ batch: Int) -> HiddenState? {
    let zeros = Tensor.zeros([nlayers, batch, nhid])
    return HiddenState(h: zeros, c: type == .lstm ? zeros : nil)
  }

  /// The log-probabilities from a zero state.
  public override func forward(_ input: Tensor) -> Tensor { step(input, nil).logProbs }
}

/// The original's `PositionalEncoding`: dropout(x + pe[:T]), with the sinusoidal table `pe`
/// [maxLen, 1, d] as a buffer.
public final class PositionalEncoding: Module, @unchecked Sendable {
  let dropout: Dropout
  let pe: Tensor

  /// Creates the table for `maxLen` positions.
  public init(_ dModel: Int, dropout: Double = 0.1, maxLen: Int = 5000) {
    self.dropout = Dropout(dropout)
    var values = [Float](repeating: 0, count: maxLen * dModel)
    for position in 0..<maxLen {
      for i in stride(from: 0, to: dModel, by: 2) {
        let divTerm = exp(Double(i) * (-log(10000.0) / Double(dModel)))
        values[position * dModel + i] = Float(sin(Double(position) * divTerm))
        if i + 1 < dModel {
          values[position * dModel + i + 1] = Float(cos(Double(position) * divTerm))
        }
      }
    }
    pe = Tensor(shape: [maxLen, 1, dModel], scalars: values)
    super.init()
    registerBuffer("pe")
  }

  /// dropout(x + pe[:T]) for x [T, N, d].
  public override func forward(_ input: Tensor) -> Tensor {
    dropout(input + pe.slice(dim: 0, start: 0, end: input.shape[0]))
  }
}

/// The original's `TransformerModel`, a subclass of `nn.Transformer` of which it uses the encoder:
/// embedding scaled by √ninp, positional encoding, `nlayers` post-norm encoder blocks (with
/// `nn.Transformer`'s own dropout of 0.1 inside them) and a final layer norm under a causal mask,
/// then a decoder. Names `input_emb`, `pos_encoder`, `encoder` (`encoder.layers.N.…`,
/// `encoder.norm`) and `decoder`, as PyTorch's.
public final class TransformerModel: Module, LanguageModel, @unchecked Sendable {
  let pos_encoder: PositionalEncoding
  let encoder: TransformerEncoder
  let input_emb: Embedding
  let decoder: Linear
  let ninp: Int

  /// Creates the model with the original's initialisation: `nn.Transformer` draws every matrix
  /// of its encoder Xavier-uniform, then the embedding and decoder are uniform in ±0.1 with a
  /// zero decoder bias; `dropout` applies to the positional encoding.
  public init(ntoken: Int, ninp: Int, nhead: Int, nhid: Int, nlayers: Int, dropout: Double) {
    let stack = TransformerEncoder(numLayers: nlayers, norm: LayerNorm([ninp])) {
      TransformerEncoderLayer(ninp, nhead, dimFeedforward: nhid, dropout: 0.1)
    }
    noGrad {
      for p in stack.parameters() where p.shape.count > 1 { p.assign(xavierUniform(p.shape)) }
    }
    encoder = stack
    pos_encoder = PositionalEncoding(ninp, dropout: dropout)
    input_emb = Embedding(ntoken, ninp)
    decoder = Linear(ninp, ntoken)
    self.ninp = ninp
    super.init()
    noGrad {
      input_emb.weight.assign(Tensor.uniform(input_emb.weight.shape, low: -0.1, high: 0.1))
      decoder.bias!.assign(Tensor.zeros([ntoken]))
      decoder.weight.assign(Tensor.uniform(decoder.weight.shape, low: -0.1, high: 0.1))
    }
  }

  /// Log-probabilities [T·N, vocabulary] of `input` [T, N], each position seeing only the
  /// earlier ones.
  public func step(_ input: Tensor, _ hidden: HiddenState?) -> (
    logProbs: Tensor, hidden: HiddenState?
  ) {
    let src = pos_encoder(input_emb(input) * Double(ninp).squareRoot())
    let output = decoder(encoder(src, isCausal: true))
    return (output.reshape([-1, decoder.weight.shape[0]]).logSoftmax(dim: 1), nil)
  }

  /// No recurrent state.
  public func initHidden(_ batch: Int) -> HiddenState? { nil }

  /// The log-probabilities.
  public override func forward(_ input: Tensor) -> Tensor { step(input, nil).logProbs }
}
