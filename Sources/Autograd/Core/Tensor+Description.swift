import AutogradKernels
import Foundation

extension Tensor: CustomStringConvertible {
  /// Shape, element type and values, nested like PyTorch's printout; long axes are elided.
  public var description: String {
    let values = doubleScalars
    let isInt = dtype == .int64
    func format(_ v: Double) -> String {
      if isInt { return String(Int(v)) }
      if v == v.rounded() && Swift.abs(v) < 1e15 { return String(format: "%.0f.", v) }
      return String(format: "%.4g", v)
    }
    func render(_ axis: Int, _ offset: Int) -> String {
      if axis == shape.count { return format(values[offset]) }
      let n = shape[axis]
      let stride = shape[(axis + 1)...].reduce(1, *)
      var items = [String]()
      let indices: [Int?] = n > 8 ? Array(0..<3) + [nil] + Array((n - 3)..<n) : Array(0..<n)
      for i in indices {
        items.append(i.map { render(axis + 1, offset + $0 * stride) } ?? "...")
      }
      let separator =
        axis == shape.count - 1 ? ", " : ",\n" + String(repeating: " ", count: axis + 1)
      return "[" + items.joined(separator: separator) + "]"
    }
    var text = "Tensor(shape: \(shape), dtype: \(dtype)"
    if requiresGrad { text += ", requiresGrad: true" }
    return text + ",\n" + (count == 0 ? "[]" : render(0, 0)) + ")"
  }
}
