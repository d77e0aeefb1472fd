import Autograd

/// Iterates over a ``Dataset`` in mini-batches, like `torch.utils.data.DataLoader`.
///
/// Each call to `makeIterator()` (each `for batch in loader` loop, so each epoch) draws a new
/// random order from `generator` when `shuffle` is true; the same seed gives the same sequence
/// of epochs. Every example appears exactly once per epoch; the last batch is smaller when
/// `batchSize` does not divide the dataset, or left out when `dropLast` is true.
///
/// ```swift
/// let loader = DataLoader(try MNIST(split: .train), batchSize: 64, shuffle: true,
///                         generator: Generator(seed: 1))
/// for (images, labels) in loader { ... }   // images [64, 1, 28, 28], labels [64]
/// ```
public struct DataLoader: Sequence {
  /// One batch: the dataset's inputs and targets for `batchSize` (or fewer) examples.
  public typealias Element = (inputs: Tensor, targets: Tensor)

  /// The dataset batches are drawn from.
  public let dataset: any Dataset
  /// The number of examples per batch (the last batch may be smaller unless `dropLast`).
  public let batchSize: Int
  /// Whether each epoch visits the examples in a new random order.
  public let shuffle: Bool
  /// Whether a final batch smaller than `batchSize` is left out.
  public let dropLast: Bool
  /// The random generator that shuffled orders are drawn from.
  public let generator: Generator

  /// Creates a loader over `dataset`.
  ///
  /// - Parameters:
  ///   - dataset: The examples to batch.
  ///   - batchSize: Examples per batch; must be positive.
  ///   - shuffle: Whether to visit the examples in a new random order each epoch.
  ///   - dropLast: Whether to leave out a final, smaller batch.
  ///   - generator: The source of shuffled orders (shared by reference, like `torch.Generator`).
  public init(
    _ dataset: any Dataset, batchSize: Int, shuffle: Bool = false, dropLast: Bool = false,
    generator: Generator = .default
  ) {
    precondition(batchSize > 0, "DataLoader: batchSize must be positive, got \(batchSize)")
    self.dataset = dataset
    self.batchSize = batchSize
    self.shuffle = shuffle
    self.dropLast = dropLast
    self.generator = generator
  }

  /// The number of batches in one epoch.
  public var count: Int {
    dropLast ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
  }

  /// The number of batches in one epoch.
  public var underestimatedCount: Int { count }

  /// Starts an epoch, drawing a new order from `generator` if `shuffle` is true.
  public func makeIterator() -> Iterator {
    let order = shuffle ? generator.randomPermutation(dataset.count) : Array(0..<dataset.count)
    return Iterator(loader: self, order: order)
  }

  /// Produces the batches of one epoch.
  ///
  /// A class, like a Python iterator: copies share the position, and
  /// `loader.makeIterator().next()` takes the first batch directly.
  public final class Iterator: IteratorProtocol {
    private let loader: DataLoader
    /// The example indices of this epoch, in visiting order.
    public let order: [Int]
    private var position = 0

    fileprivate init(loader: DataLoader, order: [Int]) {
      self.loader = loader
      self.order = order
    }

    /// The next batch, or `nil` at the end of the epoch.
    public func next() -> Element? {
      let remaining = order.count - position
      if remaining <= 0 || (loader.dropLast && remaining < loader.batchSize) { return nil }
      let end = position + Swift.min(loader.batchSize, remaining)
      let batch = loader.dataset.batch(order[position..<end])
      position = end
      return batch
    }
  }
}
