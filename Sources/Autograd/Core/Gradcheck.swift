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
