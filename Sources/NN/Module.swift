/// The base class of every layer and model, like `torch.nn.Module`.
///
/// Subclass it, store layers and parameters as properties, and override ``forward(_:)``.
/// Parameters and child modules are discovered by reflection, so no list has to be written by
/// hand, and each parameter gets its PyTorch `state_dict` name: `conv1.weight`, `fc2.bias`,
/// `0.weight` inside a ``Sequential``.
///
/// - A **parameter** is a stored `Tensor` (or `Tensor?`) that requires a gradient or is frozen
///   (``Tensor/isFrozen``: `requiresGrad` set to `false` on it, or on the module with
///   ``requiresGrad(_:)``). A frozen parameter stays a parameter: it is in ``parameters()``, in
///   ``stateDict()`` and in checkpoints; optimizers skip it while it has no gradient.
/// - A **buffer** is a stored tensor registered with ``registerBuffer(_:persistent:)`` (running
///   statistics, say): saved in the state dict when persistent, never trained.
/// - Any other stored tensor is a constant of the module, like a plain tensor attribute in PyTorch.
///
/// ```swift
/// final class Net: Module {
///   let fc1 = Linear(784, 128)
///   let fc2 = Linear(128, 10)
///   override func forward(_ x: Tensor) -> Tensor { fc2(fc1(x.flatten(startDim: 1)).relu()) }
/// }
/// ```
open class Module: @unchecked Sendable {
  /// Whether the module is in training mode (dropout active); see ``train(_:)`` and ``eval()``.
  public private(set) var isTraining = true
  /// The names of the stored properties registered as buffers, with their persistence.
  private var bufferRegistry: [String: Bool] = [:]

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

  /// The parameters stored directly on this module (tensors that require a gradient or are
  /// frozen, not registered as buffers), with their names.
  public func directParameters() -> [(name: String, tensor: Tensor)] {
    var result = [(name: String, tensor: Tensor)]()
    for (label, value) in Module.storedProperties(of: self) where bufferRegistry[label] == nil {
      if let tensor = Module.unwrap(value) as? Tensor, tensor.requiresGrad || tensor.isFrozen {
        result.append((label, tensor))
      }
    }
    return result
  }

  /// Marks the stored tensor property `name` as a buffer, like `register_buffer`: a named,
  /// non-trainable tensor (running statistics, a mask) that ``stateDict()`` saves when
  /// `persistent` and ``loadStateDict(_:strict:source:)`` loads. Call it in `init` after the
  /// property is set; update the buffer's values in place with ``Tensor/assign(_:)`` under
  /// ``noGrad(_:)``.
  public func registerBuffer(_ name: String, persistent: Bool = true) {
    check(
      Module.storedProperties(of: self).contains { $0.0 == name && Module.unwrap($0.1) is Tensor },
      "registerBuffer: \(type(of: self)) has no stored tensor property '\(name)'")
    bufferRegistry[name] = persistent
  }

  /// The buffers stored directly on this module, with their names and persistence.
  public func directBuffers() -> [(name: String, tensor: Tensor, persistent: Bool)] {
    Module.storedProperties(of: self).compactMap { label, value in
      guard let persistent = bufferRegistry[label], let tensor = Module.unwrap(value) as? Tensor
      else { return nil }
      return (label, tensor, persistent)
    }
  }

  /// Every buffer of this module and its descendants with its `state_dict` name, like
  /// `named_buffers()` (non-persistent ones included).
  public func namedBuffers() -> [(name: String, tensor: Tensor)] {
    namedBuffersWithPersistence().map { ($0.name, $0.tensor) }
  }

  /// Every buffer, in the order of ``namedBuffers()``, like `buffers()`.
  public func buffers() -> [Tensor] { namedBuffers().map(\.tensor) }

  /// Buffers with their names and persistence, depth first.
  func namedBuffersWithPersistence() -> [(name: String, tensor: Tensor, persistent: Bool)] {
    var result = [(name: String, tensor: Tensor, persistent: Bool)]()
    var stack: [(prefix: String, module: Module)] = [("", self)]
    while let (prefix, module) = stack.popLast() {
      for b in module.directBuffers() { result.append((prefix + b.name, b.tensor, b.persistent)) }
      for child in module.namedChildren().reversed() {
        stack.append((prefix + child.name + ".", child.module))
      }
    }
    return result
  }

  /// Makes every parameter require a gradient (`true`) or freezes it (`false`), here and in
  /// every descendant, like `module.requires_grad_(flag)`. Frozen parameters stay parameters.
  @discardableResult
  public func requiresGrad(_ flag: Bool) -> Self {
    for parameter in parameters() {
      var shared = parameter  // copies share the gradient slot: this freezes the stored one
      shared.requiresGrad = flag
    }
    return self
  }

  /// Converts every floating-point parameter and buffer, here and in every descendant, to
  /// `dtype` in place, like `module.to(dtype)`: the tensors stay the same (an optimizer made
  /// before sees the new values; their gradients are converted too), and `int64` buffers such
  /// as `num_batches_tracked` are left alone. Create optimizers after converting, as in PyTorch,
  /// when they hold state.
  @discardableResult
  public func to(_ dtype: DType) -> Self {
    check(dtype.isFloatingPoint, "Module.to: \(dtype) is not a floating-point type")
    for tensor in parameters() + buffers() where tensor.dtype.isFloatingPoint {
      tensor.convertInPlace(to: dtype)
    }
    return self
  }

  /// Converts the floating-point parameters and buffers to float64, like `module.double()`.
  @discardableResult
  public func double() -> Self { to(.float64) }

  /// Converts the floating-point parameters and buffers to float32, like `module.float()`.
  @discardableResult
  public func float() -> Self { to(.float32) }

  /// Calls `body` on every descendant and then on this module (children first, like
  /// `module.apply(fn)`), for custom initialisation.
  @discardableResult
  public func apply(_ body: (Module) -> Void) -> Self {
    for module in modules().reversed() { body(module) }
    return self
  }

  /// Every parameter of this module and its descendants, with its `state_dict` name, in
  /// declaration order (depth first), like `named_parameters()`. A parameter shared by two
  /// modules (tied weights, `decoder.weight = encoder.weight`) is listed once, under its first
  /// name, as PyTorch does; ``stateDict()`` keeps both names.
  public func namedParameters() -> [(name: String, tensor: Tensor)] {
    var result = [(name: String, tensor: Tensor)]()
    for entry in namedParametersWithDuplicates()
    where !result.contains(where: { $0.tensor.sharesStorage(with: entry.tensor) }) {
      result.append(entry)
    }
    return result
  }

  /// Every parameter under every name it has, tied ones under each (the `state_dict` entries).
  func namedParametersWithDuplicates() -> [(name: String, tensor: Tensor)] {
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
