// libFuzzer entry point for the safetensors checkpoint reader: built by Scripts/fuzz.sh together
// with the Autograd sources and Sources/NN/Checkpoint/Safetensors.swift (not part of the Swift
// package). The reader must return or throw on any input; a crash or sanitizer report is a bug.

/// Feeds one fuzzer input to the safetensors decoder, ignoring the errors it throws.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let bytes =
    count > 0 && start != nil ? Array(UnsafeBufferPointer(start: start, count: count)) : []
  if let (tensors, _) = try? Safetensors.decode(bytes, source: "fuzz") {
    for tensor in tensors.values { _ = tensor.doubleScalars.count }
  }
  return 0
}
