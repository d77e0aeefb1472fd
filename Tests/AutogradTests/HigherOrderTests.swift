import Autograd
import Foundation
import Testing

/// A user-defined function written outside the library: x³ with its backward in tensor ops,
/// saving its input.
struct Cube: DifferentiableFunction {
  func forward(_ ctx: inout FunctionContext, _ inputs: [Tensor]) -> Tensor {
    ctx.saveForBackward(inputs[0])
    return inputs[0] * inputs[0] * inputs[0]
  }
  func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> [Tensor?] {
    let x = ctx.savedTensors[0]
    return [gradOutput * 3 * x * x]
  }
}

/// A user-defined function that saves its output: eˣ, whose backward is `g · y`.
struct SavedExp: DifferentiableFunction {
  func forward(_ ctx: inout FunctionContext, _ inputs: [Tensor]) -> Tensor {
    let y = inputs[0].exp()
    ctx.saveForBackward(y)
    return y
  }
  func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> [Tensor?] {
    [gradOutput * ctx.savedTensors[0]]
  }
}

/// A two-input function with a non-tensor value in the context: a·b·scale.
struct ScaledProduct: DifferentiableFunction {
  var scale: Double
  func forward(_ ctx: inout FunctionContext, _ inputs: [Tensor]) -> Tensor {
    ctx.saveForBackward(inputs[0], inputs[1])
    ctx.values["scale"] = scale
    return inputs[0] * inputs[1] * scale
  }
  func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> [Tensor?] {
    let (a, b) = (ctx.savedTensors[0], ctx.savedTensors[1])
    let s = ctx.values["scale"] as! Double
    return [
      ctx.needsInputGradient[0] ? (gradOutput * b * s).sum(toShapeOf: a) : nil,
      ctx.needsInputGradient[1] ? (gradOutput * a * s).sum(toShapeOf: b) : nil,
    ]
  }
}

/// The gradient-reversal layer of domain-adversarial training (Ganin & Lempitsky 2015):
/// identity forward, −λ·g backward.
struct GradientReversal: DifferentiableFunction {
  var lambda = 1.0
  func forward(_ ctx: inout FunctionContext, _ inputs: [Tensor]) -> Tensor { inputs[0] }
  func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> [Tensor?] {
    [-lambda * gradOutput]
  }
}

/// A straight-through estimator: rounds forward, passes the gradient unchanged backward.
struct RoundStraightThrough: DifferentiableFunction {
  func forward(_ ctx: inout FunctionContext, _ inputs: [Tensor]) -> Tensor { inputs[0].round() }
  func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> [Tensor?] { [gradOutput] }
}

/// A function whose backward reads raw values, so it is marked once differentiable.
struct RawSquare: DifferentiableFunction {
  static var isOnceDifferentiable: Bool { true }
  func forward(_ ctx: inout FunctionContext, _ inputs: [Tensor]) -> Tensor {
    ctx.saveForBackward(inputs[0])
    return inputs[0] * inputs[0]
  }
  func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> [Tensor?] {
    let x = ctx.savedTensors[0].doubleScalars
    let g = gradOutput.doubleScalars
    return [Tensor(shape: gradOutput.shape, scalars: zip(g, x).map { 2 * $0 * $1 })]
  }
}

extension Tensor {
  /// Sums a broadcast gradient back to `other`'s shape (a user's helper, public API only).
  func sum(toShapeOf other: Tensor) -> Tensor {
    if shape == other.shape { return self }
    let lead = rank - other.rank
    var axes = Array(0..<lead)
    for (i, d) in other.shape.enumerated() where d == 1 && shape[lead + i] != 1 {
      axes.append(lead + i)
    }
    return sum(dims: axes, keepDim: true).reshape(other.shape)
  }
}

private func vector(_ values: [Double]) -> Tensor { Tensor(shape: [values.count], scalars: values) }

private func close(_ a: Tensor, _ b: Tensor, _ tolerance: Double = 1e-6) -> Bool {
  a.shape == b.shape
    && zip(a.doubleScalars, b.doubleScalars).allSatisfy {
      Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1))
    }
}

/// Central differences of `f` (any output shape) at `x`: [f.count, x.count].
private func numericJacobian(_ f: (Tensor) -> Tensor, at x: Tensor, eps: Double = 1e-6)
  -> [[Double]]
{
  let base = x.doubleScalars
  var columns = [[Double]]()
  for e in base.indices {
    var plus = base
    var minus = base
    plus[e] += eps
    minus[e] -= eps
    let fp = noGrad { f(Tensor(shape: x.shape, scalars: plus)) }.doubleScalars
    let fm = noGrad { f(Tensor(shape: x.shape, scalars: minus)) }.doubleScalars
    columns.append(zip(fp, fm).map { ($0 - $1) / (2 * eps) })
  }
  return (0..<columns[0].count).map { j in columns.map { $0[j] } }
}

/// A sqrt at 0 (infinite gradient) in anomaly mode; the line of `x.sqrt()` is
/// `anomalousOpLine`.
@Sendable func backwardThroughInfiniteGradient() {
  withAnomalyDetection {
    let x = Tensor(shape: [2], scalars: [0, 1] as [Double]).requiringGrad()
    let y = x.sqrt()
    y.sum().backward()
  }
}
let anomalousOpLine = 123

@Suite("Custom functions, higher-order gradients, transforms and hooks")
struct HigherOrderTests {
  @Test("a user-defined function passes gradcheck and gradgradcheck")
  func customFunctionChecks() {
    let x = Tensor.uniform([2, 3], low: -1, high: 1, dtype: .float64, generator: Generator(seed: 1))
    let y = Tensor.uniform([3], low: -1, high: 1, dtype: .float64, generator: Generator(seed: 2))
    for (name, inputs, f) in [
      ("Cube", [x], { (t: [Tensor]) in Cube()(t[0]) }),
      ("SavedExp", [x], { (t: [Tensor]) in SavedExp()(t[0]) }),
      ("ScaledProduct", [x, y], { (t: [Tensor]) in ScaledProduct(scale: 1.5)(t[0], t[1]) }),
      ("Cube of SavedExp", [x], { (t: [Tensor]) in Cube()(SavedExp()(t[0]).sin()) }),
    ] as [(String, [Tensor], ([Tensor]) -> Tensor)] {
      let first = gradcheck(name, inputs: inputs, f)
      #expect(first.passed, "\(first)")
      let second = gradgradcheck(name, inputs: inputs, f)
      #expect(second.passed, "\(second)")
    }
  }

  @Test("a custom function is recorded under its name and its saved output has no cycle")
  func customFunctionOnTheTape() {
    let x = vector([0.5, 1.0]).requiringGrad()
    let y = SavedExp()(x)
    #expect(y.gradFunction == OpKind("SavedExp"))
    #expect(y.recordedOps.contains(OpKind("SavedExp")))
    y.sum().backward()
    #expect(close(x.grad!, x.exp()))
    // Off the tape: forward only.
    let z = noGrad { SavedExp()(x) }
    #expect(!z.requiresGrad)
  }

  @Test("a straight-through estimator trains a rounded weight to the target")
  func straightThroughEstimatorTrains() {
    let x = vector([1, 2, 3, 4])
    let y = x * 3
    var w = vector([0.2]).requiringGrad()
    var losses = [Double]()
    for _ in 0..<60 {
      let loss = (RoundStraightThrough()(w) * x - y).pow(2).mean()
      losses.append(loss.item())
      loss.backward()
      w = noGrad { (w - 0.02 * w.grad!) }.requiringGrad()
    }
    #expect(losses.first! > 40)
    #expect(losses.last! == 0, "losses \(losses.suffix(5))")
    #expect(w.round().item() == 3)
  }

  @Test("a gradient-reversal layer trains the features against the domain head")
  func gradientReversalTrains() {
    // Two features h = x·W: the first predicts the task target, the second feeds a fixed domain
    // head. Through the reversal layer, W climbs the domain loss while it descends the task
    // loss (domain-adversarial training); without it, W descends both.
    let x = Tensor(shape: [4, 2], scalars: [1, 0.5, 2, -0.3, -1, 0.8, -2, -0.6] as [Double])
    let y = Tensor(shape: [4, 1], scalars: [2, 4, -2, -4] as [Double])
    let domain = Tensor(shape: [4, 1], scalars: [1, 0, 1, 0] as [Double])
    func train(reversed: Bool) -> (task: [Double], domain: [Double]) {
      var w = Tensor(shape: [2, 2], scalars: [0.1, 0.2, 0.3, -0.1] as [Double]).requiringGrad()
      var history: (task: [Double], domain: [Double]) = ([], [])
      for _ in 0..<50 {
        let h = x.matmul(w)
        let feature = h.slice(dim: 1, start: 1)
        let adversarial = reversed ? GradientReversal(lambda: 1)(feature) : feature
        let taskLoss = (h.slice(dim: 1, start: 0, end: 1) - y).pow(2).mean()
        let domainLoss = ((adversarial * 2).sigmoid() - domain).pow(2).mean()
        history.task.append(taskLoss.item())
        history.domain.append(domainLoss.item())
        (taskLoss + domainLoss).backward()
        w = noGrad { w - 0.05 * w.grad! }.requiringGrad()
      }
      return history
    }
    let cooperative = train(reversed: false)
    let adversarial = train(reversed: true)
    #expect(cooperative.task.last! < 0.1 * cooperative.task.first!)
    #expect(adversarial.task.last! < 0.1 * adversarial.task.first!)
    #expect(cooperative.domain.last! < cooperative.domain.first!)
    #expect(adversarial.domain.last! > adversarial.domain.first! + 0.05, "\(adversarial.domain)")
  }

  @Test("backward with createGraph makes the gradient differentiable, and it accumulates")
  func backwardCreateGraph() {
    let x = vector([0.5, -1, 2]).requiringGrad()
    (x * x * x).sum().backward(createGraph: true)
    let first = x.grad!
    #expect(first.requiresGrad)
    #expect(close(first, 3 * x * x))
    x.grad!.sum().backward()
    // PyTorch: the second backward adds d(Σ 3x²)/dx = 6x to the existing 3x².
    #expect(close(x.grad!.detached(), noGrad { 3 * x * x + 6 * x }))
    x.zeroGrad()
  }

  @Test("grad returns gradients without touching .grad, and second derivatives of a composite")
  func functionalGrad() {
    let x = vector([0.3, -0.7, 1.1]).requiringGrad()
    let y = (x.sin() * x.exp()).sum()
    let g = grad([y], [x], createGraph: true)[0]!
    #expect(x.grad == nil)
    // d/dx (sin x · eˣ) = eˣ (sin x + cos x); d²/dx² = 2 eˣ cos x.
    #expect(close(g, noGrad { x.exp() * (x.sin() + x.cos()) }, 1e-12))
    let h = grad([g.sum()], [x])[0]!
    #expect(close(h, noGrad { 2 * x.exp() * x.cos() }, 1e-12))
    #expect(!h.requiresGrad)
    // Unused inputs.
    let unused = vector([1]).requiringGrad()
    let results = grad([x.sum()], [x, unused], allowUnused: true)
    #expect(results[1] == nil)
    #expect(grad(x.sum(), unused).doubleScalars == [0])
  }

  @Test("grad with respect to an intermediate, several outputs and gradOutputs")
  func gradOfIntermediateAndSeveralOutputs() {
    let x = vector([1, 2]).requiringGrad()
    let h = x * 3
    let a = (h * h).sum()
    let b = h.exp()
    let gh = grad([a, b], [h], gradOutputs: [nil, vector([1, 0.5])])[0]!
    #expect(close(gh, noGrad { 2 * h + vector([1, 0.5]) * h.exp() }))
  }

  @Test("the transforms match finite differences")
  func transforms() {
    let f: (Tensor) -> Tensor = { x in
      Tensor.stack([(x * x).sum(), (x.slice(dim: 0, start: 0, end: 2).exp() * x.slice(dim: 0, start: 1)).sum()])
    }
    let x = vector([0.2, -0.5, 0.9])
    let jNumeric = numericJacobian(f, at: x)
    let j = jacobian(f, at: x)
    #expect(j.shape == [2, 3])
    #expect(zip(j.doubleScalars, jNumeric.flatMap { $0 }).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
    let u = vector([0.7, -1.3])
    let (value, uJ) = vjp(f, at: x, v: u)
    #expect(close(value, f(x)))
    let expectedVJP = (0..<3).map { e in (0..<2).reduce(0.0) { $0 + u.doubleScalars[$1] * jNumeric[$1][e] } }
    #expect(close(uJ, vector(expectedVJP)))
    let v = vector([1, 0.5, -2])
    let (_, jv) = jvp(f, at: x, v: v)
    let expectedJVP = (0..<2).map { i in (0..<3).reduce(0.0) { $0 + jNumeric[i][$1] * v.doubleScalars[$1] } }
    #expect(close(jv, vector(expectedJVP)))

    let scalar: (Tensor) -> Tensor = { x in (x.sin() * x.slice(dim: 0, start: 1).sum()).sum() + x.pow(3).sum() }
    let hNumeric = numericJacobian({ gradient(scalar, at: $0) }, at: x)
    let h = hessian(scalar, at: x)
    #expect(h.shape == [3, 3])
    #expect(zip(h.doubleScalars, hNumeric.flatMap { $0 }).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
    let hv = hvp(scalar, at: x, v: v).hvp
    let vh = vhp(scalar, at: x, v: v).vhp
    let expected = (0..<3).map { i in (0..<3).reduce(0.0) { $0 + hNumeric[i][$1] * v.doubleScalars[$1] } }
    #expect(close(hv, vector(expected)))
    #expect(close(vh, vector(expected)))
  }

  @Test("a tensor hook sees and replaces the gradient; a handle removes it")
  func tensorHooks() {
    let x = vector([1, 2]).requiringGrad()
    let h = x * 2
    var seen = [[Double]]()
    let handle = h.registerHook { g in
      seen.append(g.doubleScalars)
      return g * 10
    }
    (h * h).sum().backward(retainGraph: true)
    #expect(seen == [[4, 8]])
    #expect(x.grad!.doubleScalars == [80, 160])
    handle.remove()
    x.zeroGrad()
    (h * h).sum().backward()
    #expect(seen.count == 1)
    #expect(x.grad!.doubleScalars == [8, 16])
    // A hook on a leaf changes what accumulates.
    let w = vector([3]).requiringGrad()
    w.registerHook { -$0 }
    (w * 2).sum().backward()
    #expect(w.grad!.doubleScalars == [-2])
  }

  @Test("a post-accumulate-grad hook runs after the leaf's gradient accumulated")
  func postAccumulateHooks() {
    let w = vector([1, 2]).requiringGrad()
    var observed = [[Double]]()
    let handle = w.registerPostAccumulateGradHook { leaf in
      observed.append(leaf.grad!.doubleScalars)
    }
    (w * 3).sum().backward()
    (w * 3).sum().backward()
    #expect(observed == [[3, 3], [6, 6]])
    handle.remove()
    (w * 3).sum().backward()
    #expect(observed.count == 2)
    // grad() accumulates nothing and calls no post-accumulate hook.
    w.registerPostAccumulateGradHook { _ in observed.append([]) }
    _ = grad([(w * 3).sum()], [w])
    #expect(observed.count == 2)
  }

  @Test("a 100,000-op chain works to first and second order")
  func longChain() {
    let x = vector([0.5]).requiringGrad()
    var y = x
    for _ in 0..<100_000 { y = y * 1.000001 + 0.000001 }
    let loss = (y * y).sum()
    let g = grad([loss], [x], createGraph: true)[0]!
    let factor = Foundation.pow(1.000001, 100_000.0)
    #expect(Swift.abs(g.item() - 2 * y.item() * factor) < 1e-9)
    let h = grad([g.sum()], [x])[0]!
    #expect(Swift.abs(h.item() - 2 * factor * factor) < 1e-9)
  }

  @Test("differentiating a gradient computed without createGraph says so")
  func gradientWithoutGraphMessage() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let x = Tensor(shape: [2], scalars: [1, 2] as [Double]).requiringGrad()
      (x * x).sum().backward()
      x.grad!.sum().backward()
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.contains("computed without createGraph"), "\(stderr)")
  }

  @Test("differentiating a once-differentiable function twice stops with a message")
  func onceDifferentiable() async {
    let x = vector([1.5, -2]).requiringGrad()
    let g = grad([RawSquare()(x).sum()], [x], createGraph: true)[0]!
    #expect(g.doubleScalars == [3, -4])
    #expect(gradcheck("RawSquare", inputs: [vector([0.3, 0.8])]) { RawSquare()($0[0]) }.passed)
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let x = Tensor(shape: [2], scalars: [1.5, -2] as [Double]).requiringGrad()
      let g = grad([RawSquare()(x).sum()], [x], createGraph: true)[0]!
      _ = grad([g.sum()], [x])
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.contains("RawSquare is once differentiable"), "\(stderr)")
  }

  @Test("grad on an input the output does not use stops unless allowUnused")
  func unusedInputMessage() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let x = Tensor(shape: [2], scalars: [1, 2] as [Double]).requiringGrad()
      let unused = Tensor(shape: [1], scalars: [0] as [Double]).requiringGrad()
      _ = grad([x.sum()], [x, unused])
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.contains("grad: input 1 of shape [1] was not used"), "\(stderr)")
  }

  @Test("anomaly mode names the file and line where the failing op was created")
  func anomalySite() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      backwardThroughInfiniteGradient()
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.contains("anomaly: the backward of sqrt"), "\(stderr)")
    #expect(stderr.contains("HigherOrderTests.swift:\(anomalousOpLine)"), "\(stderr)")
  }
}
