import Autograd
import Testing

@testable import NN
@testable import ByteFormats

/// A dataset whose example `i` has input `[i]` and target `i`, to see which examples a batch holds.
private struct IndexDataset: Dataset {
  let count: Int

  func batch(_ indices: ArraySlice<Int>) -> (inputs: Tensor, targets: Tensor) {
    (
      Tensor(shape: [indices.count, 1], scalars: indices.map(Float.init)),
      Tensor(shape: [indices.count], indices: Array(indices))
    )
  }
}

/// Batching, shuffling and epochs of ``DataLoader``.
@Suite struct DataLoaderTests {
  /// The targets of each batch of one epoch.
  private func epoch(_ loader: DataLoader) -> [[Int]] {
    loader.map { $0.targets.indices }
  }

  @Test func visitsEveryIndexOncePerEpoch() {
    let loader = DataLoader(
      IndexDataset(count: 50), batchSize: 7, shuffle: true, generator: Generator(seed: 1))
    #expect(loader.count == 8)
    for _ in 0..<3 {
      let batches = epoch(loader)
      #expect(batches.map(\.count) == [7, 7, 7, 7, 7, 7, 7, 1])
      #expect(batches.joined().sorted() == Array(0..<50))
    }
  }

  @Test func batchesInputsAndTargetsTogether() {
    let loader = DataLoader(
      IndexDataset(count: 10), batchSize: 4, shuffle: true, generator: Generator(seed: 5))
    for (inputs, targets) in loader {
      #expect(inputs.shape == [targets.shape[0], 1])
      #expect(inputs.scalars.map { Int($0) } == targets.indices)
    }
  }

  @Test func dropLastLeavesOutThePartialBatch() {
    let loader = DataLoader(
      IndexDataset(count: 50), batchSize: 7, shuffle: true, dropLast: true,
      generator: Generator(seed: 2))
    #expect(loader.count == 7)
    let batches = epoch(loader)
    #expect(batches.map(\.count) == [7, 7, 7, 7, 7, 7, 7])
    #expect(Set(batches.joined()).count == 49)
    let exact = DataLoader(IndexDataset(count: 14), batchSize: 7, dropLast: true)
    #expect(epoch(exact) == [Array(0..<7), Array(7..<14)])
  }

  @Test func withoutShuffleKeepsDatasetOrder() {
    let loader = DataLoader(IndexDataset(count: 10), batchSize: 4)
    #expect(epoch(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    #expect(epoch(DataLoader(IndexDataset(count: 0), batchSize: 4)).isEmpty)
  }

  @Test func sameSeedGivesSameOrderAndEachEpochReshuffles() {
    let first = DataLoader(
      IndexDataset(count: 100), batchSize: 10, shuffle: true, generator: Generator(seed: 42))
    let second = DataLoader(
      IndexDataset(count: 100), batchSize: 10, shuffle: true, generator: Generator(seed: 42))
    let firstEpochs = [epoch(first), epoch(first)]
    let secondEpochs = [epoch(second), epoch(second)]
    #expect(firstEpochs == secondEpochs)
    #expect(firstEpochs[0] != firstEpochs[1])
    #expect(Array(firstEpochs[0].joined()) != Array(0..<100))
  }

  @Test func differentSeedsGiveDifferentOrders() {
    let first = DataLoader(
      IndexDataset(count: 100), batchSize: 10, shuffle: true, generator: Generator(seed: 1))
    let second = DataLoader(
      IndexDataset(count: 100), batchSize: 10, shuffle: true, generator: Generator(seed: 2))
    #expect(epoch(first) != epoch(second))
  }

  @Test func batchesRealMNIST() throws {
    let test = try MNISTTests.test.get()
    let loader = DataLoader(test, batchSize: 64, shuffle: true, generator: Generator(seed: 0))
    #expect(loader.count == 157)
    var seen = 0
    var classCounts = [Int](repeating: 0, count: 10)
    for (images, labels) in loader {
      let size = labels.shape[0]
      #expect(images.shape == [size, 1, 28, 28])
      #expect(size == 64 || (size == 16 && seen == 9_984))
      for label in labels.indices { classCounts[label] += 1 }
      seen += size
    }
    #expect(seen == 10_000)
    #expect(classCounts == test.classCounts())
  }
}
