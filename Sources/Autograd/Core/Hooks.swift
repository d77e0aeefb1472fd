import AutogradKernels
import Synchronization

// Gradient hooks on tensors, like `register_hook` and `register_post_accumulate_grad_hook`.

private let hookCounter = Atomic<Int>(0)

/// Removes the hook it was returned for, like PyTorch's `RemovableHandle`.
public final class HookHandle: @unchecked Sendable {
  private weak var node: Node?
  private let id: Int

  init(node: Node, id: Int) {
    self.node = node
    self.id = id
  }

  /// Removes the hook; later backward passes no longer call it. Removing twice does nothing.
  public func remove() {
    node?.hooks.removeAll { $0.id == id }
    node?.postAccumulateHooks.removeAll { $0.id == id }
  }
}

extension Tensor {
  /// Calls `hook` with the gradient flowing into this tensor each time backward computes it,
  /// like `tensor.register_hook`. Returning a tensor (of the same shape) replaces the gradient
  /// for everything upstream, and for ``grad`` on a leaf; returning `nil` keeps it.
  ///
  /// Hooks run in the order registered, once per backward pass, after the gradients from every
  /// use of the tensor were summed. The tensor must require a gradient.
  @discardableResult
  public func registerHook(_ hook: @escaping (Tensor) -> Tensor?) -> HookHandle {
    guard let node else {
      fatalError(
        "registerHook: cannot register a hook on a tensor of shape \(shape) that does not require grad"
      )
    }
    let id = hookCounter.wrappingAdd(1, ordering: .relaxed).oldValue
    node.hooks.append((id, hook))
    return HookHandle(node: node, id: id)
  }

  /// Calls `hook` with this leaf after backward has accumulated its gradient into ``grad``,
  /// like `tensor.register_post_accumulate_grad_hook` (for example to step an optimizer
  /// parameter by parameter during backward). Not called by
  /// ``grad(_:_:gradOutputs:retainGraph:createGraph:allowUnused:)``, which accumulates nothing.
  @discardableResult
  public func registerPostAccumulateGradHook(_ hook: @escaping (Tensor) -> Void) -> HookHandle {
    guard let node, node.op == .leaf else {
      fatalError(
        "registerPostAccumulateGradHook: the tensor of shape \(shape) is not a leaf that requires grad"
      )
    }
    let id = hookCounter.wrappingAdd(1, ordering: .relaxed).oldValue
    node.postAccumulateHooks.append((id, hook))
    return HookHandle(node: node, id: id)
  }
}
