import AutogradKernels

// User-defined differentiable functions: the Swift form of `torch.autograd.Function`.

/// What a ``DifferentiableFunction`` keeps between its forward and its backward, like PyTorch's
/// `ctx`.
public struct FunctionContext {
  /// Whether each input requires a gradient (`ctx.needs_input_grad`), known in forward.
  public let needsInputGradient: [Bool]
  /// Values other than tensors that backward needs (sizes, flags), by name.
  public var values: [String: any Sendable] = [:]
  var saved: [Tensor] = []
  var output: Tensor?

  init(needsInputGradient: [Bool]) { self.needsInputGradient = needsInputGradient }

  /// Keeps tensors for backward, like `ctx.save_for_backward`: inputs, or the output that
  /// forward returns. In backward, ``savedTensors`` gives them back attached to the graph, so a
  /// backward written in tensor ops has correct second derivatives. A saved intermediate of
  /// forward comes back as a constant: its dependence on the inputs is not differentiated.
  public mutating func saveForBackward(_ tensors: Tensor...) { saved.append(contentsOf: tensors) }

  /// The tensors given to ``saveForBackward(_:)``, in order; a saved output is re-attached to
  /// the function's node.
  public var savedTensors: [Tensor] {
    saved.map { tensor in
      if tensor.node == nil, let output, output.storage === tensor.storage,
        output.shape == tensor.shape
      {
        return output
      }
      return tensor
    }
  }
}

/// A differentiable function with its own backward, the Swift form of
/// `torch.autograd.Function`: a gradient-reversal layer, a straight-through estimator, a fused
/// op, a numerically stable formula of your own.
///
/// ```swift
/// struct GradientReversal: DifferentiableFunction {
///   var lambda = 1.0
///   func forward(_ ctx: inout FunctionContext, _ inputs: [Tensor]) -> Tensor { inputs[0] }
///   func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> [Tensor?] {
///     [-lambda * gradOutput]
///   }
/// }
/// let y = GradientReversal(lambda: 0.5)(x)
/// ```
///
/// `forward` runs with recording off, on the inputs as given; `apply` records its result on
/// the tape like any built-in op, so ``gradcheck(_:inputs:eps:atol:rtol:_:)`` and the
/// functional ``grad(_:_:gradOutputs:retainGraph:createGraph:allowUnused:)`` work with it.
/// `backward` returns one gradient per input (`nil` for inputs that need none). Written in
/// tensor ops, it is itself recorded under `createGraph`, so the function can be differentiated
/// twice. A backward that cannot be (it reads raw buffers, say) sets
/// ``isOnceDifferentiable``; differentiating its result again then stops with a message.
public protocol DifferentiableFunction {
  /// The name on the tape and in messages; by default the type's name.
  var name: String { get }
  /// Whether backward is not itself differentiable, like `@once_differentiable`: under
  /// `createGraph` it runs with recording off, and a second backward through its result stops.
  static var isOnceDifferentiable: Bool { get }
  /// Computes the output from the inputs (recording is off); saves what backward needs in
  /// `context`.
  func forward(_ context: inout FunctionContext, _ inputs: [Tensor]) -> Tensor
  /// The gradients of the inputs given the gradient of the output.
  func backward(_ context: FunctionContext, _ gradOutput: Tensor) -> [Tensor?]
}

extension DifferentiableFunction {
  /// The type's name.
  public var name: String { String(describing: Self.self) }
  /// Differentiable any number of times (when backward is written in tensor ops).
  public static var isOnceDifferentiable: Bool { false }

  /// Runs forward on `inputs` and records the result, like `Function.apply`.
  public func apply(_ inputs: [Tensor]) -> Tensor {
    var context = FunctionContext(
      needsInputGradient: inputs.map { isGradEnabled && $0.requiresGrad })
    let output = noGrad { forward(&context, inputs) }.detached()
    context.output = output
    let savesOutput = context.saved.contains {
      $0.node == nil && $0.storage === output.storage
    }
    let (function, name, once) = (self, self.name, Self.isOnceDifferentiable)
    let saved = context
    return Tensor.record(
      OpKind(name), inputs: inputs, output: output, savingOutput: savesOutput
    ) { ctx in
      var context = saved
      context.output = savesOutput ? ctx.output : nil
      guard once && isGradEnabled else { return function.backward(context, ctx.gradOutput) }
      // Once differentiable: compute without a graph, then mark each gradient so that a
      // second backward through it stops here with a message.
      let grads = noGrad { function.backward(context, ctx.gradOutput) }
      let sources = [ctx.gradOutput] + context.savedTensors
      return grads.map { gradient in
        gradient.map { value in
          Tensor.record(
            OpKind("\(name)Backward"), inputs: sources, output: value
          ) { _ in
            fatalError(
              "backward: \(name) is once differentiable (isOnceDifferentiable), so its gradient cannot be differentiated again; write its backward in tensor ops and drop the flag to allow it"
            )
          }
        }
      }
    }
  }

  /// Runs forward on `inputs` and records the result.
  public func apply(_ inputs: Tensor...) -> Tensor { apply(inputs) }

  /// Runs forward on `inputs` and records the result, so that `f(x)` reads like a call.
  public func callAsFunction(_ inputs: Tensor...) -> Tensor { apply(inputs) }
}
