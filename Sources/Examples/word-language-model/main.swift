import ExampleSupport
import WordLanguageModel

let arguments = Array(CommandLine.arguments.dropFirst())

runCommandLine(usage: Options.usage) {
  if wantsHelp(arguments) {
    print(Options.usage)
    return
  }
  if arguments.first == "generate" {
    try generate(try GenerateOptions(arguments: Array(arguments.dropFirst())))
    return
  }
  _ = try train(try Options(arguments: arguments))
}
