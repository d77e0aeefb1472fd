// Times GZip.decompress on one file: Scripts/bench_gunzip.sh compiles this file together with
// the data sources (one module, -O) and compares it with zlib.
//
// Usage: gunzip-bench FILE.gz [RUNS] [OUTPUT]
// Prints the median of RUNS runs in milliseconds; with OUTPUT, also writes the decompressed
// bytes there so they can be compared with zlib's.
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
  print("usage: gunzip-bench FILE.gz [RUNS] [OUTPUT]")
  exit(2)
}
let runs = max(1, arguments.count >= 3 ? Int(arguments[2]) ?? 7 : 7)
let bytes = [UInt8](try Foundation.Data(contentsOf: URL(fileURLWithPath: arguments[1])))
var times: [Double] = []
var output: [UInt8] = []
for _ in 0..<runs {
  let start = DispatchTime.now().uptimeNanoseconds
  output = try GZip.decompress(bytes, source: arguments[1])
  times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
}
if arguments.count >= 4 {
  try Foundation.Data(output).write(to: URL(fileURLWithPath: arguments[3]))
}
times.sort()
print(String(format: "%.2f", times[runs / 2]), output.count)
