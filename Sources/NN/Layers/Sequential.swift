/// Collects the modules listed in a ``Sequential`` block.
@resultBuilder
public enum ModuleBuilder {
  /// One module.
  public static func buildExpression(_ module: Module) -> [Module] { [module] }
  /// The modules of a block, in order.
  public static func buildBlock(_ components: [Module]...) -> [Module] { components.flatMap { $0 } }
  /// An `if` without `else`.
  public static func buildOptional(_ component: [Module]?) -> [Module] { component ?? [] }
  /// The first branch of an `if`/`else`.
  public static func buildEither(first component: [Module]) -> [Module] { component }
  /// The second branch of an `if`/`else`.
  public static func buildEither(second component: [Module]) -> [Module] { component }
  /// A `for` loop.
  public static func buildArray(_ components: [[Module]]) -> [Module] { components.flatMap { $0 } }
}

/// Modules applied one after another, like `torch.nn.Sequential`; its layers are named `0`,
/// `1`, … in parameter names.
///
/// ```swift
/// let mlp = Sequential {
///   Flatten()
///   Linear(784, 128)
///   ReLU()
///   Linear(128, 10)
/// }
/// ```
public final class Sequential: Module, @unchecked Sendable {
  /// The layers, in order.
  public let layers: [Module]

  /// Creates the container from a block of modules.
  public init(@ModuleBuilder _ content: () -> [Module]) {
    layers = content()
    super.init()
  }

  /// Creates the container from an array of modules.
  public init(_ layers: [Module]) {
    self.layers = layers
    super.init()
  }

  /// The layers named `0`, `1`, ….
  public override func namedChildren() -> [(name: String, module: Module)] {
    layers.enumerated().map { ("\($0.offset)", $0.element) }
  }

  /// Each layer applied to the previous one's output.
  public override func forward(_ input: Tensor) -> Tensor {
    layers.reduce(input) { $1($0) }
  }
}
