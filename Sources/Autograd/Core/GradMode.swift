import AutogradKernels

/// Per-thread switches of the tape: whether ops are recorded.
enum GradMode {
  /// Whether ops record their backward. Bound per thread (or task) by ``noGrad(_:)``.
  @TaskLocal static var isEnabled = true
  /// Whether backward checks every gradient for NaN and infinity (``withAnomalyDetection(_:)``).
  @TaskLocal static var detectsAnomalies = false
}

/// Whether ops are currently recorded on the tape on this thread.
public var isGradEnabled: Bool { GradMode.isEnabled }

/// Runs `body` with recording switched off on this thread, like `with torch.no_grad():`.
///
/// Tensors produced inside do not require gradients. Optimizer steps and evaluation run here.
@discardableResult
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
  try GradMode.$isEnabled.withValue(false, operation: body)
}

/// Runs `body` with recording switched on or off on this thread, like `torch.set_grad_enabled`.
@discardableResult
public func withGradEnabled<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
  try GradMode.$isEnabled.withValue(enabled, operation: body)
}

/// Runs `body` with anomaly detection on this thread, like `torch.autograd.detect_anomaly()`:
/// backward checks every gradient an op's pullback returns and stops at the first NaN or
/// infinity with a message naming that op, its shapes and the input whose gradient went bad.
/// It slows backward down; use it to find where a NaN comes from, then switch it off.
@discardableResult
public func withAnomalyDetection<R>(_ body: () throws -> R) rethrows -> R {
  try GradMode.$detectsAnomalies.withValue(true, operation: body)
}
