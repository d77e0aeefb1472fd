// im2col and its adjoint col2im for one image, the data movement of convolution as GEMM.

extension Kernels {
  /// Geometry of a 2-D convolution or pooling window sweep.
  public struct ConvGeometry {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var kernelH: Int
    public var kernelW: Int
    public var stride: Int
    public var padding: Int
    public var outH: Int { (height + 2 * padding - kernelH) / stride + 1 }
    public var outW: Int { (width + 2 * padding - kernelW) / stride + 1 }

    public init(
      channels: Int, height: Int, width: Int, kernelH: Int, kernelW: Int, stride: Int,
      padding: Int
    ) {
      (self.channels, self.height, self.width) = (channels, height, width)
      (self.kernelH, self.kernelW, self.stride, self.padding) = (kernelH, kernelW, stride, padding)
    }
  }

  /// Unfolds one [C, H, W] image into `col`, a [C·kh·kw, outH·outW] matrix (zero padding).
  @inlinable public static func im2col<T: KernelScalar>(
    _ image: UnsafePointer<T>, _ col: UnsafeMutablePointer<T>, _ g: ConvGeometry
  ) {
    let (oh, ow) = (g.outH, g.outW)
    let ld = oh * ow
    if g.stride == 1 && g.padding == 0 {
      // The common case (the MNIST CNN's): every row of `col` is oh lines of the image, each
      // ow elements long, with no zeros to write.
      var row = 0
      for c in 0..<g.channels {
        for ki in 0..<g.kernelH {
          for kj in 0..<g.kernelW {
            let src = image + (c * g.height + ki) * g.width + kj
            let dst = col + row * ld
            for y in 0..<oh { copyShortRow(from: src + y * g.width, to: dst + y * ow, count: ow) }
            row += 1
          }
        }
      }
      return
    }
    var row = 0
    for c in 0..<g.channels {
      let plane = image + c * g.height * g.width
      for ki in 0..<g.kernelH {
        for kj in 0..<g.kernelW {
          let dst = col + row * ld
          for y in 0..<oh {
            let iy = y * g.stride - g.padding + ki
            let line = dst + y * ow
            if iy < 0 || iy >= g.height {
              for x in 0..<ow { line[x] = 0 }
              continue
            }
            let src = plane + iy * g.width
            if g.stride == 1 {
              let x0 = Swift.min(Swift.max(0, g.padding - kj), ow)
              let x1 = Swift.max(Swift.min(ow, g.width + g.padding - kj), x0)
              for x in 0..<x0 { line[x] = 0 }
              if x1 > x0 {
                copyShortRow(from: src + (x0 - g.padding + kj), to: line + x0, count: x1 - x0)
              }
              for x in x1..<ow { line[x] = 0 }
            } else {
              for x in 0..<ow {
                let ix = x * g.stride - g.padding + kj
                line[x] = ix >= 0 && ix < g.width ? src[ix] : 0
              }
            }
          }
          row += 1
        }
      }
    }
  }

  /// Adds `col` ([C·kh·kw, outH·outW]) back onto one [C, H, W] image: the adjoint of
  /// ``im2col(_:_:_:)``.
  @inlinable public static func col2im<T: KernelScalar>(
    _ col: UnsafePointer<T>, _ image: UnsafeMutablePointer<T>, _ g: ConvGeometry
  ) {
    let (oh, ow) = (g.outH, g.outW)
    let ld = oh * ow
    var row = 0
    for c in 0..<g.channels {
      let plane = image + c * g.height * g.width
      for ki in 0..<g.kernelH {
        for kj in 0..<g.kernelW {
          let src = col + row * ld
          // The output columns whose input column lies inside the image.
          let x0 = Swift.min(Swift.max(0, (g.padding - kj + g.stride - 1) / g.stride), ow)
          let x1 = Swift.max(
            Swift.min(ow, (g.width + g.padding - kj + g.stride - 1) / g.stride), x0)
          for y in 0..<oh {
            let iy = y * g.stride - g.padding + ki
            if iy < 0 || iy >= g.height { continue }
            let line = plane + iy * g.width - g.padding + kj
            let values = src + y * ow
            if g.stride == 1 {
              for x in x0..<x1 { line[x] += values[x] }
            } else {
              for x in x0..<x1 { line[x * g.stride] += values[x] }
            }
          }
          row += 1
        }
      }
    }
  }

  /// Copies `count` elements 16, then 8 at a time, then one by one: rows of a convolution are a
  /// few dozen elements, where a call to `memmove` per row costs more than the copy.
  @inline(__always)
  @inlinable public static func copyShortRow<T: KernelScalar>(
    from source: UnsafePointer<T>, to destination: UnsafeMutablePointer<T>, count: Int
  ) {
    let (from, to) = (UnsafeRawPointer(source), UnsafeMutableRawPointer(destination))
    let stride = MemoryLayout<T>.stride
    var x = 0
    while x + 16 <= count {
      to.storeBytes(
        of: from.loadUnaligned(fromByteOffset: x * stride, as: SIMD16<T>.self),
        toByteOffset: x * stride, as: SIMD16<T>.self)
      x += 16
    }
    if x + 8 <= count {
      to.storeBytes(
        of: from.loadUnaligned(fromByteOffset: x * stride, as: SIMD8<T>.self),
        toByteOffset: x * stride, as: SIMD8<T>.self)
      x += 8
    }
    while x < count {
      destination[x] = source[x]
      x += 1
    }
  }
}
