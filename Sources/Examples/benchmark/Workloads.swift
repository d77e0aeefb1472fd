import Foundation
import NN

// The workloads that the new models bring (issue 14), defined the same way in
// Scripts/pytorch_reference.py: a 2-layer LSTM and a Transformer language-model training step at
// pytorch/examples word_language_model's defaults (embedding and hidden 200, bptt 35, batch 20)
// with a 10,000-word vocabulary, a one-block causal self-attention step (d 128, 4 heads, T 64,
// batch 32), the per-op overhead of 10,000 tiny elementwise ops forward and backward, and
// float64 GEMM at 1024³.

/// One timed workload: its name, the median milliseconds of one step, and a throughput line.
struct WorkloadResult {
  var name: String
  var medianMs: Double
  var detail: String
  /// Flops of one step, where they are well defined (printed as a share of the FMA peak).
  var flops: Double? = nil
  /// Whether the flops are float64 (half the FP32 peak).
  var isFloat64 = false
}

/// A word-language-model step: forward from a zero state, NLL, backward, clip 0.25, SGD lr 20.
func languageModelStep(
  encoder: Embedding, body: (Tensor) -> Tensor, decoder: Linear, parameters: [Tensor],
  optimizer: SGD, data: Tensor, targets: Tensor
) {
  optimizer.zeroGrad()
  let hidden = body(encoder(data))
  let logProbs = decoder(hidden).reshape([-1, 10_000]).logSoftmax(dim: 1)
  let loss = nllLoss(logProbs, targets)
  loss.backward()
  clipGradNorm(parameters, maxNorm: 0.25)
  optimizer.step()
}

func runModelWorkloads(steps: Int, selected: Set<String>) -> [WorkloadResult] {
  var results = [WorkloadResult]()
  let generator = Generator(seed: 3)
  let data = Tensor.randint(0, 10_000, [35, 20], generator: generator)
  let targets = Tensor.randint(0, 10_000, [700], generator: generator)
  if selected.contains("lstm") {
    manualSeed(0)
    let encoder = Embedding(10_000, 200)
    let lstm = LSTM(200, 200, numLayers: 2, dropout: 0.2)
    let decoder = Linear(200, 10_000)
    let drop = Dropout(0.2)
    let parameters = encoder.parameters() + lstm.parameters() + decoder.parameters()
    let optimizer = SGD(parameters, learningRate: 20)
    let ms = median(
      time(repeats: steps) {
        languageModelStep(
          encoder: encoder, body: { drop(lstm(drop($0)).output) }, decoder: decoder,
          parameters: parameters, optimizer: optimizer, data: data, targets: targets)
      })
    results.append(
      .init(
        name: "lstm_lm_step", medianMs: ms, detail: String(format: "%.0f tokens/s", 700_000 / ms)))
  }
  if selected.contains("transformer") {
    manualSeed(0)
    let encoder = Embedding(10_000, 200)
    let blocks = TransformerEncoder(numLayers: 2) {
      TransformerEncoderLayer(200, 2, dimFeedforward: 200, dropout: 0.2)
    }
    let decoder = Linear(200, 10_000)
    let parameters = encoder.parameters() + blocks.parameters() + decoder.parameters()
    let optimizer = SGD(parameters, learningRate: 20)
    let ms = median(
      time(repeats: steps) {
        languageModelStep(
          encoder: encoder, body: { blocks(($0 * Double(200).squareRoot()), isCausal: true) },
          decoder: decoder, parameters: parameters, optimizer: optimizer, data: data,
          targets: targets)
      })
    results.append(
      .init(
        name: "transformer_lm_step", medianMs: ms,
        detail: String(format: "%.0f tokens/s", 700_000 / ms)))
  }
  if selected.contains("attention") {
    manualSeed(0)
    let attention = MultiheadAttention(128, 4, batchFirst: true)
    let optimizer = SGD(attention.parameters(), learningRate: 0.01)
    let x = Tensor.randn([32, 64, 128], generator: generator)
    let ms = median(
      time(repeats: steps) {
        optimizer.zeroGrad()
        let (y, _) = attention(x, x, x, needWeights: false, isCausal: true)
        y.pow(2).mean().backward()
        optimizer.step()
      })
    results.append(
      .init(
        name: "attention_step", medianMs: ms,
        detail: String(format: "%.0f sequences/s", 32_000 / ms)))
  }
  if selected.contains("overhead") {
    let x = Tensor.randn([16], generator: generator).requiringGrad()
    let ms = median(
      time(repeats: max(3, steps / 4)) {
        var y = x
        for _ in 0..<5000 {
          y = y * 1.0001
          y = y + 0.001
        }
        y.sum().backward()
        x.zeroGrad()
      })
    results.append(
      .init(
        name: "op_overhead", medianMs: ms,
        detail: String(format: "%.2f µs per op, forward and backward", ms * 1000 / 10_000)))
  }
  if selected.contains("gemm64") {
    let a = Tensor.randn([1024, 1024], dtype: .float64, generator: generator)
    let b = Tensor.randn([1024, 1024], dtype: .float64, generator: generator)
    let ms = median(time(repeats: 5, warmup: 1) { _ = noGrad { a.matmul(b) } })
    results.append(
      .init(
        name: "gemm_f64_1024", medianMs: ms,
        detail: String(format: "%.1f GFLOPS", 2 * pow(1024, 3) / ms / 1e6),
        flops: 2 * pow(1024, 3), isFloat64: true))
  }
  return results
}
