using ProtocolSdk.Fuzz;
using ProtocolSdk.Reliability.Support;
using Xunit.Abstractions;

namespace ProtocolSdk.Reliability;

/// <summary>
/// Keeps the fuzz target honest in every test run: the committed corpus (seeds plus inputs that gave AFL++ new
/// coverage) and a few thousand random inputs go through the same targets and oracles as <c>tests/ProtocolSdk.Fuzz</c>
/// (its Targets.cs is compiled into this assembly).
/// </summary>
[Collection(Serial.Name)]
public class FuzzCorpusTests(ITestOutputHelper output)
{
    [Fact]
    public void Corpus_and_random_inputs_hold_every_invariant()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "fuzz-corpus");
        var files = Directory.GetFiles(dir).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);
        foreach (var file in files) Targets.Run(File.ReadAllBytes(file));

        int random = Soak.Pick(2000, 200_000);
        var rng = new Random(20261127);
        for (int i = 0; i < random; i++)
        {
            var input = new byte[rng.Next(2, rng.Next(4) == 0 ? 4096 : 300)];
            rng.NextBytes(input);
            Targets.Run(input);
        }
        output.WriteLine($"{files.Length} corpus inputs and {random} random inputs: no invariant broke");
    }
}
