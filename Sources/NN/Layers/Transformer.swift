/// The activation of a ``TransformerEncoderLayer``'s feed-forward block.
public enum TransformerActivation: Sendable {
  /// relu (PyTorch's default).
  case relu
  /// The exact gelu.
  case gelu
}

/// One Transformer encoder block, like `torch.nn.TransformerEncoderLayer` (post-norm by default,
/// `normFirst` for pre-norm): self-attention and a feed-forward block, each with dropout, a
/// residual connection and layer normalisation, under PyTorch's names (`self_attn`, `linear1`,
/// `linear2`, `norm1`, `norm2`).
///
/// Input [S, N, E] ([N, S, E] with `batchFirst`, or [S, E] unbatched), output of the same shape.
public final class TransformerEncoderLayer: Module, @unchecked Sendable {
  /// The self-attention.
  public let self_attn: MultiheadAttention
  /// The feed-forward expansion, E → dimFeedforward.
  public let linear1: Linear
  /// The feed-forward projection back, dimFeedforward → E.
  public let linear2: Linear
  /// The normalisation after (or, with `normFirst`, before) the attention block.
  public let norm1: LayerNorm
  /// The normalisation after (or before) the feed-forward block.
  public let norm2: LayerNorm
  /// Dropout inside the feed-forward block.
  public let dropout: Dropout
  /// Dropout on the attention block's output.
  public let dropout1: Dropout
  /// Dropout on the feed-forward block's output.
  public let dropout2: Dropout
  /// The feed-forward activation.
  public let activation: TransformerActivation
  /// Whether normalisation comes before each block (pre-norm).
  public let normFirst: Bool

  /// Creates the block with PyTorch's defaults (dimFeedforward 2048, dropout 0.1, relu,
  /// post-norm, layer-norm eps 1e-5).
  public init(
    _ dModel: Int, _ nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1,
    activation: TransformerActivation = .relu, layerNormEps: Double = 1e-5,
    batchFirst: Bool = false, normFirst: Bool = false, generator: Generator = .default
  ) {
    self_attn = MultiheadAttention(
      dModel, nhead, dropout: dropout, batchFirst: batchFirst, generator: generator)
    linear1 = Linear(dModel, dimFeedforward, generator: generator)
    self.dropout = Dropout(dropout, generator: generator)
    linear2 = Linear(dimFeedforward, dModel, generator: generator)
    norm1 = LayerNorm([dModel], eps: layerNormEps)
    norm2 = LayerNorm([dModel], eps: layerNormEps)
    dropout1 = Dropout(dropout, generator: generator)
    dropout2 = Dropout(dropout, generator: generator)
    self.activation = activation
    self.normFirst = normFirst
    super.init()
  }

  /// The block applied to `src`, with an optional attention mask [S, S] (`.block(causal)`, say)
  /// and key padding mask [N, S].
  public func callAsFunction(
    _ src: Tensor, mask: AttentionMask? = nil, keyPaddingMask: AttentionMask? = nil,
    isCausal: Bool = false
  ) -> Tensor {
    func attention(_ x: Tensor) -> Tensor {
      let (y, _) = self_attn(
        x, x, x, keyPaddingMask: keyPaddingMask, needWeights: false, attnMask: mask,
        isCausal: isCausal)
      return dropout1(y)
    }
    func feedForward(_ x: Tensor) -> Tensor {
      let h = linear1(x)
      return dropout2(linear2(dropout(activation == .relu ? h.relu() : h.gelu())))
    }
    if normFirst {
      let x = src + attention(norm1(src))
      return x + feedForward(norm2(x))
    }
    let x = norm1(src + attention(src))
    return norm2(x + feedForward(x))
  }

  /// The block without masks.
  public override func forward(_ input: Tensor) -> Tensor { callAsFunction(input, mask: nil) }
}

/// A stack of encoder blocks, like `torch.nn.TransformerEncoder(layer, numLayers)`: the blocks
/// are named `layers.0`, `layers.1`, …, as in PyTorch, with an optional final `norm`.
public final class TransformerEncoder: Module, @unchecked Sendable {
  /// The blocks, applied in order.
  public let layers: [TransformerEncoderLayer]
  /// A normalisation after the last block, or `nil`.
  public let norm: LayerNorm?

  /// Stacks `numLayers` blocks made by `makeLayer` (PyTorch deep-copies one layer; here each
  /// call makes a fresh one, with its own initial weights).
  public init(
    numLayers: Int, norm: LayerNorm? = nil, _ makeLayer: () -> TransformerEncoderLayer
  ) {
    layers = (0..<numLayers).map { _ in makeLayer() }
    self.norm = norm
    super.init()
  }

  /// The blocks applied to `src` with the same masks.
  public func callAsFunction(
    _ src: Tensor, mask: AttentionMask? = nil, keyPaddingMask: AttentionMask? = nil,
    isCausal: Bool = false
  ) -> Tensor {
    var x = src
    for layer in layers {
      x = layer(x, mask: mask, keyPaddingMask: keyPaddingMask, isCausal: isCausal)
    }
    return norm.map { $0(x) } ?? x
  }

  /// The blocks without masks.
  public override func forward(_ input: Tensor) -> Tensor { callAsFunction(input, mask: nil) }
}
