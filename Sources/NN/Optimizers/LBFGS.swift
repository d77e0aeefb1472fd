import Foundation

/// The line search of ``LBFGS``.
public enum LineSearch: Sendable {
  /// A fixed step of the learning rate (PyTorch's `line_search_fn=None`).
  case none
  /// A line search satisfying the strong Wolfe conditions (`"strong_wolfe"`).
  case strongWolfe
}

/// L-BFGS, a port of `torch.optim.LBFGS` (itself after minFunc): each ``step(_:)`` runs up to
/// `maxIterations` quasi-Newton iterations, calling `closure` (which zeroes the gradients,
/// computes the loss, calls `backward()` and returns the loss) to re-evaluate. One parameter
/// group only, as in PyTorch. The arithmetic is in `Double` on the flattened parameters (PyTorch
/// works in the parameters' dtype, so float32 runs agree to float32 precision).
///
/// ```swift
/// let optimizer = LBFGS(model.parameters(), lineSearch: .strongWolfe)
/// for _ in 0..<10 {
///   optimizer.step {
///     optimizer.zeroGrad()
///     let loss = mseLoss(model(x), y)
///     loss.backward()
///     return loss
///   }
/// }
/// ```
public final class LBFGS: Optimizer, @unchecked Sendable {
  /// The most iterations per ``step(_:)``.
  public let maxIterations: Int
  /// The most closure evaluations per ``step(_:)``.
  public let maxEvaluations: Int
  /// Stops when every gradient element is at most this in magnitude.
  public let toleranceGrad: Double
  /// Stops when the step or the change of the loss is below this.
  public let toleranceChange: Double
  /// The number of curvature pairs kept.
  public let historySize: Int
  /// The line search.
  public let lineSearch: LineSearch
  /// The total number of closure evaluations (PyTorch's `func_evals`).
  public private(set) var functionEvaluations = 0
  /// The total number of iterations (PyTorch's `n_iter`).
  public private(set) var iterations = 0

  private var direction: [Double] = []
  private var stepLength = 0.0
  private var oldDirections: [[Double]] = []
  private var oldSteps: [[Double]] = []
  private var rho: [Double] = []
  private var hDiagonal = 1.0
  private var previousFlatGrad: [Double]?
  private var previousLoss = 0.0

  /// Creates the optimizer with PyTorch's defaults (`maxEvaluations` defaults to
  /// `maxIterations·5/4`).
  public init(
    _ parameters: [Tensor], learningRate: Double = 1, maxIterations: Int = 20,
    maxEvaluations: Int? = nil, toleranceGrad: Double = 1e-7, toleranceChange: Double = 1e-9,
    historySize: Int = 100, lineSearch: LineSearch = .none
  ) {
    check(learningRate >= 0, "LBFGS: invalid learning rate \(learningRate)")
    self.maxIterations = maxIterations
    self.maxEvaluations = maxEvaluations ?? maxIterations * 5 / 4
    self.toleranceGrad = toleranceGrad
    self.toleranceChange = toleranceChange
    self.historySize = historySize
    self.lineSearch = lineSearch
    super.init(parameters, learningRate: learningRate)
  }

  /// LBFGS needs a closure: call ``step(_:)``.
  public override func step() {
    check(false, "LBFGS: step() needs a closure that re-evaluates the loss; call step { … }")
  }

  /// Runs up to `maxIterations` iterations, re-evaluating with `closure`, and returns the loss
  /// of the first evaluation.
  @discardableResult
  public func step(_ closure: () -> Tensor) -> Tensor {
    let originalLoss = closure()
    var loss = originalLoss.item()
    var currentEvaluations = 1
    functionEvaluations += 1
    var flatGrad = gatherFlatGrad()
    if maxAbs(flatGrad) <= toleranceGrad { return originalLoss }
    let lr = learningRate
    var iteration = 0
    while iteration < maxIterations {
      iteration += 1
      iterations += 1
      if iterations == 1 {
        direction = flatGrad.map { -$0 }
        oldDirections = []
        oldSteps = []
        rho = []
        hDiagonal = 1
      } else {
        let y = zip(flatGrad, previousFlatGrad!).map { $0 - $1 }
        let s = direction.map { $0 * stepLength }
        let ys = dot(y, s)
        if ys > 1e-10 {
          if oldDirections.count == historySize {
            oldDirections.removeFirst()
            oldSteps.removeFirst()
            rho.removeFirst()
          }
          oldDirections.append(y)
          oldSteps.append(s)
          rho.append(1 / ys)
          hDiagonal = ys / dot(y, y)
        }
        var q = flatGrad.map { -$0 }
        var al = [Double](repeating: 0, count: oldDirections.count)
        for i in stride(from: oldDirections.count - 1, through: 0, by: -1) {
          al[i] = dot(oldSteps[i], q) * rho[i]
          for j in q.indices { q[j] += -al[i] * oldDirections[i][j] }
        }
        var r = q.map { $0 * hDiagonal }
        for i in oldDirections.indices {
          let be = dot(oldDirections[i], r) * rho[i]
          for j in r.indices { r[j] += (al[i] - be) * oldSteps[i][j] }
        }
        direction = r
      }
      previousFlatGrad = flatGrad
      previousLoss = loss
      stepLength =
        iterations == 1 ? Swift.min(1, 1 / flatGrad.reduce(0) { $0 + Swift.abs($1) }) * lr : lr
      let gtd = dot(flatGrad, direction)
      if gtd > -toleranceChange { break }
      var lineSearchEvaluations = 0
      switch lineSearch {
      case .strongWolfe:
        let start = parameters.map { $0.doubleScalars }
        let result = strongWolfe(
          closure, start, stepLength, direction, loss, flatGrad, gtd,
          maxSteps: maxEvaluations - currentEvaluations)
        (loss, flatGrad, stepLength, lineSearchEvaluations) = result
        addToParameters(stepLength, direction)
      case .none:
        addToParameters(stepLength, direction)
        if iteration != maxIterations {
          loss = closure().item()
          flatGrad = gatherFlatGrad()
          lineSearchEvaluations = 1
        }
      }
      currentEvaluations += lineSearchEvaluations
      functionEvaluations += lineSearchEvaluations
      if iteration == maxIterations || currentEvaluations >= maxEvaluations { break }
      if maxAbs(flatGrad) <= toleranceGrad { break }
      if maxAbs(direction) * Swift.abs(stepLength) <= toleranceChange { break }
      if Swift.abs(loss - previousLoss) < toleranceChange { break }
    }
    return originalLoss
  }

  /// The gradients of every parameter, flattened (zeros for a parameter with none).
  private func gatherFlatGrad() -> [Double] {
    parameters.flatMap { p in p.grad?.doubleScalars ?? [Double](repeating: 0, count: p.count) }
  }

  /// Adds `t·d` to the flattened parameters.
  private func addToParameters(_ t: Double, _ d: [Double]) {
    var offset = 0
    noGrad {
      for p in parameters {
        let values = p.doubleScalars
        let updated = (0..<p.count).map { values[$0] + t * d[offset + $0] }
        p.assign(Tensor(shape: p.shape, scalars: updated))
        offset += p.count
      }
    }
  }

  private func setParameters(_ values: [[Double]]) {
    noGrad {
      for (p, v) in zip(parameters, values) { p.assign(Tensor(shape: p.shape, scalars: v)) }
    }
  }

  /// The loss and flat gradient at `x + t·d`, leaving the parameters at `x`.
  private func evaluate(_ closure: () -> Tensor, _ x: [[Double]], _ t: Double, _ d: [Double])
    -> (Double, [Double])
  {
    addToParameters(t, d)
    let loss = closure().item()
    let g = gatherFlatGrad()
    setParameters(x)
    return (loss, g)
  }

  /// PyTorch's `_strong_wolfe`: the loss, gradient and step it accepts, and its evaluations.
  private func strongWolfe(
    _ closure: () -> Tensor, _ x: [[Double]], _ t0: Double, _ d: [Double], _ f: Double,
    _ g: [Double], _ gtd: Double, c1: Double = 1e-4, c2: Double = 0.9, maxSteps: Int
  ) -> (Double, [Double], Double, Int) {
    var t = t0
    let dNorm = maxAbs(d)
    var (fNew, gNew) = evaluate(closure, x, t, d)
    var evaluations = 1
    var gtdNew = dot(gNew, d)
    var (tPrev, fPrev, gPrev, gtdPrev) = (0.0, f, g, gtd)
    var done = false
    var iteration = 0
    var bracket: [Double] = []
    var bracketF: [Double] = []
    var bracketG: [[Double]] = []
    var bracketGtd: [Double] = []
    while iteration < maxSteps {
      if fNew > f + c1 * t * gtd || (iteration > 1 && fNew >= fPrev) {
        (bracket, bracketF, bracketG, bracketGtd) = (
          [tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]
        )
        break
      }
      if Swift.abs(gtdNew) <= -c2 * gtd {
        (bracket, bracketF, bracketG) = ([t], [fNew], [gNew])
        done = true
        break
      }
      if gtdNew >= 0 {
        (bracket, bracketF, bracketG, bracketGtd) = (
          [tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]
        )
        break
      }
      let minStep = t + 0.01 * (t - tPrev)
      let maxStep = t * 10
      let previous = t
      t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, bounds: (minStep, maxStep))
      (tPrev, fPrev, gPrev, gtdPrev) = (previous, fNew, gNew, gtdNew)
      (fNew, gNew) = evaluate(closure, x, t, d)
      evaluations += 1
      gtdNew = dot(gNew, d)
      iteration += 1
    }
    if iteration == maxSteps {
      (bracket, bracketF, bracketG) = ([0, t], [f, fNew], [g, gNew])
    }
    var insufficientProgress = false
    var (low, high) = bracketF[0] <= bracketF[bracketF.count - 1] ? (0, 1) : (1, 0)
    while !done && iteration < maxSteps {
      if Swift.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange { break }
      t = cubicInterpolate(
        bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1])
      let (lo, hi) = (bracket.min()!, bracket.max()!)
      let eps = 0.1 * (hi - lo)
      if Swift.min(hi - t, t - lo) < eps {
        if insufficientProgress || t >= hi || t <= lo {
          t = Swift.abs(t - hi) < Swift.abs(t - lo) ? hi - eps : lo + eps
          insufficientProgress = false
        } else {
          insufficientProgress = true
        }
      } else {
        insufficientProgress = false
      }
      (fNew, gNew) = evaluate(closure, x, t, d)
      evaluations += 1
      gtdNew = dot(gNew, d)
      iteration += 1
      if fNew > f + c1 * t * gtd || fNew >= bracketF[low] {
        (bracket[high], bracketF[high], bracketG[high], bracketGtd[high]) = (t, fNew, gNew, gtdNew)
        (low, high) = bracketF[0] <= bracketF[1] ? (0, 1) : (1, 0)
      } else {
        if Swift.abs(gtdNew) <= -c2 * gtd {
          done = true
        } else if gtdNew * (bracket[high] - bracket[low]) >= 0 {
          (bracket[high], bracketF[high], bracketG[high], bracketGtd[high]) = (
            bracket[low], bracketF[low], bracketG[low], bracketGtd[low]
          )
        }
        (bracket[low], bracketF[low], bracketG[low], bracketGtd[low]) = (t, fNew, gNew, gtdNew)
      }
    }
    return (bracketF[low], bracketG[low], bracket[low], evaluations)
  }

  /// The minimiser of the cubic through two points with their slopes, clamped to `bounds`.
  private func cubicInterpolate(
    _ x1: Double, _ f1: Double, _ g1: Double, _ x2: Double, _ f2: Double, _ g2: Double,
    bounds: (Double, Double)? = nil
  ) -> Double {
    let (lo, hi) = bounds ?? (x1 <= x2 ? (x1, x2) : (x2, x1))
    let d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    let d2Square = d1 * d1 - g1 * g2
    guard d2Square >= 0 else { return (lo + hi) / 2 }
    let d2 = d2Square.squareRoot()
    let minimum =
      x1 <= x2
      ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
      : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return Swift.min(Swift.max(minimum, lo), hi)
  }
}

private func dot(_ a: [Double], _ b: [Double]) -> Double {
  zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
}

private func maxAbs(_ a: [Double]) -> Double { a.reduce(0) { Swift.max($0, Swift.abs($1)) } }
