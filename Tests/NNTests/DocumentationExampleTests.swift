import NN
import Testing

/// The code of Documentation/GettingStarted.md, verbatim between the markers, so that the page
/// cannot drift from the API.
@Suite("Documentation examples")
struct DocumentationExampleTests {
  @Test("Getting started: an MLP on MNIST learns in 30 steps")
  func gettingStarted() throws {
    // --- Getting started example begins ---
    manualSeed(0)
    let train = try MNIST(split: .train)  // Data/MNIST, or the directory in $MNIST_DIR
    let loader = DataLoader(train, batchSize: 64, shuffle: true)
    let model = Sequential {
      Flatten()
      Linear(784, 128)
      ReLU()
      Linear(128, 10)
    }
    let optimizer = Adam(model.parameters(), learningRate: 1e-3)

    var losses: [Double] = []
    for (images, labels) in loader.prefix(30) {  // images [64, 1, 28, 28], labels [64]
      let loss = crossEntropy(model(images), labels)
      optimizer.zeroGrad()
      loss.backward()
      optimizer.step()
      losses.append(loss.item())
    }
    print("loss \(losses.first!) → \(losses.last!)")
    // --- Getting started example ends ---

    // --- Getting started evaluation begins ---
    model.eval()
    let test = try MNIST(split: .test)
    var correct = 0.0
    noGrad {
      for (images, labels) in DataLoader(test, batchSize: 1000) {
        correct += model(images).argmax(dim: 1).eq(labels).sum().item()
      }
    }
    print("test accuracy \(correct / Double(test.count))")
    // --- Getting started evaluation ends ---

    #expect(losses.count == 30)
    let first = losses.prefix(5).reduce(0, +) / 5
    let last = losses.suffix(5).reduce(0, +) / 5
    #expect(last < first - 0.5, "mean loss of the first 5 steps \(first), of the last 5 \(last)")
    #expect(correct / Double(test.count) > 0.6)
  }
}
