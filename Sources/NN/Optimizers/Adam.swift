import Foundation

/// Adam, with PyTorch's exact update including bias correction (`torch.optim.Adam`):
///
/// g = g + λ·p; m = lerp(m, g, 1 − β₁); v = β₂·v + (1 − β₂)·g²;
/// p = p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε), with v replaced by its running maximum
/// under AMSGrad. ``AdamW`` decays the weights instead of adding λ·p to the gradient.
public class Adam: Optimizer, @unchecked Sendable {
  /// β₁ and β₂.
  public var betas: (Double, Double)
  /// The term added to the denominator.
  public let eps: Double
  /// The L2 penalty λ (Adam) or decoupled weight decay (AdamW) of groups that set none.
  public let weightDecay: Double
  /// Whether to use the AMSGrad variant.
  public let amsgrad: Bool
  /// Whether weight decay is decoupled (AdamW).
  let decoupled: Bool

  /// Creates the optimizer over tensors or ``ParameterGroup``s, with PyTorch's defaults.
  public init<P: OptimizerParameters>(
    _ parameters: [P], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
    eps: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false
  ) {
    self.betas = betas
    self.eps = eps
    self.weightDecay = weightDecay
    self.amsgrad = amsgrad
    decoupled = false
    super.init(parameters, learningRate: learningRate, weightDecay: weightDecay)
  }

  init<P: OptimizerParameters>(
    decoupled parameters: [P], learningRate: Double, betas: (Double, Double), eps: Double,
    weightDecay: Double, amsgrad: Bool
  ) {
    self.betas = betas
    self.eps = eps
    self.weightDecay = weightDecay
    self.amsgrad = amsgrad
    decoupled = true
    super.init(parameters, learningRate: learningRate, weightDecay: weightDecay)
  }

  /// One update of every parameter that has a gradient.
  public override func step() {
    for (i, p) in parameters.enumerated() {
      guard let grad = p.grad else { continue }
      let t = (steps[i] ?? 0) + 1
      steps[i] = t
      let m = buffer(i, "exp_avg")
      let v = buffer(i, "exp_avg_sq")
      let vmax = amsgrad ? buffer(i, "max_exp_avg_sq") : nil
      if p.dtype == .float32 {
        update(Float.self, i, p, grad, m, v, vmax, t)
      } else {
        update(Double.self, i, p, grad, m, v, vmax, t)
      }
    }
  }

  private func update<T: TensorScalar>(
    _: T.Type, _ i: Int, _ p: Tensor, _ grad: Tensor, _ m: Tensor, _ v: Tensor, _ vmax: Tensor?,
    _ t: Int
  ) {
    let g = grad.to(p.dtype)
    let pp = p.unsafeMutableElements(T.self)
    let gp = g.unsafeMutableElements(T.self)
    let mp = m.unsafeMutableElements(T.self)
    let vp = v.unsafeMutableElements(T.self)
    let xp = vmax?.unsafeMutableElements(T.self)
    let (b1, b2) = (T(betas.0), T(betas.1))
    let learningRate = learningRate(ofParameter: i)
    let weightDecay = weightDecay(ofParameter: i)
    let bc1 = 1 - Foundation.pow(betas.0, Double(t))
    let bc2 = 1 - Foundation.pow(betas.1, Double(t))
    let stepSize = T(learningRate / bc1)
    let bc2Sqrt = T(bc2.squareRoot())
    let e = T(eps)
    let wd = T(weightDecay)
    let decay = T(1 - learningRate * weightDecay)
    let weight = 1 - b1
    if weightDecay == 0 && xp == nil {
      // The common case, sixteen lanes at a time with no branches (scalar code here would wait on
      // a divide and a square root per element), in fixed chunks on the kernel threads. Lane
      // arithmetic is IEEE-exact and in the same order as the general loop below, so every
      // split gives the same bits.
      let (w16, b216, c216) = (
        SIMD16<T>(repeating: weight), SIMD16<T>(repeating: b2), SIMD16<T>(repeating: 1 - b2)
      )
      let (s16, q16, e16) = (
        SIMD16<T>(repeating: -stepSize), SIMD16<T>(repeating: bc2Sqrt), SIMD16<T>(repeating: e)
      )
      let (p, g, mm, vv) = (pp.baseAddress!, gp.baseAddress!, mp.baseAddress!, vp.baseAddress!)
      func load(_ x: UnsafeMutablePointer<T>) -> SIMD16<T> {
        UnsafeRawPointer(x).loadUnaligned(as: SIMD16<T>.self)
      }
      func store(_ v: SIMD16<T>, _ x: UnsafeMutablePointer<T>) {
        UnsafeMutableRawPointer(x).storeBytes(of: v, as: SIMD16<T>.self)
      }
      parallelChunks(pp.count) { range in
        var j = range.lowerBound
        while j + 16 <= range.upperBound {
          let gj = load(g + j)
          let m0 = load(mm + j)
          let m = m0 + w16 * (gj - m0)
          let v = load(vv + j) * b216 + c216 * gj * gj
          store(m, mm + j)
          store(v, vv + j)
          store(load(p + j) + s16 * (m / (v.squareRoot() / q16 + e16)), p + j)
          j += 16
        }
        while j < range.upperBound {
          let gj = g[j]
          let m = mm[j] + weight * (gj - mm[j])
          let v = vv[j] * b2 + (1 - b2) * gj * gj
          mm[j] = m
          vv[j] = v
          p[j] += -stepSize * (m / (v.squareRoot() / bc2Sqrt + e))
          j += 1
        }
      }
      return
    }
    for j in 0..<pp.count {
      var gj = gp[j]
      if weightDecay != 0 {
        if decoupled { pp[j] *= decay } else { gj += wd * pp[j] }
      }
      mp[j] += weight * (gj - mp[j])
      vp[j] = vp[j] * b2 + (1 - b2) * gj * gj
      var second = vp[j]
      if let xp {
        xp[j] = Swift.max(xp[j], vp[j])
        second = xp[j]
      }
      let denom = second.squareRoot() / bc2Sqrt + e
      pp[j] += -stepSize * (mp[j] / denom)
    }
  }
}

/// Adam with decoupled weight decay (`torch.optim.AdamW`): p = p·(1 − lr·λ) before the Adam
/// update. The default λ is 0.01, as in PyTorch.
public final class AdamW: Adam, @unchecked Sendable {
  /// Creates the optimizer over tensors or ``ParameterGroup``s, with PyTorch's defaults.
  public override init<P: OptimizerParameters>(
    _ parameters: [P], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
    eps: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false
  ) {
    super.init(
      decoupled: parameters, learningRate: learningRate, betas: betas, eps: eps,
      weightDecay: weightDecay, amsgrad: amsgrad)
  }
}
