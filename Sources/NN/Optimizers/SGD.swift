/// Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay,
/// with PyTorch's exact update (`torch.optim.SGD`):
///
/// d = g + λ·p; b = d on the first step, else μ·b + (1 − τ)·d; d = d + μ·b (Nesterov) or b;
/// p = p − lr·d.
public final class SGD: Optimizer, @unchecked Sendable {
  /// The momentum factor μ.
  public var momentum: Double
  /// The dampening τ of the momentum.
  public let dampening: Double
  /// The L2 penalty λ of groups that set none.
  public let weightDecay: Double
  /// Whether to use Nesterov momentum.
  public let nesterov: Bool

  /// Creates the optimizer over tensors or ``ParameterGroup``s.
  public init<P: OptimizerParameters>(
    _ parameters: [P], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
    weightDecay: Double = 0, nesterov: Bool = false
  ) {
    check(
      !nesterov || (momentum > 0 && dampening == 0),
      "SGD: Nesterov momentum requires a momentum and zero dampening")
    self.momentum = momentum
    self.dampening = dampening
    self.weightDecay = weightDecay
    self.nesterov = nesterov
    super.init(parameters, learningRate: learningRate, weightDecay: weightDecay)
  }

  /// One update of every parameter that has a gradient.
  public override func step() {
    for (i, p) in parameters.enumerated() {
      guard let grad = p.grad else { continue }
      let first = state[i]?["momentum_buffer"] == nil
      let buf = momentum != 0 ? buffer(i, "momentum_buffer") : nil
      if p.dtype == .float32 {
        update(Float.self, i, p, grad, buf, first: first)
      } else {
        update(Double.self, i, p, grad, buf, first: first)
      }
    }
  }

  private func update<T: TensorScalar>(
    _: T.Type, _ i: Int, _ p: Tensor, _ grad: Tensor, _ buf: Tensor?, first: Bool
  ) {
    let g = grad.to(p.dtype)
    let pp = p.unsafeMutableElements(T.self)
    let gp = g.unsafeMutableElements(T.self)
    let lr = T(learningRate(ofParameter: i))
    let weightDecay = weightDecay(ofParameter: i)
    let wd = T(weightDecay)
    let mu = T(momentum)
    let damp = 1 - T(dampening)
    let b = buf?.unsafeMutableElements(T.self)
    if b == nil && weightDecay == 0 {
      // Plain SGD, sixteen lanes at a time in fixed chunks on the kernel threads: the same
      // `p − lr·g` per element as the loop below, so every split gives the same bits.
      let (p, g) = (pp.baseAddress!, gp.baseAddress!)
      let rate = SIMD16<T>(repeating: lr)
      parallelChunks(pp.count) { range in
        var j = range.lowerBound
        while j + 16 <= range.upperBound {
          let pj = UnsafeRawPointer(p + j).loadUnaligned(as: SIMD16<T>.self)
          let gj = UnsafeRawPointer(g + j).loadUnaligned(as: SIMD16<T>.self)
          UnsafeMutableRawPointer(p + j).storeBytes(of: pj - rate * gj, as: SIMD16<T>.self)
          j += 16
        }
        while j < range.upperBound {
          p[j] -= lr * g[j]
          j += 1
        }
      }
      return
    }
    for j in 0..<pp.count {
      var d = gp[j]
      if weightDecay != 0 { d += wd * pp[j] }
      if let b {
        b[j] = first ? d : mu * b[j] + damp * d
        d = nesterov ? d + mu * b[j] : b[j]
      }
      pp[j] -= lr * d
    }
  }
}
