// Only Glibc here, imported @preconcurrency: `stdout` is a C global that Swift 6 would
// otherwise refuse to touch (Foundation's own import of Glibc would make it strict again).
#if canImport(Glibc)
  @preconcurrency import Glibc
#endif

/// Makes standard output line-buffered, so that every line printed before a crash or a fatal
/// error reaches a pipe or a file.
public func makeStandardOutputLineBuffered() {
  #if canImport(Glibc)
    setvbuf(stdout, nil, Int32(_IOLBF), 0)
  #endif
}
