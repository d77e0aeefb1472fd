import AutogradKernels

/// The outcome of ``gradcheck(_:inputs:eps:atol:rtol:_:)``: whether every analytic derivative
/// matched its central-difference estimate, and the worst element.
public struct GradcheckResult: Sendable, CustomStringConvertible {
  /// The name of the function or op checked.
  public let name: String
  /// Whether |analytic − numeric| ≤ atol + rtol·|numeric| held for every Jacobian element.
  public let passed: Bool
  /// The input whose derivative was worst (relative to its tolerance).
  public let inputIndex: Int
  /// The flat index of the worst element within that input.
  public let elementIndex: Int
  /// The flat index of the output element of the worst Jacobian entry.
  public let outputIndex: Int
  /// The analytic derivative at the worst element.
  public let analytic: Double
  /// The numeric (central-difference) derivative at the worst element.
  public let numeric: Double
  /// The number of Jacobian elements compared.
  public let checkedElements: Int

  /// A one-line report naming the function, the worst element and both values.
  public var description: String {
    let verdict = passed ? "passed" : "FAILED"
    return
      "gradcheck \(verdict) for \(name): worst at input \(inputIndex), element \(elementIndex), output \(outputIndex): analytic \(analytic), numeric \(numeric) (\(checkedElements) elements checked)"
  }
}

/// Checks the gradients of `function` at `inputs` against central differences, like
/// `torch.autograd.gradcheck`.
///
/// Every floating-point input must be `float64`; `int64` inputs (indices) are passed through
/// unchanged. The full Jacobian is compared: the analytic one row by row through `backward`
/// with a one-hot upstream gradient, the numeric one column by column with steps of ±`eps`.
///
/// ```swift
/// let x = Tensor.randn([3, 4], dtype: .float64)
/// let result = gradcheck("softmax", inputs: [x]) { $0[0].softmax(dim: 1) }
/// check(result.passed, result.description)
/// ```
public func gradcheck(
  _ name: String = "function", inputs: [Tensor], eps: Double = 1e-6, atol: Double = 1e-5,
  rtol: Double = 1e-3, _ function: ([Tensor]) -> Tensor
) -> GradcheckResult {
  for (i, x) in inputs.enumerated() where x.dtype == .float32 {
    fatalError("gradcheck: input \(i) of shape \(x.shape) is float32; use float64")
  }
  let leaves = inputs.map { $0.dtype == .float64 ? $0.requiringGrad() : $0.detached() }
  let output = withGradEnabled(true) { function(leaves) }
  check(output.dtype == .float64, "gradcheck: \(name) returned \(output.dtype), not float64")
  let m = output.count
  let checked = leaves.indices.filter { leaves[$0].dtype == .float64 }

  // Analytic Jacobian: analytic[input][outputIndex][element].
  var analytic = [Int: [[Double]]]()
  for i in checked { analytic[i] = [] }
  for j in 0..<m {
    for leaf in leaves { leaf.zeroGrad() }
    if output.requiresGrad {
      var seed = [Double](repeating: 0, count: m)
      seed[j] = 1
      output.backward(gradient: Tensor(shape: output.shape, scalars: seed), retainGraph: true)
    }
    for i in checked {
      analytic[i]!.append(
        leaves[i].grad?.doubleScalars ?? [Double](repeating: 0, count: leaves[i].count))
    }
  }

  var worst = (excess: -Double.infinity, input: -1, element: -1, output: -1, a: 0.0, n: 0.0)
  var total = 0
  for i in checked {
    let base = inputs[i].doubleScalars
    for e in 0..<base.count {
      func evaluate(_ delta: Double) -> [Double] {
        var values = base
        values[e] += delta
        var perturbed = inputs.map { $0.detached() }
        perturbed[i] = Tensor(shape: inputs[i].shape, scalars: values)
        return noGrad { function(perturbed) }.doubleScalars
      }
      let plus = evaluate(eps)
      let minus = evaluate(-eps)
      for j in 0..<m {
        let numeric = (plus[j] - minus[j]) / (2 * eps)
        let a = analytic[i]![j][e]
        let excess = Swift.abs(a - numeric) - (atol + rtol * Swift.abs(numeric))
        total += 1
        if excess > worst.excess || excess.isNaN {
          worst = (excess.isNaN ? .infinity : excess, i, e, j, a, numeric)
        }
      }
    }
  }
  return GradcheckResult(
    name: name, passed: worst.excess <= 0 || total == 0, inputIndex: worst.input,
    elementIndex: worst.element, outputIndex: worst.output, analytic: worst.a,
    numeric: worst.n, checkedElements: total)
}

/// Checks the second derivatives of `function` at `inputs` against central differences, like
/// `torch.autograd.gradgradcheck`: ``gradcheck(_:inputs:eps:atol:rtol:_:)`` of the
/// vector-Jacobian product `(x, v) ↦ vᵀ·∂f/∂x`, computed with `createGraph`, with respect to
/// both the inputs `x` and the vector `v`.
///
/// - Parameters:
///   - gradOutputs: The vector `v`, of the output's shape (float64); by default uniform in
///     [−1, 1) from a fixed seed.
/// The returned result names the inputs in the order `inputs`, then `v`.
public func gradgradcheck(
  _ name: String = "function", inputs: [Tensor], gradOutputs: Tensor? = nil, eps: Double = 1e-6,
  atol: Double = 1e-5, rtol: Double = 1e-3, _ function: ([Tensor]) -> Tensor
) -> GradcheckResult {
  let probe = noGrad { function(inputs.map { $0.detached() }) }
  let v =
    gradOutputs
    ?? Tensor.uniform(
      probe.shape, low: -1, high: 1, dtype: .float64, generator: Generator(seed: 0x5eed))
  check(
    v.shape == probe.shape,
    "gradgradcheck: gradOutputs of shape \(v.shape) does not match the output shape \(probe.shape)")
  let n = inputs.count
  return gradcheck(
    "\(name) (second order)", inputs: inputs + [v], eps: eps, atol: atol, rtol: rtol
  ) { all in
    // In gradcheck's analytic pass the inputs are its leaves; in its numeric passes they are
    // plain values with recording off, so make leaves of them and record here.
    let floating = all.map { $0.dtype == .float64 }
    let leaves = all.enumerated().map { i, x in
      floating[i] && !(x.requiresGrad && isGradEnabled) ? x.requiringGrad() : x
    }
    return withGradEnabled(true) {
      let output = function(Array(leaves[0..<n]))
      let wrt = (0..<n).filter { floating[$0] }
      guard output.requiresGrad, !wrt.isEmpty else {
        return Tensor.zeros([wrt.reduce(0) { $0 + all[$1].count }], dtype: .float64)
      }
      let grads = grad(
        [output], wrt.map { leaves[$0] }, gradOutputs: [leaves[n]], createGraph: true,
        allowUnused: true)
      return Tensor.cat(
        zip(grads, wrt).map { g, i in (g ?? Tensor.zeros(like: all[i])).reshape([-1]) })
    }
  }
}
