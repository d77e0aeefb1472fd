import ExampleSupport
import WGANGP

let arguments = Array(CommandLine.arguments.dropFirst())

runCommandLine(usage: Options.usage) {
  if wantsHelp(arguments) {
    print(Options.usage)
    return
  }
  _ = try train(try Options(arguments: arguments))
}
