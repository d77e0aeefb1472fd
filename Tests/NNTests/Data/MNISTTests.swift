import Autograd
import Foundation
import Testing

@testable import NN
@testable import ByteFormats

/// Loading MNIST-format datasets: the real files shipped in Data/MNIST, and small synthetic ones.
@Suite struct MNISTTests {
  /// The real splits, loaded once for all tests (decompressing 55 MB takes a moment in debug).
  static let train = Result { try MNIST(split: .train) }
  static let test = Result { try MNIST(split: .test) }

  @Test func loadsRealTrainingSet() throws {
    let train = try MNISTTests.train.get()
    #expect(train.count == 60_000)
    #expect(train.rows == 28 && train.columns == 28)
    #expect(train.images.count == 60_000 * 28 * 28)
    #expect(train.labels.count == 60_000)
    #expect(train.classCounts() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
    #expect(Array(train.labels.prefix(8)) == [5, 0, 4, 1, 9, 2, 1, 3])
  }

  @Test func loadsRealTestSet() throws {
    let test = try MNISTTests.test.get()
    #expect(test.count == 10_000)
    #expect(test.rows == 28 && test.columns == 28)
    #expect(test.classCounts() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    #expect(Array(test.labels.prefix(8)) == [7, 2, 1, 0, 4, 1, 4, 9])
  }

  @Test func batchesAreNormalised() throws {
    let test = try MNISTTests.test.get()
    let (inputs, targets) = test.batch([3, 0])
    #expect(inputs.shape == [2, 1, 28, 28])
    #expect(targets.shape == [2])
    #expect(targets.indices == [0, 7])
    let values = inputs.scalars
    let expected = (test.images[(3 * 784)..<(4 * 784)] + test.images[0..<784]).map {
      (Float($0) / 255 - 0.1307) / 0.3081
    }
    #expect(values == expected)
    #expect(values.min() == (Float(0) / 255 - 0.1307) / 0.3081)
    #expect(values.max() == (Float(255) / 255 - 0.1307) / 0.3081)
  }

  @Test func defaultDirectoryFindsTheRepositoryData() throws {
    try #require(ProcessInfo.processInfo.environment["MNIST_DIR"] == nil)
    let directory = MNIST.defaultDirectory()
    #expect(directory.path.hasSuffix("Data/MNIST"))
    for name in MNIST.fileNames {
      #expect(
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(name + ".gz").path))
    }
  }

  @Test func resolvesDirectoryFromEnvironmentThenPackageRoot() throws {
    let root = try DataTestSupport.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let nested = root.appendingPathComponent("Sources/NN/Data", isDirectory: true)
    try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
      at: root.appendingPathComponent("Data/MNIST"), withIntermediateDirectories: true)
    try Foundation.Data().write(to: root.appendingPathComponent("Package.swift"))

    let fromEnvironment = MNIST.resolveDirectory(
      environment: ["MNIST_DIR": "/somewhere/fashion"], searchStarts: [nested])
    #expect(fromEnvironment.path == "/somewhere/fashion")
    let found = MNIST.resolveDirectory(environment: [:], searchStarts: [nested])
    #expect(
      found.standardizedFileURL.path
        == root.appendingPathComponent("Data/MNIST").standardizedFileURL.path)
    let fallback = MNIST.resolveDirectory(environment: ["MNIST_DIR": ""], searchStarts: [])
    #expect(fallback.path.hasSuffix("/Data/MNIST"))
  }

  @Test func missingFilesSayWhereAndHow() throws {
    let directory = try DataTestSupport.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let error = #expect(throws: DatasetNotFoundError.self) {
      try MNIST(split: .train, directory: directory)
    }
    let message = error?.description ?? ""
    #expect(
      message.contains(directory.appendingPathComponent("train-images-idx3-ubyte.gz").path),
      "\(message)")
    #expect(message.contains("Copy the four MNIST .gz files"), "\(message)")
    #expect(message.contains("--data-dir") && message.contains("MNIST_DIR"), "\(message)")
  }

  /// An IDX file of unsigned bytes with `shape`.
  private func idx(_ shape: [Int], _ payload: [UInt8], type: UInt8 = 0x08) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, type, UInt8(shape.count)]
    for dimension in shape {
      bytes += (0..<4).reversed().map { UInt8(truncatingIfNeeded: dimension >> (8 * $0)) }
    }
    return bytes + payload
  }

  @Test func loadsOtherImageSizesCompressedOrNot() throws {
    let directory = try DataTestSupport.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let pixels = (0..<30).map { UInt8($0 * 8) }
    // Uncompressed images, gzip-compressed labels (a stored-block member).
    _ = try DataTestSupport.write(
      idx([5, 3, 2], pixels), named: "t10k-images-idx3-ubyte", in: directory)
    let labels = idx([5], [9, 8, 7, 6, 5])
    let length = UInt8(labels.count)
    _ = try DataTestSupport.write(
      DataTestSupport.gzipMember(
        deflate: [0x01, length, 0, ~length, 0xFF] + labels, original: labels),
      named: "t10k-labels-idx1-ubyte.gz", in: directory)

    let data = try MNIST(split: .test, directory: directory, mean: 0.5, std: 0.25)
    #expect(data.count == 5 && data.rows == 3 && data.columns == 2)
    let (inputs, targets) = data.batch([4, 1])
    #expect(inputs.shape == [2, 1, 3, 2])
    #expect(targets.indices == [5, 8])
    let expected = (Array(pixels[24..<30]) + Array(pixels[6..<12])).map {
      (Float($0) / 255 - 0.5) / 0.25
    }
    #expect(inputs.scalars == expected)
  }

  @Test func rejectsMismatchedCountsAndShapes() throws {
    let directory = try DataTestSupport.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    _ = try DataTestSupport.write(
      idx([2, 2, 2], [UInt8](repeating: 1, count: 8)), named: "train-images-idx3-ubyte",
      in: directory)
    let labelsURL = try DataTestSupport.write(
      idx([3], [0, 1, 2]), named: "train-labels-idx1-ubyte", in: directory)
    let mismatch = #expect(throws: DataFormatError.self) {
      try MNIST(split: .train, directory: directory)
    }
    #expect(mismatch?.description.contains(labelsURL.path) == true)
    #expect(
      mismatch?.description.contains("has 3 labels but train-images-idx3-ubyte has 2 images")
        == true, "\(String(describing: mismatch))")

    let imagesURL = try DataTestSupport.write(
      idx([8], [UInt8](repeating: 1, count: 8)), named: "train-images-idx3-ubyte", in: directory)
    let rank = #expect(throws: DataFormatError.self) {
      try MNIST(split: .train, directory: directory)
    }
    #expect(rank?.description.contains(imagesURL.path) == true)
    #expect(
      rank?.description.contains("expected uint8 images of shape [count, rows, columns]") == true)
  }
}
