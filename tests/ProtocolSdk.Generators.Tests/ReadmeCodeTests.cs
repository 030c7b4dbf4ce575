using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Generators.Tests;

/// <summary>
/// Every C# code block in README.md is compiled, with the source generator and the analyzers, the way a user's
/// build would: so the README cannot drift from the API. A block whose info string names diagnostics
/// (```csharp expect: PSDK001 PSDK003) must produce exactly those; every other block must compile with no
/// diagnostics at all, warnings included.
/// </summary>
public partial class ReadmeCodeTests
{
    [GeneratedRegex(@"^```csharp(?<info>[^\n]*)\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    public static TheoryData<int, string, string> Blocks()
    {
        var data = new TheoryData<int, string, string>();
        string readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        int index = 0;
        foreach (Match match in CodeBlock().Matches(readme))
        {
            data.Add(index++, match.Groups["info"].Value.Trim(), match.Groups["code"].Value);
        }
        return data;
    }

    [Fact]
    public void The_readme_has_code_blocks() => Assert.True(Blocks().Count >= 2);

    [Theory]
    [MemberData(nameof(Blocks))]
    public async Task Readme_code_block_compiles(int index, string info, string code)
    {
        var tree = CSharpSyntaxTree.ParseText(code, GeneratorHarness.ParseOptions, path: $"README-block-{index}.cs");
        bool program = tree.GetRoot().DescendantNodes().OfType<GlobalStatementSyntax>().Any();
        var compilation = CSharpCompilation.Create(
            $"ReadmeBlock{index}",
            [tree, CSharpSyntaxTree.ParseText("global using System; global using System.Net; global using System.Threading.Tasks;", GeneratorHarness.ParseOptions)],
            References,
            new CSharpCompilationOptions(
                program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999));
        GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var analyzers = typeof(ProtocolSdk.Analyzers.DiagnosticDescriptors).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        var diagnostics = (await output.WithAnalyzers(analyzers).GetAllDiagnosticsAsync())
            .Where(d => d.Severity != DiagnosticSeverity.Hidden)
            .ToArray();

        var expected = info.StartsWith("expect:", StringComparison.Ordinal)
            ? info["expect:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Order().ToArray()
            : [];
        var actual = diagnostics.Select(d => d.Id).Distinct().Order().ToArray();
        Assert.True(expected.SequenceEqual(actual),
            $"README block {index}: expected [{string.Join(", ", expected)}], got:\n{string.Join("\n", diagnostics.Select(d => d.ToString()))}");
    }

    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(Protocol).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(ProtocolSdk.Testing.ProtocolTestHost).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Time.Testing.FakeTimeProvider).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location),
    ];
}
