import Foundation
import NN
import Testing

// Reference values printed by Scripts/make_small_references.py (PyTorch 2.15, float64).

private let logits = Tensor(shape: [2, 3], scalars: [1.0, 2.0, 0.5, 0.1, -1.0, 3.0] as [Double])
private let targets = Tensor(shape: [2], indices: [1, 0])

private func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-12) -> Bool {
  a.count == b.count
    && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance * max(1, Swift.abs($1)) }
}

@Suite("Losses and Categorical against PyTorch")
struct LossTests {
  @Test("crossEntropy with reductions mean, sum and none, and label smoothing")
  func crossEntropyValues() {
    #expect(close(crossEntropy(logits, targets).doubleScalars, [1.7175715015342181]))
    #expect(
      close(crossEntropy(logits, targets, reduction: .sum).doubleScalars, [3.4351430030684362]))
    #expect(
      close(
        crossEntropy(logits, targets, reduction: .none).doubleScalars,
        [0.4643687841079449, 2.970774218960491]))
    #expect(
      close(crossEntropy(logits, targets, labelSmoothing: 0.1).doubleScalars, [1.7292381682008848]))
  }

  @Test("nllLoss and mseLoss")
  func nllAndMSE() {
    #expect(close(nllLoss(logits.logSoftmax(dim: 1), targets).doubleScalars, [1.7175715015342181]))
    #expect(close(mseLoss(logits, Tensor.zeros(like: logits)).doubleScalars, [2.5433333333333334]))
  }

  @Test("Categorical logProb and entropy from probs (with a zero) and from logits")
  func categoricalValues() {
    let probs = Tensor(shape: [2, 3], scalars: [0.2, 0.3, 0.5, 0.7, 0.0, 0.3] as [Double])
    let actions = Tensor(shape: [2], indices: [2, 0])
    let fromProbs = Categorical(probs: probs)
    #expect(
      close(fromProbs.logProb(actions).doubleScalars, [-0.6931471805599453, -0.35667494393873245]))
    #expect(
      close(fromProbs.entropy().doubleScalars, [1.0296530140645737, 0.6108643020548935], 1e-9))
    let fromLogits = Categorical(logits: logits)
    #expect(
      close(fromLogits.logProb(actions).doubleScalars, [-1.9643687841079451, -2.970774218960491]))
    #expect(close(fromLogits.entropy().doubleScalars, [0.9059592564792269, 0.2876953634603175]))
  }

  @Test("Categorical sampling: chi-square over 100,000 draws, deterministic for a seed")
  func categoricalSampling() {
    let p = [0.05, 0.15, 0.3, 0.5]
    let m = Categorical(
      probs: Tensor(shape: [100_000, 4], scalars: (0..<100_000).flatMap { _ in p }))
    let draws = m.sample(using: Generator(seed: 1)).indices
    var counts = [Double](repeating: 0, count: 4)
    for d in draws { counts[d] += 1 }
    let chi2 = zip(counts, p).map { ($0 - 1e5 * $1) * ($0 - 1e5 * $1) / (1e5 * $1) }.reduce(0, +)
    #expect(chi2 < 16.27, "chi-square \(chi2) for counts \(counts)")
    #expect(m.sample(using: Generator(seed: 1)).indices == draws)
    #expect(m.sample(using: Generator(seed: 2)).indices != draws)
  }
}

/// Runs three steps of `make` on p·p·[1, 2, 3] summed, with a second parameter that never gets
/// a gradient (and so must not move).
private func run(_ make: ([Tensor]) -> Optimizer) -> (p: [Double], q: [Double]) {
  let p = Tensor(shape: [3], scalars: [1.0, -2.0, 3.0] as [Double]).requiringGrad()
  let q = Tensor(shape: [1], scalars: [0.5] as [Double]).requiringGrad()
  let c = Tensor(shape: [3], scalars: [1.0, 2.0, 3.0] as [Double])
  let optimizer = make([p, q])
  for _ in 0..<3 {
    optimizer.zeroGrad()
    #expect(p.grad == nil)
    (p * p * c).sum().backward()
    optimizer.step()
  }
  return (p.doubleScalars, q.doubleScalars)
}

@Suite("Optimizers and schedules against PyTorch")
struct OptimizerTests {
  @Test("SGD with momentum, dampening and weight decay")
  func sgd() {
    let (p, q) = run {
      SGD($0, learningRate: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0.01)
    }
    #expect(close(p, [0.24867199974999998, 0.6771163005, -2.3335449007500007]))
    #expect(q == [0.5])
  }

  @Test(
    "plain SGD: p·(1 − 0.2·c)³ after three steps; a large float32 step is p − lr·g bit for bit for any thread count"
  )
  func plainSGD() {
    let (p, q) = run { SGD($0, learningRate: 0.1) }
    #expect(close(p, [0.512, -0.432, 0.192]))
    #expect(q == [0.5])
    // 100,003 elements: several parallel chunks of vectors, and a scalar tail.
    let values = Tensor.randn([100_003], generator: Generator(seed: 31)).scalars
    let gradient = Tensor.randn([100_003], generator: Generator(seed: 32))
    let expected = zip(values, gradient.scalars).map { $0 - Float(0.3) * $1 }
    let saved = numThreads()
    defer { setNumThreads(saved) }
    for threads in [1, 2, 3] {
      setNumThreads(threads)
      let w = Tensor(shape: [100_003], scalars: values).requiringGrad()
      w.grad = gradient
      SGD([w], learningRate: 0.3).step()
      #expect(w.scalars.map(\.bitPattern) == expected.map(\.bitPattern), "\(threads) threads")
    }
  }

  @Test("RMSprop, Adagrad, Adamax and NAdam match PyTorch (values from torch.optim, float64)")
  func moreOptimizers() {
    // Printed by Scripts/make_small_references.py (torch 2.15, the same three steps): p after 3
    // steps; q never gets a gradient and must not move.
    let cases: [(String, ([Tensor]) -> Optimizer, [Double])] = [
      (
        "RMSprop", { RMSprop($0, learningRate: 0.01) },
        [0.7799822732436351, -1.7753494433525812, 2.7738885673764986]
      ),
      (
        "RMSprop centered, momentum, weight decay",
        {
          RMSprop(
            $0, learningRate: 0.01, alpha: 0.9, weightDecay: 0.1, momentum: 0.5, centered: true)
        },
        [0.8824183658114663, -1.881660230999836, 2.8814142892746273]
      ),
      (
        "Adagrad",
        {
          Adagrad(
            $0, learningRate: 0.1, learningRateDecay: 0.01, weightDecay: 0.05,
            initialAccumulatorValue: 0.2)
        },
        [0.7855677921974353, -1.777804946445579, 2.776185405700599]
      ),
      (
        "Adamax", { Adamax($0, learningRate: 0.02, weightDecay: 0.01) },
        [0.9405781485750196, -1.9402594237578557, 2.9401530090316657]
      ),
      (
        "NAdam", { NAdam($0, learningRate: 0.02, weightDecay: 0.01) },
        [0.9489214559477794, -1.9487354041671978, 2.9486741859469494]
      ),
    ]
    for (name, make, expected) in cases {
      let (p, q) = run(make)
      #expect(close(p, expected), "\(name): \(p)")
      #expect(q == [0.5], "\(name)")
    }
  }

  @Test("LambdaLR, ExponentialLR, LinearLR and SequentialLR match PyTorch's rates")
  func moreSchedules() {
    func rates(_ epochs: Int, _ make: (Optimizer) -> LRScheduler) -> [Double] {
      let optimizer = SGD([Tensor.zeros([1]).requiringGrad()], learningRate: 1)
      let scheduler = make(optimizer)
      var result = [optimizer.learningRate]
      for _ in 0..<epochs {
        scheduler.step()
        result.append(optimizer.learningRate)
      }
      return result
    }
    // Printed by Scripts/make_small_references.py (torch 2.15).
    #expect(
      close(
        rates(4) { LambdaLR($0) { Foundation.pow(0.9, Double($0)) + 0.1 } },
        [1.1, 1.0, 0.91, 0.8290000000000001, 0.7561]))
    #expect(
      close(
        rates(4) { ExponentialLR($0, gamma: 0.8) },
        [1.0, 0.8, 0.6400000000000001, 0.5120000000000001, 0.40960000000000013]))
    #expect(
      close(
        rates(5) { LinearLR($0, startFactor: 0.25, totalIterations: 3) },
        [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]))
    #expect(
      close(
        rates(6) { o in
          SequentialLR(
            o,
            schedulers: [
              LinearLR(o, startFactor: 0.5, totalIterations: 2), ExponentialLR(o, gamma: 0.5),
            ], milestones: [3])
        }, [0.5, 0.75, 1.0, 1.0, 0.5, 0.25, 0.125]))
  }

  @Test("Adam with L2 weight decay and AMSGrad")
  func adam() {
    let (p, q) = run { Adam($0, learningRate: 0.1, weightDecay: 0.1, amsgrad: true) }
    #expect(close(p, [0.7015862728718214, -1.7006233916543037, 2.700381523109925]))
    #expect(q == [0.5])
  }

  @Test("AdamW with its default decoupled weight decay")
  func adamW() {
    let (p, _) = run { AdamW($0, learningRate: 0.1) }
    #expect(close(p, [0.6989111831582322, -1.694944514002364, 2.6917036491118562]))
  }

  @Test("StepLR and CosineAnnealingLR")
  func schedules() {
    let w = Tensor.zeros([1]).requiringGrad()
    let a = SGD([w], learningRate: 1)
    let step = StepLR(a, stepSize: 2, gamma: 0.5)
    var lrs = [Double]()
    for _ in 0..<5 {
      step.step()
      lrs.append(a.learningRate)
    }
    #expect(close(lrs, [1.0, 0.5, 0.5, 0.25, 0.25]))
    let b = SGD([w], learningRate: 1)
    let cosine = CosineAnnealingLR(b, tMax: 4, minimum: 0.1)
    lrs = []
    for _ in 0..<4 {
      cosine.step()
      lrs.append(b.learningRate)
    }
    #expect(close(lrs, [0.8681980515339464, 0.55, 0.23180194846605368, 0.1]))
  }
}

/// Gradient checks (float64) of the layers' functional forms and of every loss: the sibling of
/// the Autograd op table.
@Suite("Gradient checks of layers and losses")
struct NNGradcheckTests {
  static let rows: [(String, [Tensor], @Sendable ([Tensor]) -> Tensor)] = [
    ("crossEntropy mean", [logits], { crossEntropy($0[0], targets) }),
    ("crossEntropy sum", [logits], { crossEntropy($0[0], targets, reduction: .sum) }),
    ("crossEntropy none", [logits], { crossEntropy($0[0], targets, reduction: .none) }),
    (
      "crossEntropy label smoothing", [logits],
      { crossEntropy($0[0], targets, labelSmoothing: 0.2) }
    ),
    ("nllLoss", [logits], { nllLoss($0[0].logSoftmax(dim: 1), targets) }),
    ("mseLoss", [logits, logits * 0.5], { mseLoss($0[0], $0[1]) }),
    (
      "crossEntropy weight, ignoreIndex, smoothing", [logits],
      {
        crossEntropy(
          $0[0], Tensor(shape: [2], indices: [2, -100]),
          weight: Tensor(shape: [3], scalars: [0.5, 1, 2] as [Double]), labelSmoothing: 0.1)
      }
    ),
    (
      "nllLoss weight", [logits],
      {
        nllLoss(
          $0[0].logSoftmax(dim: 1), targets,
          weight: Tensor(shape: [3], scalars: [2, 1, 3] as [Double]))
      }
    ),
    (
      "binaryCrossEntropy", [Tensor(shape: [4], scalars: [0.2, 0.7, 0.5, 0.9] as [Double])],
      { binaryCrossEntropy($0[0], Tensor(shape: [4], scalars: [0, 1, 1, 0] as [Double])) }
    ),
    (
      "binaryCrossEntropyWithLogits posWeight", [logits],
      {
        binaryCrossEntropyWithLogits(
          $0[0], Tensor(shape: [2, 3], scalars: [0, 1, 1, 0, 1, 0] as [Double]),
          posWeight: Tensor(shape: [3], scalars: [1, 2, 0.5] as [Double]))
      }
    ),
    ("l1Loss", [logits, logits * 0.3 + 0.2], { l1Loss($0[0], $0[1]) }),
    (
      "smoothL1Loss and huberLoss", [logits, logits * -0.4],
      { smoothL1Loss($0[0], $0[1], beta: 0.8) + huberLoss($0[0], $0[1], delta: 1.2) }
    ),
    (
      "klDiv batchMean", [logits],
      {
        klDiv(
          $0[0].logSoftmax(dim: 1),
          Tensor(shape: [2, 3], scalars: [0.2, 0.3, 0.5, 0, 0.4, 0.6] as [Double]),
          reduction: .batchMean)
      }
    ),
    (
      "layer-norm and batch-norm arithmetic",
      [Tensor(shape: [3, 4], scalars: (0..<12).map { Double($0 * $0 % 7) * 0.3 - 0.8 })],
      { x in
        let ln =
          (x[0] - x[0].mean(dims: [1], keepDim: true))
          / (x[0].variance(dims: [1], correction: 0, keepDim: true) + 1e-5).sqrt()
        let bn =
          (x[0] - x[0].mean(dims: [0], keepDim: true))
          / (x[0].variance(dims: [0], correction: 0, keepDim: true) + 1e-5).sqrt()
        return ln * 2 + bn
      }
    ),
    (
      "Categorical(probs:) logProb and entropy",
      [Tensor(shape: [2, 3], scalars: [0.2, 0.3, 0.5, 0.6, 0.1, 0.3] as [Double])],
      {
        let m = Categorical(probs: $0[0])
        return m.logProb(Tensor(shape: [2], indices: [2, 0])) + m.entropy()
      }
    ),
    (
      "Categorical(logits:) logProb and entropy", [logits],
      {
        let m = Categorical(logits: $0[0])
        return m.logProb(Tensor(shape: [2], indices: [1, 2])) * 2 + m.entropy()
      }
    ),
    (
      "REINFORCE loss", [logits],
      {
        let m = Categorical(probs: $0[0].softmax(dim: 1))
        return
          (-m.logProb(Tensor(shape: [2], indices: [1, 2]))
          * Tensor(shape: [2], scalars: [1.0, 0.0] as [Double])).mean()
      }
    ),
  ]

  @Test("every loss and distribution passes gradcheck and gradgradcheck")
  func lossesPassGradcheck() {
    for (name, inputs, function) in Self.rows {
      let result = gradcheck(name, inputs: inputs, function)
      #expect(result.passed, "\(result)")
      let second = gradgradcheck(name, inputs: inputs, function)
      #expect(second.passed, "\(second)")
    }
  }

  @Test("the layers' forward passes pass gradcheck with float64 parameters")
  func layersPassGradcheck() {
    let linearLayer = Linear(4, 3)
    let conv = Conv2d(2, 3, kernelSize: 2, stride: 1, padding: 1)
    let x = Tensor.randn([2, 4], dtype: .float64, generator: Generator(seed: 1))
    let image = Tensor.randn([1, 2, 3, 3], dtype: .float64, generator: Generator(seed: 2))
    let w = linearLayer.weight.to(.float64)
    let b = linearLayer.bias!.to(.float64)
    #expect(
      gradcheck("Linear", inputs: [x, w, b]) { linear($0[0], weight: $0[1], bias: $0[2]).tanh() }
        .passed)
    let cw = conv.weight.to(.float64)
    let cb = conv.bias!.to(.float64)
    #expect(
      gradcheck("Conv2d", inputs: [image, cw, cb]) {
        maxPool2d(conv2d($0[0], weight: $0[1], bias: $0[2], padding: 1), kernelSize: 2).relu()
      }.passed)
  }
}

@Suite("Adam's vectorised update")
struct AdamVectorisedTests {
  @Test("gives the same bits as the scalar formula, on sizes around the vector width")
  func sameBits() {
    for n in [1, 7, 8, 9, 19, 64] {
      let gen = Generator(seed: UInt64(n))
      let start = Tensor.randn([n], generator: gen).scalars
      let p = Tensor(shape: [n], scalars: start).requiringGrad()
      let adam = Adam([p], learningRate: 0.01)
      var (ref, m, v) = (start, [Float](repeating: 0, count: n), [Float](repeating: 0, count: n))
      for t in 1...3 {
        let g = Tensor.randn([n], generator: gen)
        p.grad = g
        adam.step()
        let bc1 = 1 - pow(0.9, Double(t))
        let bc2Sqrt = Float((1 - pow(0.999, Double(t))).squareRoot())
        let stepSize = Float(0.01 / bc1)
        for (j, gj) in g.scalars.enumerated() {
          m[j] = m[j] + (1 - Float(0.9)) * (gj - m[j])
          v[j] = v[j] * Float(0.999) + (1 - Float(0.999)) * gj * gj
          ref[j] += -stepSize * (m[j] / (v[j].squareRoot() / bc2Sqrt + Float(1e-8)))
        }
      }
      #expect(p.scalars == ref, "size \(n)")
    }
  }
}
