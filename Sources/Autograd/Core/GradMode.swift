/// Per-thread switches of the tape: whether ops are recorded.
enum GradMode {
  /// Whether ops record their backward. Bound per thread (or task) by ``noGrad(_:)``.
  @TaskLocal static var isEnabled = true
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
