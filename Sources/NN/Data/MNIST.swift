import Autograd
import Foundation

/// The MNIST handwritten digits (or any dataset in its IDX format: Fashion-MNIST, KMNIST, …),
/// loaded into memory as bytes and normalised batch by batch.
///
/// The directory must hold the four files `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
/// `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each gzip-compressed (`.gz`) or not.
/// Image sizes come from the files, so other datasets in the same format load unchanged.
///
/// ```swift
/// let train = try MNIST(split: .train)               // Data/MNIST, or $MNIST_DIR
/// let (images, labels) = train.batch([0, 1, 2])      // [3, 1, 28, 28] float32, [3] int64
/// ```
public struct MNIST: Dataset, Sendable {
  /// Which of the two parts of the dataset to load.
  public enum Split: String, Sendable, CaseIterable {
    /// The 60,000 training examples (`train-*` files).
    case train
    /// The 10,000 test examples (`t10k-*` files).
    case test

    /// The file-name prefix: `train` or `t10k`.
    public var filePrefix: String { self == .train ? "train" : "t10k" }
  }

  /// The split that was loaded.
  public let split: Split
  /// The directory the files were read from.
  public let directory: URL
  /// The number of examples.
  public let count: Int
  /// The height of each image in pixels.
  public let rows: Int
  /// The width of each image in pixels.
  public let columns: Int
  /// The pixels, `count × rows × columns` bytes, row-major, 0 (background) to 255.
  public let images: [UInt8]
  /// The class of each example.
  public let labels: [UInt8]
  /// The mean subtracted from pixel values scaled to [0, 1].
  public let mean: Float
  /// The standard deviation that centred pixel values are divided by.
  public let std: Float
  /// The normalised value of each byte value: `(v / 255 - mean) / std`.
  private let normalized: [Float]

  /// The names of the four files, without `.gz`.
  public static let fileNames = [
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
  ]

  /// Loads `split` from `directory` (or ``defaultDirectory()``).
  ///
  /// Pixels are normalised as `(x / 255 - mean) / std` when batched; the defaults are MNIST's
  /// training-set statistics, as in the PyTorch examples.
  /// - Throws: ``DatasetNotFoundError`` if a file is missing, ``DataFormatError`` if a file is
  ///   malformed or the image and label counts differ.
  public init(
    split: Split, directory: URL? = nil, mean: Float = 0.1307, std: Float = 0.3081
  ) throws {
    let directory = directory ?? MNIST.defaultDirectory()
    let imageFile = try MNIST.locate("\(split.filePrefix)-images-idx3-ubyte", in: directory)
    let labelFile = try MNIST.locate("\(split.filePrefix)-labels-idx1-ubyte", in: directory)
    let images = try IDXFile.read(contentsOf: imageFile)
    let labels = try IDXFile.read(contentsOf: labelFile)
    guard images.elementType == .uint8, images.shape.count == 3 else {
      throw DataFormatError(
        source: imageFile.path,
        message:
          "expected uint8 images of shape [count, rows, columns], "
          + "got \(images.elementType) elements of shape \(images.shape)")
    }
    guard labels.elementType == .uint8, labels.shape.count == 1 else {
      throw DataFormatError(
        source: labelFile.path,
        message:
          "expected uint8 labels of shape [count], "
          + "got \(labels.elementType) elements of shape \(labels.shape)")
    }
    guard images.shape[0] == labels.shape[0] else {
      throw DataFormatError(
        source: labelFile.path,
        message:
          "has \(labels.shape[0]) labels but \(imageFile.lastPathComponent) has "
          + "\(images.shape[0]) images")
    }
    self.split = split
    self.directory = directory
    self.count = images.shape[0]
    self.rows = images.shape[1]
    self.columns = images.shape[2]
    self.images = images.payload
    self.labels = labels.payload
    self.mean = mean
    self.std = std
    self.normalized = (0..<256).map { (Float($0) / 255 - mean) / std }
  }

  /// The file `name.gz`, or else `name`, in `directory`.
  private static func locate(_ name: String, in directory: URL) throws -> URL {
    let compressed = directory.appendingPathComponent(name + ".gz")
    if FileManager.default.fileExists(atPath: compressed.path) { return compressed }
    let plain = directory.appendingPathComponent(name)
    if FileManager.default.fileExists(atPath: plain.path) { return plain }
    throw DatasetNotFoundError(
      path: "\(compressed.path) (or \(name))",
      hint:
        "Copy the four MNIST .gz files (\(fileNames.map { $0 + ".gz" }.joined(separator: ", "))) "
        + "into \(directory.path), or point to a directory holding them with --data-dir DIR "
        + "or the MNIST_DIR environment variable; Data/MNIST/README.md in the repository "
        + "says where they come from")
  }

  /// Where the files are looked for when no directory is given: `$MNIST_DIR` if set, else the
  /// `Data/MNIST` folder of this package, found by searching upward from this source file and
  /// from the current directory for a folder holding `Package.swift` and `Data/MNIST`.
  ///
  /// When nothing is found, returns `Data/MNIST` under the current directory (so errors name it).
  public static func defaultDirectory() -> URL {
    resolveDirectory(
      environment: ProcessInfo.processInfo.environment,
      searchStarts: [
        URL(fileURLWithPath: #filePath).deletingLastPathComponent(),
        URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
      ])
  }

  /// ``defaultDirectory()`` with its inputs made explicit, for testing.
  static func resolveDirectory(environment: [String: String], searchStarts: [URL]) -> URL {
    if let path = environment["MNIST_DIR"], !path.isEmpty {
      return URL(fileURLWithPath: path, isDirectory: true)
    }
    let fileManager = FileManager.default
    for start in searchStarts {
      var folder = start.standardizedFileURL
      while true {
        let candidate = folder.appendingPathComponent("Data/MNIST", isDirectory: true)
        if fileManager.fileExists(atPath: folder.appendingPathComponent("Package.swift").path),
          fileManager.fileExists(atPath: candidate.path)
        {
          return candidate
        }
        let parent = folder.deletingLastPathComponent()
        if parent.path == folder.path { break }
        folder = parent
      }
    }
    return URL(fileURLWithPath: fileManager.currentDirectoryPath)
      .appendingPathComponent("Data/MNIST", isDirectory: true)
  }

  /// The normalised images at `indices` as a `float32` tensor `[indices.count, 1, rows, columns]`
  /// and their labels as an `int64` tensor `[indices.count]`.
  ///
  /// Pixels are normalised straight from the byte buffer into the new tensor (one gather).
  public func batch(_ indices: ArraySlice<Int>) -> (inputs: Tensor, targets: Tensor) {
    let pixels = rows * columns
    let count = self.count
    let inputs = Tensor(shape: [indices.count, 1, rows, columns]) { output in
      images.withUnsafeBufferPointer { images in
        normalized.withUnsafeBufferPointer { table in
          var offset = 0
          for index in indices {
            precondition(
              index >= 0 && index < count, "MNIST.batch: index \(index) out of range 0..<\(count)")
            let image = images.baseAddress! + index * pixels
            for pixel in 0..<pixels {
              output[offset + pixel] = table[Int(image[pixel])]
            }
            offset += pixels
          }
        }
      }
    }
    let targets = Tensor(shape: [indices.count], indices: indices.map { Int(labels[$0]) })
    return (inputs, targets)
  }

  /// The number of examples of each class `0...labels.max()`.
  public func classCounts() -> [Int] {
    var counts = [Int](repeating: 0, count: Int(labels.max() ?? 0) + 1)
    for label in labels { counts[Int(label)] += 1 }
    return counts
  }
}
