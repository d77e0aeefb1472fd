/// A list of modules registered as children, like `torch.nn.ModuleList`: its modules are named
/// `0`, `1`, … in parameter names, and it has no `forward` of its own.
public final class ModuleList: Module, @unchecked Sendable {
  /// The modules, in order.
  public private(set) var elements: [Module]

  /// Creates the list.
  public init(_ modules: [Module] = []) {
    self.elements = modules
    super.init()
  }

  /// Appends a module.
  public func append(_ module: Module) { elements.append(module) }

  /// The module at `index`.
  public subscript(index: Int) -> Module { elements[index] }

  /// The number of modules.
  public var count: Int { elements.count }

  /// The modules named `0`, `1`, ….
  public override func namedChildren() -> [(name: String, module: Module)] {
    elements.enumerated().map { ("\($0.offset)", $0.element) }
  }
}

/// Modules registered under string keys, like `torch.nn.ModuleDict`: each module's parameters
/// are named `key.…`; keys keep their insertion order.
public final class ModuleDict: Module, @unchecked Sendable {
  /// The keys and modules, in insertion order.
  public private(set) var items: [(key: String, module: Module)]

  /// Creates the dictionary from key–module pairs (keys must be distinct).
  public init(_ items: [(key: String, module: Module)] = []) {
    check(
      Set(items.map(\.key)).count == items.count,
      "ModuleDict: repeated keys in \(items.map(\.key))")
    self.items = items
    super.init()
  }

  /// The module under `key`; setting one replaces it or appends it.
  public subscript(key: String) -> Module? {
    get { items.first { $0.key == key }?.module }
    set {
      if let index = items.firstIndex(where: { $0.key == key }) {
        if let newValue { items[index].module = newValue } else { items.remove(at: index) }
      } else if let newValue {
        items.append((key, newValue))
      }
    }
  }

  /// The keys, in order.
  public var keys: [String] { items.map(\.key) }

  /// The modules under their keys.
  public override func namedChildren() -> [(name: String, module: Module)] {
    items.map { ($0.key, $0.module) }
  }
}
