// libFuzzer entry point for the data-layer parsers: built by Scripts/fuzz.sh together with the
// parser sources (not part of the Swift package). Every parser must return or throw on any
// input; a crash, sanitizer report, leak or timeout is a bug.

/// Feeds one fuzzer input to every parser, ignoring the errors they throw.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDataParsers(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let bytes =
    count > 0 && start != nil ? Array(UnsafeBufferPointer(start: start, count: count)) : []
  // Caps keep a tiny input from legitimately expanding to gigabytes (ratio up to 1032:1).
  let limit = 1 << 24
  _ = try? GZip.decompress(bytes, source: "fuzz", maximumOutputCount: limit)
  _ = try? Inflate.inflate(bytes, source: "fuzz", maximumOutputCount: limit)
  if let file = try? IDXFile.parse(bytes, source: "fuzz") {
    _ = file.asFloat()
    _ = try? file.asUInt8()
  }
  return 0
}
