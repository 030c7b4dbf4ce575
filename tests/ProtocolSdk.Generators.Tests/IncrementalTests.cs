using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ProtocolSdk.Generators.Tests;

/// <summary>The pipeline caches its model and output across edits that do not touch a protocol's attributes.</summary>
public class IncrementalTests
{
    private const string Protocol = SnapshotTests.Usings + """
        namespace App;
        [Timeout(30)]
        [Throttle(ReadBytesPerSecond = 1000)]
        [MaxConnections(Total = 10)]
        [LogTraffic]
        [PeerFilter(Allow = new[] { "10.0.0.0/8" })]
        [MinDataRate(BytesPerSecond = 10)]
        [LineFraming]
        public sealed partial class Chat : Protocol
        {
            public override void ConnectionMade() { }
            public override void MessageReceived(ReadOnlySpan<byte> message) { }
        }
        """;

    private const string Unrelated = "namespace App; public static class Helpers { public static int One() => 1; }";

    private static readonly string[] AttributeSteps =
        ["Throttle", "Timeout", "MaxConnections", "LogTraffic", "UsePolicy", "LineFraming", "LengthPrefixFraming", "PeerFilter", "MinDataRate"];

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun()
    {
        var compilation = GeneratorHarness.Compilation(Protocol, Unrelated);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        Assert.Single(driver.GetRunResult().GeneratedTrees);
        return (driver, compilation);
    }

    private static void AssertAllCached(GeneratorRunResult result)
    {
        foreach (var name in AttributeSteps)
        {
            var key = PolicyGenerator.AttributeModelsStep + name;
            if (!result.TrackedSteps.TryGetValue(key, out var steps)) continue; // an attribute the code never uses has no entries
            AssertReasons(steps, key, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        }
        AssertReasons(result.TrackedSteps[PolicyGenerator.ProtocolModelsStep], PolicyGenerator.ProtocolModelsStep,
            IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertReasons(result.TrackedOutputSteps["SourceOutput"], "SourceOutput",
            IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
    }

    private static void AssertReasons(IEnumerable<IncrementalGeneratorRunStep> steps, string name, params IncrementalStepRunReason[] allowed)
    {
        var outputs = steps.SelectMany(s => s.Outputs).ToArray();
        Assert.NotEmpty(outputs);
        foreach (var (_, reason) in outputs)
        {
            Assert.True(allowed.Contains(reason), $"{name}: step output was {reason}, expected one of {string.Join("/", allowed)}");
        }
    }

    [Fact]
    public void Adding_an_unrelated_file_keeps_everything_cached()
    {
        var (driver, compilation) = FirstRun();
        var next = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace App; public sealed class More { }", GeneratorHarness.ParseOptions));
        var result = driver.RunGenerators(next).GetRunResult().Results.Single();
        AssertAllCached(result);
    }

    [Fact]
    public void Editing_a_file_without_attributes_keeps_everything_cached()
    {
        var (driver, compilation) = FirstRun();
        var old = compilation.SyntaxTrees.Last();
        var edited = CSharpSyntaxTree.ParseText(Unrelated.Replace("=> 1", "=> 2"), GeneratorHarness.ParseOptions, path: old.FilePath);
        var result = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited)).GetRunResult().Results.Single();
        AssertAllCached(result);
    }

    [Fact]
    public void Editing_the_protocol_body_keeps_the_model_and_output_cached()
    {
        var (driver, compilation) = FirstRun();
        var old = compilation.SyntaxTrees.First();
        var edited = CSharpSyntaxTree.ParseText(
            Protocol.Replace("public override void ConnectionMade() { }", "public override void ConnectionMade() { Transport.Write(\"x\"u8); }"),
            GeneratorHarness.ParseOptions, path: old.FilePath);
        var result = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited)).GetRunResult().Results.Single();
        AssertReasons(result.TrackedSteps[PolicyGenerator.ProtocolModelsStep], PolicyGenerator.ProtocolModelsStep,
            IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertReasons(result.TrackedOutputSteps["SourceOutput"], "SourceOutput",
            IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void Editing_an_attribute_value_regenerates()
    {
        var (driver, compilation) = FirstRun();
        var before = driver.GetRunResult().GeneratedTrees.Single().ToString();
        var old = compilation.SyntaxTrees.First();
        var edited = CSharpSyntaxTree.ParseText(Protocol.Replace("[Timeout(30)]", "[Timeout(45)]"), GeneratorHarness.ParseOptions, path: old.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited));
        var result = driver.GetRunResult().Results.Single();

        AssertReasons(result.TrackedSteps[PolicyGenerator.AttributeModelsStep + "Timeout"], "Timeout models", IncrementalStepRunReason.Modified);
        AssertReasons(result.TrackedSteps[PolicyGenerator.ProtocolModelsStep], PolicyGenerator.ProtocolModelsStep, IncrementalStepRunReason.Modified);
        AssertReasons(result.TrackedOutputSteps["SourceOutput"], "SourceOutput", IncrementalStepRunReason.Modified);
        var after = result.GeneratedSources.Single().SourceText.ToString();
        Assert.NotEqual(before, after);
        Assert.Contains("FromTicks(450000000L)", after);
    }

    [Fact]
    public void Editing_a_peer_filter_entry_regenerates()
    {
        var (driver, compilation) = FirstRun();
        var old = compilation.SyntaxTrees.First();
        var edited = CSharpSyntaxTree.ParseText(Protocol.Replace("10.0.0.0/8", "10.0.0.0/16"), GeneratorHarness.ParseOptions, path: old.FilePath);
        var result = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited)).GetRunResult().Results.Single();
        AssertReasons(result.TrackedSteps[PolicyGenerator.AttributeModelsStep + "PeerFilter"], "PeerFilter models", IncrementalStepRunReason.Modified);
        AssertReasons(result.TrackedOutputSteps["SourceOutput"], "SourceOutput", IncrementalStepRunReason.Modified);
        Assert.Contains("\"10.0.0.0/16\"", result.GeneratedSources.Single().SourceText.ToString());
    }

    [Fact]
    public void Removing_the_MessageReceived_override_removes_the_file()
    {
        // Framing without MessageReceived is PSDK013: the generator goes silent, and comes back when it is fixed.
        var (driver, compilation) = FirstRun();
        var old = compilation.SyntaxTrees.First();
        var edited = CSharpSyntaxTree.ParseText(Protocol.Replace("public override void MessageReceived(ReadOnlySpan<byte> message) { }", ""),
            GeneratorHarness.ParseOptions, path: old.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited));
        Assert.Empty(driver.GetRunResult().GeneratedTrees);
        driver = driver.RunGenerators(compilation);
        Assert.Single(driver.GetRunResult().GeneratedTrees);
    }

    [Fact]
    public void Removing_the_last_attribute_removes_the_file()
    {
        var compilation = GeneratorHarness.Compilation(SnapshotTests.Usings + "namespace App; [Timeout(1)] public sealed partial class P : Protocol { }");
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        Assert.Single(driver.GetRunResult().GeneratedTrees);
        var old = compilation.SyntaxTrees.Single();
        var edited = CSharpSyntaxTree.ParseText(SnapshotTests.Usings + "namespace App; public sealed partial class P : Protocol { }", GeneratorHarness.ParseOptions, path: old.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited));
        Assert.Empty(driver.GetRunResult().GeneratedTrees);
    }
}
