import ExampleSupport
import Foundation
import NN

/// The settings of a run: pytorch/examples `word_language_model/main.py`'s flags and defaults,
/// except the number of epochs, cut to fit the gallery's budget (`--epochs 40` is the original).
public struct Options: Sendable {
  /// The corpus directory, with train.txt, valid.txt and test.txt.
  public var data: String?
  /// The network.
  public var model = ModelType.lstm
  /// The size of the word embeddings.
  public var emsize = 200
  /// Hidden units per layer.
  public var nhid = 200
  /// Layers.
  public var nlayers = 2
  /// The initial learning rate (plain SGD).
  public var lr = 20.0
  /// The gradient norm clip.
  public var clip = 0.25
  /// Epochs (the original: 40).
  public var epochs = 2
  /// Sequences per batch.
  public var batchSize = 20
  /// The sequence length of truncated backpropagation.
  public var bptt = 35
  /// Dropout.
  public var dropout = 0.2
  /// Whether the decoder shares the embedding's weights.
  public var tied = false
  /// The seed.
  public var seed: UInt64 = 1111
  /// Batches between printed lines.
  public var logInterval = 200
  /// Where the best model is saved (safetensors).
  public var save = "model.safetensors"
  /// The Transformer's heads.
  public var nhead = 2
  /// Stop each epoch after this many batches (nil: all), for smoke tests (`--dry-run` is 1).
  public var maxBatches: Int?
  /// Where to write the per-epoch CSV log, if anywhere.
  public var logPath: String?
  /// Where to write the initial weights (safetensors, PyTorch's names) before training, so
  /// that the PyTorch twin can start from them (`--init`).
  public var initialStatePath: String?
  /// CPU threads for the kernels (nil: the library's default).
  public var threads: Int?

  /// The defaults.
  public init() {}

  /// The help text.
  public static let usage = """
    usage: word-language-model [options]
           word-language-model generate [--checkpoint FILE] [--words N] [--temperature T] [--seed N] [--outf FILE]

    pytorch/examples word_language_model: an RNN, LSTM, GRU or Transformer language model on a
    word corpus (default: Data/KJV, the King James New Testament), trained with plain SGD,
    gradient clipping and lr/4 when the validation loss stops falling; prints the perplexity on
    validation each epoch and on test at the end. `generate` samples text from a saved model.

    options:
      --data DIR          corpus with train.txt, valid.txt, test.txt (default Data/KJV)
      --model \\(ModelType.spellings)   (default LSTM)
      --emsize N          word embedding size (default 200)
      --nhid N            hidden units per layer (default 200)
      --nlayers N         layers (default 2)
      --lr X              initial learning rate (default 20)
      --clip X            gradient norm clip (default 0.25)
      --epochs N          epochs (default 2; the original 40)
      --batch-size N      batch size (default 20)
      --bptt N            sequence length (default 35)
      --dropout X         dropout (default 0.2)
      --tied              tie the word embedding and softmax weights
      --seed N            random seed (default 1111)
      --log-interval N    batches between printed lines (default 200)
      --save FILE         where the best model is saved (default model.safetensors)
      --nhead N           Transformer heads (default 2)
      --dry-run           one batch per epoch, to check the code runs
      --max-batches N     at most N batches per epoch
      --log FILE.csv      write epoch, train_loss, valid_loss, valid_ppl, learning_rate, elapsed_seconds
      --save-initial FILE the initial weights (safetensors), for the PyTorch twin's --init
      --threads N         CPU threads for the kernels (default: all cores)
      --help              show this text
    """

  /// Parses `arguments` (without the program name); throws a ``UsageError`` naming the problem.
  public init(arguments: [String]) throws {
    let args = try Arguments(
      arguments,
      valued: [
        "--data", "--model", "--emsize", "--nhid", "--nlayers", "--lr", "--clip", "--epochs",
        "--batch-size", "--bptt", "--dropout", "--seed", "--log-interval", "--save", "--nhead",
        "--max-batches", "--log", "--threads", "--save-initial",
      ], boolean: ["--tied", "--dry-run", "--help"])
    if let extra = args.positional.first { throw UsageError("unexpected argument '\(extra)'") }
    data = args.string("--data")
    model = try args.choice("--model", default: model)
    emsize = try args.int("--emsize", default: emsize, in: 1...100_000)
    nhid = try args.int("--nhid", default: nhid, in: 1...100_000)
    nlayers = try args.int("--nlayers", default: nlayers, in: 1...100)
    lr = try args.double("--lr", default: lr, in: 1e-8...1e4)
    clip = try args.double("--clip", default: clip, in: 1e-8...1e6)
    epochs = try args.int("--epochs", default: epochs, in: 1...100_000)
    batchSize = try args.int("--batch-size", default: batchSize, in: 1...100_000)
    bptt = try args.int("--bptt", default: bptt, in: 1...100_000)
    dropout = try args.double("--dropout", default: dropout, in: 0...0.99)
    tied = args.flag("--tied")
    seed = UInt64(try args.int("--seed", default: Int(seed), in: 0...Int.max))
    logInterval = try args.int("--log-interval", default: logInterval, in: 1...1_000_000)
    save = args.string("--save", default: save)!
    nhead = try args.int("--nhead", default: nhead, in: 1...1024)
    if args.flag("--dry-run") { maxBatches = 1 }
    if args.values["--max-batches"] != nil {
      maxBatches = try args.int("--max-batches", default: 1, in: 1...1_000_000)
    }
    logPath = args.string("--log")
    initialStatePath = args.string("--save-initial")
    if args.values["--threads"] != nil {
      threads = try args.int("--threads", default: 1, in: 1...1024)
    }
    if tied && emsize != nhid {
      throw UsageError("When using the tied flag, nhid must be equal to emsize")
    }
    if model == .transformer && emsize % nhead != 0 {
      throw UsageError("--emsize \(emsize) must be a multiple of --nhead \(nhead)")
    }
  }

  /// The corpus directory.
  var dataDirectory: URL {
    if let data { return URL(fileURLWithPath: data, isDirectory: true) }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
      .appendingPathComponent("Data/KJV", isDirectory: true)
  }
}

/// The original's `Corpus`: a dictionary in order of first appearance over train, valid and
/// test, and each file as word ids with `<eos>` after every line.
public struct Corpus: Sendable {
  /// The words by id.
  public private(set) var words: [String] = []
  /// The ids by word.
  public private(set) var index: [String: Int] = [:]
  /// The three splits as id sequences.
  public private(set) var train: [Int] = [], valid: [Int] = [], test: [Int] = []

  /// Reads `directory`/{train,valid,test}.txt; throws naming a missing or unreadable file.
  public init(directory: URL) throws {
    train = try tokenize(directory.appendingPathComponent("train.txt"))
    valid = try tokenize(directory.appendingPathComponent("valid.txt"))
    test = try tokenize(directory.appendingPathComponent("test.txt"))
  }

  mutating func tokenize(_ url: URL) throws -> [Int] {
    guard let text = try? String(contentsOf: url, encoding: .utf8) else {
      throw DatasetNotFoundError(
        path: url.path, hint: "give --data DIR with train.txt, valid.txt and test.txt")
    }
    var ids = [Int]()
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(
      text.hasSuffix("\n") ? 1 : 0)
    {
      for word in line.split(separator: " ").map(String.init) + ["<eos>"] { ids.append(add(word)) }
    }
    return ids
  }

  mutating func add(_ word: String) -> Int {
    if let id = index[word] { return id }
    index[word] = words.count
    words.append(word)
    return words.count - 1
  }
}

/// The original's `batchify`: the ids cut into `batch` contiguous streams, as columns of an
/// `int64` [T, batch] tensor (the remainder dropped).
public func batchify(_ ids: [Int], _ batch: Int) -> Tensor {
  let length = ids.count / batch
  var values = [Int](repeating: 0, count: length * batch)
  for b in 0..<batch {
    for t in 0..<length { values[t * batch + b] = ids[b * length + t] }
  }
  return Tensor(shape: [length, batch], indices: values)
}

/// One epoch's figures.
public struct EpochRow: Sendable {
  /// The epoch (1-based).
  public var epoch: Int
  /// The mean training loss over the epoch's batches.
  public var trainLoss: Double
  /// The validation loss per word.
  public var validLoss: Double
  /// The learning rate during the epoch.
  public var learningRate: Double
  /// Seconds since training started.
  public var elapsed: Double
}

/// What a run produced.
public struct Result {
  /// One row per epoch.
  public var epochs: [EpochRow]
  /// The test loss per word of the best model.
  public var testLoss: Double
  /// Mean seconds per training batch.
  public var secondsPerBatch: Double
}

func makeModel(_ o: Options, ntoken: Int) -> LanguageModel {
  o.model == .transformer
    ? TransformerModel(
      ntoken: ntoken, ninp: o.emsize, nhead: o.nhead, nhid: o.nhid, nlayers: o.nlayers,
      dropout: o.dropout)
    : RNNModel(
      o.model, ntoken: ntoken, ninp: o.emsize, nhid: o.nhid, nlayers: o.nlayers, dropout: o.dropout,
      tied: o.tied)
}

/// The mean loss per word of `model` over `source` [T, N].
func evaluate(_ model: LanguageModel, _ source: Tensor, bptt: Int) -> Double {
  model.eval()
  var hidden = model.initHidden(source.shape[1])
  var total = 0.0
  noGrad {
    var i = 0
    while i < source.shape[0] - 1 {
      let seqLen = min(bptt, source.shape[0] - 1 - i)
      let data = source.slice(dim: 0, start: i, end: i + seqLen)
      let targets = source.slice(dim: 0, start: i + 1, end: i + 1 + seqLen).reshape([-1])
      let (output, next) = model.step(data, hidden)
      hidden = next
      total += Double(seqLen) * nllLoss(output, targets).item()
      i += bptt
    }
  }
  return total / Double(source.shape[0] - 1)
}

/// Trains the model; `report` receives each printed line (the original's).
public func train(_ o: Options, report: (String) -> Void = { print($0) }) throws -> Result {
  if let threads = o.threads { setNumThreads(threads) }
  manualSeed(o.seed)
  let corpus = try Corpus(directory: o.dataDirectory)
  let trainData = batchify(corpus.train, o.batchSize)
  let valData = batchify(corpus.valid, 10)
  let testData = batchify(corpus.test, 10)
  let ntokens = corpus.words.count
  let model = makeModel(o, ntoken: ntokens)
  if let path = o.initialStatePath {
    try Safetensors.write(
      model.stateDict(), metadata: o.modelMetadata, to: URL(fileURLWithPath: path))
  }
  let optimizer = SGD(model.parameters(), learningRate: o.lr)
  var lr = o.lr
  var best: Double?
  var rows = [EpochRow]()
  var batchSeconds = 0.0
  var batchCount = 0
  let start = Date()
  for epoch in 1...o.epochs {
    let epochStart = Date()
    model.train()
    var totalLoss = 0.0
    var epochLoss = 0.0
    var logStart = Date()
    var hidden = model.initHidden(o.batchSize)
    let batches = (trainData.shape[0] - 1 + o.bptt - 1) / o.bptt
    var progress = ProgressLine(total: min(batches, o.maxBatches ?? .max))
    var batch = 0
    var i = 0
    while i < trainData.shape[0] - 1 && batch < (o.maxBatches ?? .max) {
      let seqLen = min(o.bptt, trainData.shape[0] - 1 - i)
      let data = trainData.slice(dim: 0, start: i, end: i + seqLen)
      let targets = trainData.slice(dim: 0, start: i + 1, end: i + 1 + seqLen).reshape([-1])
      let batchStart = Date()
      model.zeroGrad()
      let (output, next) = model.step(data, hidden?.detached())
      hidden = next
      let loss = nllLoss(output, targets)
      loss.backward()
      clipGradNorm(model.parameters(), maxNorm: o.clip)
      optimizer.learningRate = lr
      optimizer.step()
      batchSeconds += Date().timeIntervalSince(batchStart)
      batchCount += 1
      let value = loss.item()
      totalLoss += value
      epochLoss += value
      progress.update(step: batch + 1, done: batch + 1, extra: String(format: "loss %.2f", value))
      if batch % o.logInterval == 0 && batch > 0 {
        let current = totalLoss / Double(o.logInterval)
        let elapsed = Date().timeIntervalSince(logStart)
        progress.finish()
        report(
          String(
            format:
              "| epoch %3d | %5d/%5d batches | lr %02.2f | ms/batch %5.2f | loss %5.2f | ppl %8.2f",
            epoch, batch, trainData.shape[0] / o.bptt, lr, elapsed * 1000 / Double(o.logInterval),
            current,
            exp(current)))
        totalLoss = 0
        logStart = Date()
      }
      batch += 1
      i += o.bptt
    }
    progress.finish()
    let valLoss = evaluate(model, valData, bptt: o.bptt)
    report(String(repeating: "-", count: 89))
    report(
      String(
        format: "| end of epoch %3d | time: %5.2fs | valid loss %5.2f | valid ppl %8.2f", epoch,
        Date().timeIntervalSince(epochStart), valLoss, exp(valLoss)))
    report(String(repeating: "-", count: 89))
    rows.append(
      EpochRow(
        epoch: epoch, trainLoss: epochLoss / Double(max(batch, 1)), validLoss: valLoss,
        learningRate: lr,
        elapsed: Date().timeIntervalSince(start)))
    if best == nil || valLoss < best! {
      try Safetensors.write(
        model.stateDict(), metadata: o.modelMetadata, to: URL(fileURLWithPath: o.save))
      best = valLoss
    } else {
      lr /= 4
    }
  }
  try model.load(from: URL(fileURLWithPath: o.save))
  let testLoss = evaluate(model, testData, bptt: o.bptt)
  report(String(repeating: "=", count: 89))
  report(
    String(format: "| End of training | test loss %5.2f | test ppl %8.2f", testLoss, exp(testLoss)))
  report(String(repeating: "=", count: 89))
  if let path = o.logPath {
    var log = CSVLog(header: [
      "epoch", "train_loss", "valid_loss", "valid_ppl", "learning_rate", "elapsed_seconds",
    ])
    for r in rows {
      log.append([
        String(r.epoch), String(r.trainLoss), String(r.validLoss), String(exp(r.validLoss)),
        String(r.learningRate),
        String(format: "%.3f", r.elapsed),
      ])
    }
    log.append([
      "test", "", String(testLoss), String(exp(testLoss)), "",
      String(format: "%.3f", Date().timeIntervalSince(start)),
    ])
    try log.write(to: URL(fileURLWithPath: path))
  }
  return Result(
    epochs: rows, testLoss: testLoss, secondsPerBatch: batchSeconds / Double(max(batchCount, 1)))
}

extension Options {
  /// What `generate` needs to rebuild the model, saved in the checkpoint's metadata.
  var modelMetadata: [String: String] {
    [
      "model": model.rawValue, "emsize": String(emsize), "nhid": String(nhid),
      "nlayers": String(nlayers),
      "nhead": String(nhead), "tied": String(tied), "dropout": String(dropout),
    ]
  }
}

/// The settings of `word-language-model generate` (the original's generate.py).
public struct GenerateOptions: Sendable {
  /// The corpus (for its dictionary).
  public var data: String?
  /// The model saved by training.
  public var checkpoint = "model.safetensors"
  /// Where the text goes.
  public var outf = "generated.txt"
  /// Words to generate.
  public var words = 1000
  /// The seed.
  public var seed: UInt64 = 1111
  /// Higher is more diverse.
  public var temperature = 1.0
  /// Words between progress lines.
  public var logInterval = 100

  /// Parses the flags after `generate`.
  public init(arguments: [String]) throws {
    let args = try Arguments(
      arguments,
      valued: [
        "--data", "--checkpoint", "--outf", "--words", "--seed", "--temperature", "--log-interval",
      ],
      boolean: [])
    if let extra = args.positional.first { throw UsageError("unexpected argument '\(extra)'") }
    data = args.string("--data")
    checkpoint = args.string("--checkpoint", default: checkpoint)!
    outf = args.string("--outf", default: outf)!
    words = try args.int("--words", default: words, in: 1...10_000_000)
    seed = UInt64(try args.int("--seed", default: Int(seed), in: 0...Int.max))
    temperature = try args.double("--temperature", default: temperature, in: 1e-3...1e3)
    logInterval = try args.int("--log-interval", default: logInterval, in: 1...10_000_000)
  }
}

/// Samples `words` words from a saved model, as the original's generate.py, and writes them to
/// `outf` (20 words a line); returns the text.
@discardableResult
public func generate(_ g: GenerateOptions, report: (String) -> Void = { print($0) }) throws
  -> String
{
  manualSeed(g.seed)
  let url = URL(fileURLWithPath: g.checkpoint)
  let (tensors, metadata) = try Safetensors.read(from: url)
  var o = Options()
  o.data = g.data
  guard let name = metadata["model"], let type = ModelType(rawValue: name),
    let emsize = metadata["emsize"].flatMap(Int.init),
    let nhid = metadata["nhid"].flatMap(Int.init),
    let nlayers = metadata["nlayers"].flatMap(Int.init),
    let nhead = metadata["nhead"].flatMap(Int.init)
  else {
    throw CheckpointError(
      source: url.path, "no word-language-model metadata (model, emsize, nhid, nlayers, nhead)")
  }
  (o.model, o.emsize, o.nhid, o.nlayers, o.nhead, o.tied) = (
    type, emsize, nhid, nlayers, nhead, metadata["tied"] == "true"
  )
  let corpus = try Corpus(directory: o.dataDirectory)
  let ntokens = corpus.words.count
  let model = makeModel(o, ntoken: ntokens)
  try model.loadStateDict(tensors, source: url.path)
  model.eval()
  var input = Tensor(shape: [1, 1], indices: [Int(Tensor.randint(0, ntokens, [1]).indices[0])])
  var hidden = model.initHidden(1)
  var text = ""
  noGrad {
    for i in 0..<g.words {
      let (output, next) = model.step(input, hidden)
      hidden = next
      let last = output.slice(dim: 0, start: output.shape[0] - 1)
      let word = Int(Categorical(logits: last / g.temperature).sample().item())
      let wordTensor = Tensor(shape: [1, 1], indices: [word])
      input = o.model == .transformer ? Tensor.cat([input, wordTensor], dim: 0) : wordTensor
      text += corpus.words[word] + (i % 20 == 19 ? "\n" : " ")
      if i % g.logInterval == 0 { report("| Generated \(i)/\(g.words) words") }
    }
  }
  try writeAtomically(Data(text.utf8), to: URL(fileURLWithPath: g.outf))
  return text
}
