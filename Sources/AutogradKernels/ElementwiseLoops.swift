// Raw elementwise loops over buffers. They know nothing of tensors or gradients.

/// A scalar function of one argument, generic so that one definition serves `Float` and `Double`.
public protocol UnaryScalarFunction {
  /// The function's value at `x`.
  func callAsFunction<T: KernelScalar>(_ x: T) -> T
  /// Whether ``vector(_:)`` is a SIMD form that `map` should use for `Float` tensors instead of
  /// calling the scalar form per element.
  static var hasVectorForm: Bool { get }
  /// The function on 16 floats at once. A static call (not a stored closure), so that it
  /// inlines into `map`'s loop.
  func vector(_ x: SIMD16<Float>) -> SIMD16<Float>
}

extension UnaryScalarFunction {
  /// No SIMD form: `map` calls the scalar function per element.
  public static var hasVectorForm: Bool { false }
  /// The scalar form lane by lane (used only where a vector form is required anyway).
  @inline(__always)
  public func vector(_ x: SIMD16<Float>) -> SIMD16<Float> {
    var result = x
    for lane in 0..<16 { result[lane] = self(x[lane]) }
    return result
  }
}

/// A scalar function of two arguments, generic over the scalar type.
public protocol BinaryScalarFunction {
  /// The function's value at (`a`, `b`).
  func callAsFunction<T: KernelScalar>(_ a: T, _ b: T) -> T
}

/// The namespace of raw kernels.
public enum Kernels {}

extension Kernels {
  /// `out[i] = f(x[i])` for `count` elements.
  @inline(__always)
  @inlinable public static func map<T: KernelScalar, F: UnaryScalarFunction>(
    _ f: F, _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, count: Int
  ) {
    if T.self == Float.self && F.hasVectorForm {
      let from = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
      let to = UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self)
      inChunks(count) { range in
        map16(from + range.lowerBound, to + range.lowerBound, count: range.count) {
          f.vector($0)
        }
      }
      return
    }
    inChunks(count) { range in
      for i in range { out[i] = f(x[i]) }
    }
  }

  /// Elements per parallel chunk of an elementwise loop; below two chunks the loop runs on the
  /// calling thread. Elementwise results do not depend on the split.
  public static let elementwiseChunk = 1 << 15

  /// Runs `body` over `0..<count` in fixed chunks on the kernel threads.
  @inline(__always)
  public static func inChunks(_ count: Int, _ body: (Range<Int>) -> Void) {
    if count < 2 * elementwiseChunk {
      body(0..<count)
      return
    }
    let chunks = (count + elementwiseChunk - 1) / elementwiseChunk
    parallelFor(chunks) { c in
      body((c * elementwiseChunk)..<Swift.min(count, (c + 1) * elementwiseChunk))
    }
  }

  /// `out[i] = f(a[i], b[i])` for `count` elements.
  @inline(__always)
  @inlinable public static func zip<T: KernelScalar, F: BinaryScalarFunction>(
    _ f: F, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
    count: Int
  ) {
    inChunks(count) { range in
      for i in range { out[i] = f(a[i], b[i]) }
    }
  }

  /// `out = f(a, b)` over `shape`, reading `a` and `b` through element strides (0 on broadcast
  /// axes). Iterates the output in row-major order with the innermost axis as a strided loop.
  @inlinable public static func broadcast<T: KernelScalar, F: BinaryScalarFunction>(
    _ f: F, _ a: UnsafePointer<T>, aStrides: [Int], _ b: UnsafePointer<T>, bStrides: [Int],
    _ out: UnsafeMutablePointer<T>, shape: [Int]
  ) {
    let count = shape.reduce(1, *)
    guard count > 0 else { return }
    guard let inner = shape.last else {
      out[0] = f(a[0], b[0])
      return
    }
    let rank = shape.count
    let sa = aStrides[rank - 1]
    let sb = bStrides[rank - 1]
    var index = [Int](repeating: 0, count: rank)
    var offA = 0
    var offB = 0
    var o = 0
    while o < count {
      if sa == 1 && sb == 1 {
        for j in 0..<inner { out[o + j] = f(a[offA + j], b[offB + j]) }
      } else if sa == 0 {
        let av = a[offA]
        for j in 0..<inner { out[o + j] = f(av, b[offB + j * sb]) }
      } else if sb == 0 {
        let bv = b[offB]
        for j in 0..<inner { out[o + j] = f(a[offA + j * sa], bv) }
      } else {
        for j in 0..<inner { out[o + j] = f(a[offA + j * sa], b[offB + j * sb]) }
      }
      o += inner
      // Advance the multi-index over the outer axes.
      var axis = rank - 2
      while axis >= 0 {
        index[axis] += 1
        offA += aStrides[axis]
        offB += bStrides[axis]
        if index[axis] < shape[axis] { break }
        offA -= aStrides[axis] * shape[axis]
        offB -= bStrides[axis] * shape[axis]
        index[axis] = 0
        axis -= 1
      }
    }
  }

  /// Copies `src` (read through `srcStrides`, laid out over `shape`) into contiguous `out`.
  @inlinable public static func gatherStrided<T>(
    _ src: UnsafePointer<T>, srcStrides: [Int], _ out: UnsafeMutablePointer<T>, shape: [Int]
  ) {
    let count = shape.reduce(1, *)
    guard count > 0 else { return }
    guard let inner = shape.last else {
      out[0] = src[0]
      return
    }
    let rank = shape.count
    let s = srcStrides[rank - 1]
    var index = [Int](repeating: 0, count: rank)
    var off = 0
    var o = 0
    while o < count {
      if s == 1 {
        (out + o).update(from: src + off, count: inner)
      } else {
        for j in 0..<inner { out[o + j] = src[off + j * s] }
      }
      o += inner
      var axis = rank - 2
      while axis >= 0 {
        index[axis] += 1
        off += srcStrides[axis]
        if index[axis] < shape[axis] { break }
        off -= srcStrides[axis] * shape[axis]
        index[axis] = 0
        axis -= 1
      }
    }
  }
}

extension Kernels {
  /// `out[i] = mask[i] != 0 ? a[i] : b[i]` for `count` elements.
  @inlinable public static func select<T: KernelScalar>(
    _ mask: UnsafePointer<Double>, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
    _ out: UnsafeMutablePointer<T>, count: Int
  ) {
    for i in 0..<count { out[i] = mask[i] != 0 ? a[i] : b[i] }
  }

  /// Adds `bias[j]` to every row `y[i, j]` of a [rows, columns] matrix.
  @inlinable public static func addRowBias<T: KernelScalar>(
    _ y: UnsafeMutablePointer<T>, _ bias: UnsafePointer<T>, rows: Int, columns: Int
  ) {
    for i in 0..<rows {
      let row = y + i * columns
      for j in 0..<columns { row[j] += bias[j] }
    }
  }
}
