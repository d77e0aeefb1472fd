import Foundation

extension Module {
  /// The parameters (frozen ones included) and the persistent buffers by their PyTorch
  /// `state_dict` names, like `model.state_dict()`.
  public func stateDict() -> [String: Tensor] {
    var entries = namedParametersWithDuplicates().map { ($0.name, $0.tensor.detached()) }
    entries += namedBuffersWithPersistence().filter(\.persistent).map {
      ($0.name, $0.tensor.detached())
    }
    return Dictionary(entries, uniquingKeysWith: { a, _ in a })
  }

  /// The keys a ``loadStateDict(_:strict:source:)`` call did not find, and those it did not use.
  public struct LoadResult: Sendable, Equatable {
    /// The model's parameters and persistent buffers that were not in the dictionary.
    public var missingKeys: [String]
    /// The dictionary's keys that name nothing in the model (optimizer keys excepted).
    public var unexpectedKeys: [String]
  }

  /// Copies `dict`'s tensors into the parameters and persistent buffers in place, like
  /// `load_state_dict`. With `strict` (the default) it throws, naming the key, on a missing or
  /// an unexpected key; without it, it loads what matches and returns the missing and unexpected
  /// keys. Either way it throws on a wrong shape or dtype, and on error nothing has been
  /// changed. Frozen parameters load like any other.
  @discardableResult
  public func loadStateDict(
    _ dict: [String: Tensor], strict: Bool = true, source: String = "<memory>"
  )
    throws -> LoadResult
  {
    let targets =
      namedParametersWithDuplicates().map { ($0.name, $0.tensor) }
      + namedBuffersWithPersistence().filter(\.persistent).map { ($0.name, $0.tensor) }
    var missing = [String]()
    for (name, p) in targets {
      guard let t = dict[name] else {
        if strict {
          throw CheckpointError(
            source: source, "missing key '\(name)' (expected shape \(p.shape), \(p.dtype))")
        }
        missing.append(name)
        continue
      }
      guard t.shape == p.shape else {
        throw CheckpointError(
          source: source,
          "key '\(name)': shape \(t.shape) in the file, but the model has \(p.shape)")
      }
      guard t.dtype == p.dtype else {
        throw CheckpointError(
          source: source,
          "key '\(name)': dtype \(t.dtype) in the file, but the model has \(p.dtype)")
      }
    }
    let known = Set(targets.map(\.0))
    let unexpected = dict.keys.sorted().filter {
      !known.contains($0) && !$0.hasPrefix("optimizer.")
    }
    if strict, let extra = unexpected.first {
      throw CheckpointError(source: source, "unexpected key '\(extra)' not in the model")
    }
    noGrad {
      for (name, p) in targets { if let t = dict[name] { p.assign(t) } }
    }
    return LoadResult(missingKeys: missing, unexpectedKeys: unexpected)
  }

  /// Saves the parameters as a safetensors file (atomically) that PyTorch loads with
  /// `safetensors.torch.load_file` and `load_state_dict`.
  public func save(to url: URL) throws {
    try Safetensors.write(stateDict(), to: url)
  }

  /// Loads parameters saved by ``save(to:)`` or by PyTorch's `safetensors.torch.save_file`.
  public func load(from url: URL) throws {
    try loadStateDict(Safetensors.read(from: url).tensors, source: url.path)
  }
}

extension Optimizer {
  /// The optimizer's state under documented keys, PyTorch's `state_dict()` layout flattened:
  /// `optimizer.state.{i}.{name}` for each state tensor of parameter `i` (`exp_avg`,
  /// `exp_avg_sq`, `max_exp_avg_sq`, `momentum_buffer`), `optimizer.state.{i}.step` (int64),
  /// `optimizer.lr` (float64, the first group's) and `optimizer.groups.{k}.lr` for every group.
  public func stateDict() -> [String: Tensor] {
    var dict = ["optimizer.lr": Tensor(learningRate, dtype: .float64)]
    for (k, group) in groups.enumerated() {
      dict["optimizer.groups.\(k).lr"] = Tensor(group.learningRate, dtype: .float64)
    }
    for (i, buffers) in state {
      for (name, t) in buffers { dict["optimizer.state.\(i).\(name)"] = t.detached() }
    }
    for (i, t) in steps { dict["optimizer.state.\(i).step"] = Tensor(Double(t), dtype: .int64) }
    return dict
  }

  /// Restores state saved by ``stateDict()``; throws on a wrong shape or an unknown parameter.
  public func loadStateDict(_ dict: [String: Tensor], source: String = "<memory>") throws {
    var newState = [Int: [String: Tensor]]()
    var newSteps = [Int: Int]()
    var rates = [Int: Double]()
    for (key, t) in dict where key.hasPrefix("optimizer.groups.") {
      let parts = key.split(separator: ".")
      guard parts.count == 4, parts[3] == "lr", let k = Int(parts[2]), groups.indices.contains(k)
      else {
        throw CheckpointError(source: source, "unexpected optimizer key '\(key)'")
      }
      rates[k] = t.item()
    }
    for (key, t) in dict where key.hasPrefix("optimizer.state.") {
      let parts = key.split(separator: ".")
      guard parts.count == 4, let i = Int(parts[2]), parameters.indices.contains(i) else {
        throw CheckpointError(source: source, "unexpected optimizer key '\(key)'")
      }
      let name = String(parts[3])
      if name == "step" {
        newSteps[i] = Int(t.item())
        continue
      }
      guard t.shape == parameters[i].shape, t.dtype == parameters[i].dtype else {
        throw CheckpointError(
          source: source,
          "key '\(key)': shape \(t.shape) (\(t.dtype)) in the file, but parameter \(i) has \(parameters[i].shape) (\(parameters[i].dtype))"
        )
      }
      newState[i, default: [:]][name] = t.to(t.dtype)
    }
    // Copies so that the loaded dictionary's storage is never updated in place.
    state = newState.mapValues { $0.mapValues { t in (t + 0).detached() } }
    steps = newSteps
    if let lr = dict["optimizer.lr"] { learningRate = lr.item() }
    for (k, rate) in rates { groups[k].learningRate = rate }
  }
}

/// Saves a model and its optimizer in one safetensors file (atomically): the model's parameters
/// under their `state_dict` names and the optimizer's under `optimizer.…` keys (see
/// ``Optimizer/stateDict()``), with string `metadata`.
public func saveCheckpoint(
  model: Module, optimizer: Optimizer?, metadata: [String: String] = [:], to url: URL
) throws {
  var dict = model.stateDict()
  if let optimizer { dict.merge(optimizer.stateDict()) { a, _ in a } }
  try Safetensors.write(dict, metadata: metadata, to: url)
}

/// Loads a checkpoint written by ``saveCheckpoint(model:optimizer:metadata:to:)`` into `model`
/// and `optimizer`, returning its metadata.
@discardableResult
public func loadCheckpoint(model: Module, optimizer: Optimizer?, from url: URL) throws -> [String:
  String]
{
  let (tensors, metadata) = try Safetensors.read(from: url)
  try model.loadStateDict(tensors, source: url.path)
  try optimizer?.loadStateDict(tensors, source: url.path)
  return metadata
}
