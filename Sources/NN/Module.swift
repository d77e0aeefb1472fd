/// The base class of every layer and model, like `torch.nn.Module`.
///
/// Subclass it, store layers and parameters as properties, and override ``forward(_:)``.
/// Parameters (tensors that require a gradient) and child modules are discovered by reflection,
/// so no list has to be written by hand, and each parameter gets its PyTorch `state_dict` name:
/// `conv1.weight`, `fc2.bias`, `0.weight` inside a ``Sequential``.
///
/// ```swift
/// final class Net: Module {
///   let fc1 = Linear(784, 128)
///   let fc2 = Linear(128, 10)
///   override func forward(_ x: Tensor) -> Tensor { fc2(fc1(x.flatten(startDim: 1)).relu()) }
/// }
/// ```
open class Module {
  /// Whether the module is in training mode (dropout active); see ``train(_:)`` and ``eval()``.
  public private(set) var isTraining = true

  /// Creates a module in training mode.
  public init() {}

  /// The module's computation. Subclasses override it.
  open func forward(_ input: Tensor) -> Tensor {
    fatalError("\(type(of: self)) must override forward(_:)")
  }

  /// Calls ``forward(_:)``, so that `model(x)` reads like PyTorch.
  public func callAsFunction(_ input: Tensor) -> Tensor { forward(input) }

  /// The direct child modules with their names, in declaration order.
  ///
  /// Found by reflection over stored properties: a `Module`, an optional `Module`, or an array
  /// of modules (named `name.0`, `name.1`, …). ``Sequential`` names its layers `0`, `1`, ….
  open func namedChildren() -> [(name: String, module: Module)] {
    var result = [(name: String, module: Module)]()
    for (label, value) in Module.storedProperties(of: self) {
      if let module = Module.unwrap(value) as? Module {
        result.append((label, module))
      } else if let modules = value as? [Module] {
        for (i, module) in modules.enumerated() { result.append(("\(label).\(i)", module)) }
      }
    }
    return result
  }

  /// The tensors stored directly on this module that require a gradient, with their names.
  public func directParameters() -> [(name: String, tensor: Tensor)] {
    var result = [(name: String, tensor: Tensor)]()
    for (label, value) in Module.storedProperties(of: self) {
      if let tensor = Module.unwrap(value) as? Tensor, tensor.requiresGrad {
        result.append((label, tensor))
      }
    }
    return result
  }

  /// Every parameter of this module and its descendants, with its `state_dict` name, in
  /// declaration order (depth first), like `named_parameters()`.
  public func namedParameters() -> [(name: String, tensor: Tensor)] {
    var result = [(name: String, tensor: Tensor)]()
    var stack: [(prefix: String, module: Module)] = [("", self)]
    while let (prefix, module) = stack.popLast() {
      for (name, tensor) in module.directParameters() { result.append((prefix + name, tensor)) }
      for child in module.namedChildren().reversed() {
        stack.append((prefix + child.name + ".", child.module))
      }
    }
    return result
  }

  /// Every parameter, in the order of ``namedParameters()``, like `parameters()`.
  public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

  /// This module and all its descendants.
  public func modules() -> [Module] {
    var result = [Module]()
    var stack: [Module] = [self]
    while let module = stack.popLast() {
      result.append(module)
      stack.append(contentsOf: module.namedChildren().map(\.module).reversed())
    }
    return result
  }

  /// Sets training mode (`true`) or evaluation mode (`false`) here and in every descendant.
  public func train(_ mode: Bool = true) {
    for module in modules() { module.isTraining = mode }
  }

  /// Sets evaluation mode here and in every descendant, like `model.eval()`.
  public func eval() { train(false) }

  /// Sets every parameter's gradient to `nil`, like `zero_grad()`.
  public func zeroGrad() {
    for parameter in parameters() { parameter.zeroGrad() }
  }

  /// The stored properties of `object`, its superclasses' included (excluding `Module`'s own).
  static func storedProperties(of object: AnyObject) -> [(String, Any)] {
    var mirrors = [Mirror]()
    var mirror: Mirror? = Mirror(reflecting: object)
    while let m = mirror, m.subjectType != Module.self {
      mirrors.append(m)
      mirror = m.superclassMirror
    }
    return mirrors.reversed().flatMap { m in
      m.children.compactMap { child in child.label.map { ($0, child.value) } }
    }
  }

  /// The wrapped value of an optional, or the value itself.
  static func unwrap(_ value: Any) -> Any? {
    let mirror = Mirror(reflecting: value)
    guard mirror.displayStyle == .optional else { return value }
    return mirror.children.first?.value
  }
}
