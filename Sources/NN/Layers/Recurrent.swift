// Recurrent layers and their cells, like torch.nn.RNN / LSTM / GRU and RNNCell / LSTMCell /
// GRUCell: compositions of linear maps and elementwise ops (the LSTM's gate update one op,
// `lstmCell`), so every gradient (to any order) is inherited from the ops.

/// The recurrence of a recurrent layer.
public enum RecurrentMode: Sendable, Equatable {
  /// `h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh)` (PyTorch's `RNN`, `nonlinearity="tanh"`).
  case rnnTanh
  /// `h' = relu(W_ih·x + b_ih + W_hh·h + b_hh)` (`nonlinearity="relu"`).
  case rnnReLU
  /// Long short-term memory, gates in PyTorch's order input, forget, cell, output.
  case lstm
  /// Gated recurrent unit, gates in PyTorch's order reset, update, new.
  case gru

  /// The number of gate blocks stacked in each weight.
  var gates: Int {
    switch self {
    case .rnnTanh, .rnnReLU: 1
    case .lstm: 4
    case .gru: 3
    }
  }
}

/// The nonlinearity of ``RNN`` and ``RNNCell``.
public enum RNNNonlinearity: Sendable {
  /// tanh (the default).
  case tanh
  /// relu.
  case relu

  var mode: RecurrentMode { self == .tanh ? .rnnTanh : .rnnReLU }
}

/// One step of the recurrence: `gi` is `W_ih·x + b_ih` [N, G·H], `h` and `c` the state [N, H].
func recurrentStep(
  _ mode: RecurrentMode, _ gi: Tensor, _ h: Tensor, _ c: Tensor?, weightHH: Tensor, biasHH: Tensor?
) -> (h: Tensor, c: Tensor?) {
  let gh = linear(h, weight: weightHH, bias: biasHH)
  switch mode {
  case .rnnTanh: return ((gi + gh).tanh(), nil)
  case .rnnReLU: return ((gi + gh).relu(), nil)
  case .lstm:
    let next = lstmCell(gates: gi + gh, c: c!)
    return (next.h, next.c)
  case .gru:
    let i = gi.chunk(3, dim: -1)
    let hh = gh.chunk(3, dim: -1)
    let r = (i[0] + hh[0]).sigmoid()
    let z = (i[1] + hh[1]).sigmoid()
    let n = (i[2] + r * hh[2]).tanh()
    return ((1 - z) * n + z * h, nil)
  }
}

/// The shared implementation of ``RNN``, ``LSTM`` and ``GRU``: `numLayers` stacked layers,
/// optionally bidirectional, with PyTorch's parameter names (`weight_ih_l0`, `weight_hh_l0`,
/// `bias_ih_l0`, `bias_hh_l0`, then `…_reverse` for the backward direction, then layer 1, …),
/// shapes and initialisation (every weight and bias uniform in ±1/√hiddenSize).
///
/// Shapes (L the sequence length, N the batch, D = 2 if bidirectional else 1):
/// - input [L, N, inputSize], or [N, L, inputSize] with `batchFirst`, or [L, inputSize]
///   unbatched;
/// - initial state(s) [D·numLayers, N, hiddenSize] ([D·numLayers, hiddenSize] unbatched),
///   zeros when not given;
/// - output [L, N, D·hiddenSize] (batch first with `batchFirst`): the last layer's state at
///   every step; final state(s) [D·numLayers, N, hiddenSize].
///
/// Between layers, dropout of probability `dropout` applies in training mode, as in PyTorch.
open class RecurrentLayer: Module, @unchecked Sendable {
  /// The recurrence.
  public let mode: RecurrentMode
  /// The size of each input vector.
  public let inputSize: Int
  /// The size of the state.
  public let hiddenSize: Int
  /// The number of stacked layers.
  public let numLayers: Int
  /// Whether there are biases.
  public let hasBias: Bool
  /// Whether input and output put the batch axis first.
  public let batchFirst: Bool
  /// The dropout probability between layers (training mode only).
  public let dropout: Double
  /// Whether each layer also runs backwards over the sequence.
  public let bidirectional: Bool
  /// The weights by their PyTorch names, in PyTorch's order.
  public let namedWeights: [(name: String, tensor: Tensor)]
  /// The source of the dropout masks.
  public let generator: Generator

  init(
    mode: RecurrentMode, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool,
    batchFirst: Bool, dropout: Double, bidirectional: Bool, generator: Generator
  ) {
    check(
      inputSize > 0 && hiddenSize > 0 && numLayers > 0,
      "\(mode): inputSize \(inputSize), hiddenSize \(hiddenSize) and numLayers \(numLayers) must be positive"
    )
    check((0...1).contains(dropout), "\(mode): dropout \(dropout) must be in [0, 1]")
    (self.mode, self.inputSize, self.hiddenSize, self.numLayers) = (
      mode, inputSize, hiddenSize, numLayers
    )
    (self.hasBias, self.batchFirst, self.dropout, self.bidirectional) = (
      bias, batchFirst, dropout, bidirectional
    )
    self.generator = generator
    var weights = [(name: String, tensor: Tensor)]()
    let g = mode.gates * hiddenSize
    for layer in 0..<numLayers {
      let layerInput = layer == 0 ? inputSize : hiddenSize * (bidirectional ? 2 : 1)
      for suffix in bidirectional ? ["", "_reverse"] : [""] {
        let shapes: [(String, [Int])] =
          [("weight_ih", [g, layerInput]), ("weight_hh", [g, hiddenSize])]
          + (bias ? [("bias_ih", [g]), ("bias_hh", [g])] : [])
        for (name, shape) in shapes {
          weights.append(
            (
              "\(name)_l\(layer)\(suffix)",
              kaimingUniform(shape, fanIn: hiddenSize, generator: generator).requiringGrad()
            ))
        }
      }
    }
    namedWeights = weights
    super.init()
  }

  /// The recurrent weights (they are not stored properties, so they are listed here).
  public override func directParameters() -> [(name: String, tensor: Tensor)] {
    super.directParameters() + namedWeights
  }

  /// The weight named `name` (`weight_ih_l0`, …).
  public func weight(_ name: String) -> Tensor? {
    namedWeights.first { $0.name == name }?.tensor
  }

  /// The layer's output over the whole sequence, from zero states.
  open override func forward(_ input: Tensor) -> Tensor { run(input, nil, nil).output }

  /// Runs the layers over `input` from the states `h0` (and `c0` for LSTM).
  func run(_ input: Tensor, _ h0: Tensor?, _ c0: Tensor?) -> (
    output: Tensor, h: Tensor, c: Tensor?
  ) {
    let name = "\(type(of: self))"
    check(
      (input.rank == 3 || input.rank == 2) && input.shape[input.rank - 1] == inputSize,
      "\(name): input of shape \(input.shape) does not match inputSize \(inputSize) (expected [L, N, \(inputSize)], [N, L, \(inputSize)] with batchFirst, or [L, \(inputSize)])"
    )
    let unbatched = input.rank == 2
    var x = unbatched ? input.unsqueeze(dim: 1) : (batchFirst ? input.transpose(0, 1) : input)
    let (steps, batch) = (x.shape[0], x.shape[1])
    let directions = bidirectional ? 2 : 1
    let stateShape = [directions * numLayers, batch, hiddenSize]
    func state(_ given: Tensor?, _ label: String) -> Tensor {
      guard let given else { return Tensor.zeros(stateShape, dtype: input.dtype) }
      let s = unbatched ? given.unsqueeze(dim: 1) : given
      check(
        s.shape == stateShape,
        "\(name): \(label) of shape \(given.shape) does not match the expected \(unbatched ? [directions * numLayers, hiddenSize] : stateShape)"
      )
      return s
    }
    let h = state(h0, "h0")
    let c = mode == .lstm ? state(c0, "c0") : nil
    var finalH = [Tensor]()
    var finalC = [Tensor]()
    var k = 0
    for layer in 0..<numLayers {
      var outputs = [Tensor]()
      for direction in 0..<directions {
        let wih = namedWeights[k].tensor
        let whh = namedWeights[k + 1].tensor
        let bih = hasBias ? namedWeights[k + 2].tensor : nil
        let bhh = hasBias ? namedWeights[k + 3].tensor : nil
        k += hasBias ? 4 : 2
        let index = layer * directions + direction
        var hT = h.slice(dim: 0, start: index, end: index + 1).squeeze(dim: 0)
        var cT = c.map { $0.slice(dim: 0, start: index, end: index + 1).squeeze(dim: 0) }
        let projected = linear(x, weight: wih, bias: bih)
        var sequence = [Tensor?](repeating: nil, count: steps)
        for s in 0..<steps {
          let t = direction == 0 ? s : steps - 1 - s
          let gi = projected.slice(dim: 0, start: t, end: t + 1).squeeze(dim: 0)
          (hT, cT) = recurrentStep(mode, gi, hT, cT, weightHH: whh, biasHH: bhh)
          sequence[t] = hT
        }
        finalH.append(hT)
        if let cT { finalC.append(cT) }
        outputs.append(Tensor.stack(sequence.map { $0! }, dim: 0))
      }
      x = directions == 1 ? outputs[0] : Tensor.cat(outputs, dim: 2)
      if layer < numLayers - 1 && dropout > 0 {
        x = NN.dropout(x, p: dropout, training: isTraining, generator: generator)
      }
    }
    var output = x
    var hN = Tensor.stack(finalH, dim: 0)
    var cN = mode == .lstm ? Tensor.stack(finalC, dim: 0) : nil
    if unbatched {
      output = output.squeeze(dim: 1)
      hN = hN.squeeze(dim: 1)
      cN = cN?.squeeze(dim: 1)
    } else if batchFirst {
      output = output.transpose(0, 1)
    }
    return (output, hN, cN)
  }
}

/// An Elman recurrent network, like `torch.nn.RNN`; shapes and names as ``RecurrentLayer``.
///
/// ```swift
/// let rnn = RNN(10, 20, numLayers: 2)
/// let (output, hN) = rnn(Tensor.randn([5, 3, 10]))  // [5, 3, 20], [2, 3, 20]
/// ```
public final class RNN: RecurrentLayer, @unchecked Sendable {
  /// Creates the layer with PyTorch's defaults and initialisation.
  public init(
    _ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1,
    nonlinearity: RNNNonlinearity = .tanh, bias: Bool = true, batchFirst: Bool = false,
    dropout: Double = 0, bidirectional: Bool = false, generator: Generator = .default
  ) {
    super.init(
      mode: nonlinearity.mode, inputSize: inputSize, hiddenSize: hiddenSize,
      numLayers: numLayers, bias: bias, batchFirst: batchFirst, dropout: dropout,
      bidirectional: bidirectional, generator: generator)
  }

  /// The output at every step and the final state, from `h0` (zeros when `nil`): write
  /// `let (output, hN) = rnn(x)`; `let y = rnn(x)` is ``Module/forward(_:)``, the output alone.
  public func callAsFunction(_ input: Tensor, _ h0: Tensor? = nil) -> (
    output: Tensor, hN: Tensor
  ) {
    let r = run(input, h0, nil)
    return (r.output, r.h)
  }

}

/// A gated recurrent unit network, like `torch.nn.GRU`; shapes and names as
/// ``RecurrentLayer`` (weights stack the reset, update and new gates).
public final class GRU: RecurrentLayer, @unchecked Sendable {
  /// Creates the layer with PyTorch's defaults and initialisation.
  public init(
    _ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true,
    batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false,
    generator: Generator = .default
  ) {
    super.init(
      mode: .gru, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
      batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional,
      generator: generator)
  }

  /// The output at every step and the final state, from `h0` (zeros when `nil`): write
  /// `let (output, hN) = rnn(x)`; `let y = rnn(x)` is ``Module/forward(_:)``, the output alone.
  public func callAsFunction(_ input: Tensor, _ h0: Tensor? = nil) -> (
    output: Tensor, hN: Tensor
  ) {
    let r = run(input, h0, nil)
    return (r.output, r.h)
  }

}

/// A long short-term memory network, like `torch.nn.LSTM`; shapes and names as
/// ``RecurrentLayer`` (weights stack the input, forget, cell and output gates).
///
/// ```swift
/// let lstm = LSTM(10, 20, batchFirst: true)
/// let (output, (hN, cN)) = lstm(x, (h0, c0))
/// ```
public final class LSTM: RecurrentLayer, @unchecked Sendable {
  /// Creates the layer with PyTorch's defaults and initialisation.
  public init(
    _ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true,
    batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false,
    generator: Generator = .default
  ) {
    super.init(
      mode: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers,
      bias: bias, batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional,
      generator: generator)
  }

  /// The output at every step and the final (h, c), from `state` (zeros when `nil`): write
  /// `let (output, (hN, cN)) = lstm(x)`; `let y = lstm(x)` is the output alone.
  public func callAsFunction(_ input: Tensor, _ state: (h: Tensor, c: Tensor)? = nil) -> (
    output: Tensor, state: (h: Tensor, c: Tensor)
  ) {
    let r = run(input, state?.h, state?.c)
    return (r.output, (r.h, r.c!))
  }

}

/// The shared implementation of the cells: one step, with PyTorch's names `weight_ih`
/// [G·H, inputSize], `weight_hh` [G·H, H], `bias_ih`, `bias_hh` [G·H] and initialisation
/// (uniform in ±1/√H). Input [N, inputSize] or [inputSize]; state [N, H] or [H].
open class RecurrentCell: Module, @unchecked Sendable {
  /// The recurrence.
  public let mode: RecurrentMode
  /// The size of each input vector.
  public let inputSize: Int
  /// The size of the state.
  public let hiddenSize: Int
  /// The input weights, [G·hiddenSize, inputSize].
  public let weight_ih: Tensor
  /// The state weights, [G·hiddenSize, hiddenSize].
  public let weight_hh: Tensor
  /// The input bias, or `nil`.
  public let bias_ih: Tensor?
  /// The state bias, or `nil`.
  public let bias_hh: Tensor?

  init(mode: RecurrentMode, inputSize: Int, hiddenSize: Int, bias: Bool, generator: Generator) {
    let g = mode.gates * hiddenSize
    (self.mode, self.inputSize, self.hiddenSize) = (mode, inputSize, hiddenSize)
    weight_ih = kaimingUniform([g, inputSize], fanIn: hiddenSize, generator: generator)
      .requiringGrad()
    weight_hh = kaimingUniform([g, hiddenSize], fanIn: hiddenSize, generator: generator)
      .requiringGrad()
    bias_ih =
      bias ? kaimingUniform([g], fanIn: hiddenSize, generator: generator).requiringGrad() : nil
    bias_hh =
      bias ? kaimingUniform([g], fanIn: hiddenSize, generator: generator).requiringGrad() : nil
    super.init()
  }

  /// One step from `h` and `c` (zeros when `nil`).
  func step(_ input: Tensor, _ h: Tensor?, _ c: Tensor?) -> (h: Tensor, c: Tensor?) {
    let name = "\(type(of: self))"
    check(
      (input.rank == 1 || input.rank == 2) && input.shape[input.rank - 1] == inputSize,
      "\(name): input of shape \(input.shape) does not match inputSize \(inputSize) (expected [N, \(inputSize)] or [\(inputSize)])"
    )
    let unbatched = input.rank == 1
    let x = unbatched ? input.unsqueeze(dim: 0) : input
    let shape = [x.shape[0], hiddenSize]
    func state(_ given: Tensor?, _ label: String) -> Tensor {
      guard let given else { return Tensor.zeros(shape, dtype: input.dtype) }
      let s = unbatched ? given.unsqueeze(dim: 0) : given
      check(
        s.shape == shape,
        "\(name): \(label) of shape \(given.shape) does not match the expected \(unbatched ? [hiddenSize] : shape)"
      )
      return s
    }
    let gi = linear(x, weight: weight_ih, bias: bias_ih)
    let r = recurrentStep(
      mode, gi, state(h, "hx"), mode == .lstm ? state(c, "cx") : nil, weightHH: weight_hh,
      biasHH: bias_hh)
    return unbatched ? (r.h.squeeze(dim: 0), r.c?.squeeze(dim: 0)) : r
  }

  /// The next state from a zero state.
  open override func forward(_ input: Tensor) -> Tensor { step(input, nil, nil).h }
}

/// One step of an Elman network, like `torch.nn.RNNCell`: `h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh)`.
public final class RNNCell: RecurrentCell, @unchecked Sendable {
  /// Creates the cell with PyTorch's defaults and initialisation.
  public init(
    _ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, nonlinearity: RNNNonlinearity = .tanh,
    generator: Generator = .default
  ) {
    super.init(
      mode: nonlinearity.mode, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias,
      generator: generator)
  }

  /// The next state from `hx` (zeros when `nil`).
  public func callAsFunction(_ input: Tensor, _ hx: Tensor? = nil) -> Tensor {
    step(input, hx, nil).h
  }
}

/// One step of a GRU, like `torch.nn.GRUCell`.
public final class GRUCell: RecurrentCell, @unchecked Sendable {
  /// Creates the cell with PyTorch's defaults and initialisation.
  public init(
    _ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, generator: Generator = .default
  ) {
    super.init(
      mode: .gru, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: generator)
  }

  /// The next state from `hx` (zeros when `nil`).
  public func callAsFunction(_ input: Tensor, _ hx: Tensor? = nil) -> Tensor {
    step(input, hx, nil).h
  }
}

/// One step of an LSTM, like `torch.nn.LSTMCell`.
public final class LSTMCell: RecurrentCell, @unchecked Sendable {
  /// Creates the cell with PyTorch's defaults and initialisation.
  public init(
    _ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, generator: Generator = .default
  ) {
    super.init(
      mode: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: generator)
  }

  /// The next (h, c) from `state` (zeros when `nil`).
  public func callAsFunction(_ input: Tensor, _ state: (h: Tensor, c: Tensor)? = nil) -> (
    h: Tensor, c: Tensor
  ) {
    let r = step(input, state?.h, state?.c)
    return (r.h, r.c!)
  }

}
