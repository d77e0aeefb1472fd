import Foundation
import NN

/// A minimal PNG writer: 8-bit greyscale, uncompressed (stored deflate blocks), enough for the
/// gallery's image grids without a compression library.
public enum PNG {
  /// The PNG bytes of a `width`×`height` greyscale image, row-major.
  public static func encode(grey pixels: [UInt8], width: Int, height: Int) -> Data {
    precondition(
      pixels.count == width * height, "PNG: \(pixels.count) pixels for \(width)×\(height)")
    var raw = [UInt8]()
    raw.reserveCapacity((width + 1) * height)
    for y in 0..<height {
      raw.append(0)  // filter: none
      raw += pixels[(y * width)..<((y + 1) * width)]
    }
    var zlib: [UInt8] = [0x78, 0x01]
    var offset = 0
    repeat {
      let n = min(65535, raw.count - offset)
      let last = offset + n == raw.count
      zlib += [
        last ? 1 : 0, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF),
      ]
      zlib += raw[offset..<(offset + n)]
      offset += n
    } while offset < raw.count
    var (a, b): (UInt32, UInt32) = (1, 0)
    for byte in raw {
      a = (a + UInt32(byte)) % 65521
      b = (b + a) % 65521
    }
    zlib += bigEndian((b << 16) | a)
    var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    png += chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 0, 0, 0, 0])
    png += chunk("IDAT", zlib)
    png += chunk("IEND", [])
    return Data(png)
  }

  static func bigEndian(_ v: UInt32) -> [UInt8] {
    [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
  }

  static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + data
    return bigEndian(UInt32(data.count)) + body + bigEndian(CRC32.checksum(body))
  }

  /// Writes `images` [N, 1, H, W] (values in [0, 1]) as a grid of `columns` per row with
  /// `padding` black pixels between and around them, like torchvision's
  /// `save_image(images, path, nrow=columns)`, atomically.
  public static func writeGrid(_ images: Tensor, columns: Int = 8, padding: Int = 2, to url: URL)
    throws
  {
    precondition(
      images.rank == 4 && images.shape[1] == 1,
      "PNG.writeGrid: expected [N, 1, H, W], got \(images.shape)")
    let (n, h, w) = (images.shape[0], images.shape[2], images.shape[3])
    let cols = min(columns, n)
    let rows = (n + cols - 1) / cols
    let width = cols * (w + padding) + padding
    let height = rows * (h + padding) + padding
    var pixels = [UInt8](repeating: 0, count: width * height)
    let v = images.scalars
    for i in 0..<n {
      let (r, c) = (i / cols, i % cols)
      for y in 0..<h {
        for x in 0..<w {
          let value = min(max(v[(i * h + y) * w + x] * 255 + 0.5, 0), 255)
          pixels[(padding + r * (h + padding) + y) * width + padding + c * (w + padding) + x] =
            UInt8(value)
        }
      }
    }
    try writeAtomically(encode(grey: pixels, width: width, height: height), to: url)
  }
}
