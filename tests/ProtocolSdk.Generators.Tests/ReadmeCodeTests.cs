using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Generators.Tests;

/// <summary>
/// Every code block in every README.md of the repository is checked, so no README can drift from the API:
/// <list type="bullet">
/// <item>```csharp: compiled with the source generator and the analyzers, the way a user's build would, with the
/// implicit usings of a <c>dotnet new console</c> project; it must give no diagnostics at all, warnings included.</item>
/// <item>```csharp expect: PSDK001 PSDK003: must give exactly those diagnostics.</item>
/// <item>```csharp fragment: deliberately incomplete; not compiled. The marker must be written out, so a broken
/// block cannot pass by accident.</item>
/// <item>```json and ```xml: parsed (strict JSON; well-formed XML).</item>
/// </list>
/// Other markdown files (docs/) opt in per block with ```csharp compile.
/// </summary>
public partial class ReadmeCodeTests
{
    [GeneratedRegex(@"^```(?<lang>[A-Za-z]*)(?<info>[^\n]*)\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    /// <summary>What a `dotnet new console` project (ImplicitUsings=enable) imports: what a reader pastes into.</summary>
    private const string ImplicitUsings =
        "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
        "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";

    private sealed record Block(string File, int Index, string Language, string Info, string Code)
    {
        public override string ToString() => $"{File} block {Index} ({Language} {Info})";
    }

    private static IEnumerable<Block> AllBlocks()
    {
        var root = RepositoryPaths.Root;
        var readmes = Directory.EnumerateFiles(root, "README.md", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(Path.GetRelativePath(root, path)));
        var docs = Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories)
            .Where(path => Path.GetFileName(path) != "README.md");
        foreach (var path in readmes.Concat(docs).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            bool optIn = Path.GetFileName(path) != "README.md";
            int index = 0;
            foreach (Match match in CodeBlock().Matches(File.ReadAllText(path)))
            {
                var language = match.Groups["lang"].Value;
                var info = match.Groups["info"].Value.Trim();
                if (optIn && !(language == "csharp" && info == "compile")) continue;
                yield return new Block(relative, index++, language, info, match.Groups["code"].Value);
            }
        }
    }

    private static bool IsBuildOutput(string relativePath) =>
        relativePath.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)
            .Any(part => part is "bin" or "obj" or "artifacts" or "TestResults" or "node_modules" || part.StartsWith('.'));

    public static TheoryData<string, int> CSharpBlocks() => Ids(AllBlocks().Where(b => b.Language == "csharp"));

    public static TheoryData<string, int> DataBlocks() => Ids(AllBlocks().Where(b => b.Language is "json" or "xml"));

    private static TheoryData<string, int> Ids(IEnumerable<Block> blocks)
    {
        var data = new TheoryData<string, int>();
        foreach (var block in blocks) data.Add(block.File, block.Index);
        return data;
    }

    private static Block Find(string file, int index) => AllBlocks().Single(b => b.File == file && b.Index == index);

    [Fact]
    public void Every_readme_with_csharp_is_covered()
    {
        var files = AllBlocks().Where(b => b.Language == "csharp").Select(b => b.File).ToHashSet();
        Assert.Contains("README.md", files);
        Assert.Contains("src/ProtocolSdk/README.md", files);
        Assert.Contains("src/ProtocolSdk.Hosting/README.md", files);
        Assert.Contains("src/ProtocolSdk.Testing/README.md", files);
        Assert.Contains(AllBlocks(), b => b is { File: "src/ProtocolSdk.Hosting/README.md", Language: "json" });
    }

    [Fact]
    public void The_quick_start_is_the_QuickStart_sample_word_for_word()
    {
        // The reader runs samples/QuickStart; the sample tests drive its ShoutProtocol with what nc sends.
        var quickStart = AllBlocks().First(b => b is { File: "README.md", Language: "csharp" });
        var sample = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "QuickStart", "Program.cs"));
        Assert.Equal(sample, quickStart.Code);
    }

    [Fact]
    public void Ci_runs_exactly_the_readme_test_command()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var command = Regex.Match(readme, @"Run the whole test suite[^\n]*\n\n```bash\n(?<command>[^\n]+)\n```").Groups["command"].Value;
        Assert.StartsWith("dotnet test ", command);
        var ci = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, ".ci", "run"));
        Assert.Contains(ci, line => line.TrimStart().StartsWith(command + " ", StringComparison.Ordinal) || line.Trim() == command);
    }

    [Theory]
    [MemberData(nameof(CSharpBlocks))]
    public async Task Readme_csharp_block_compiles(string file, int index)
    {
        var block = Find(file, index);
        if (block.Info == "fragment") return; // explicitly marked as not meant to compile on its own
        Assert.True(block.Info is "" or "compile" || block.Info.StartsWith("expect:", StringComparison.Ordinal),
            $"{block}: unknown marker '{block.Info}' (use nothing, 'expect: PSDKnnn ...', 'fragment' or, outside READMEs, 'compile')");

        var diagnostics = await CompileAsync(block);
        var expected = block.Info.StartsWith("expect:", StringComparison.Ordinal)
            ? block.Info["expect:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Order().ToArray()
            : [];
        var actual = diagnostics.Select(d => d.Id).Distinct().Order().ToArray();
        Assert.True(expected.SequenceEqual(actual),
            $"{block}: expected [{string.Join(", ", expected)}], got:\n{string.Join("\n", diagnostics.Select(d => d.ToString()))}");
    }

    [Theory]
    [MemberData(nameof(DataBlocks))]
    public void Readme_data_block_parses(string file, int index)
    {
        var block = Find(file, index);
        if (block.Language == "json")
        {
            using var document = JsonDocument.Parse(block.Code); // strict: no comments, no trailing commas
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        }
        else
        {
            Assert.NotNull(XDocument.Parse(block.Code).Root);
        }
    }

    [Fact]
    public async Task A_broken_block_is_caught()
    {
        // Guards the test itself: an undefined type must be reported, not swallowed.
        var diagnostics = await CompileAsync(new Block("self-test", 0, "csharp", "", "var host = Host.CreateApplicationBuilder(args); MissingType.Run();"));
        Assert.Contains(diagnostics, d => d.Id == "CS0103");
    }

    private static async Task<Diagnostic[]> CompileAsync(Block block)
    {
        var tree = CSharpSyntaxTree.ParseText(block.Code, GeneratorHarness.ParseOptions, path: $"{block.File}#{block.Index}.cs");
        bool program = tree.GetRoot().DescendantNodes().OfType<GlobalStatementSyntax>().Any();
        var compilation = CSharpCompilation.Create(
            $"ReadmeBlock{block.Index}",
            [tree, CSharpSyntaxTree.ParseText(ImplicitUsings, GeneratorHarness.ParseOptions)],
            References,
            new CSharpCompilationOptions(
                program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999)
                // The SDK's default NoWarn: assembly-version unification notes for references built against older facades (xunit).
                .WithSpecificDiagnosticOptions([new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]));
        GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var analyzers = typeof(ProtocolSdk.Analyzers.DiagnosticDescriptors).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        return (await output.WithAnalyzers(analyzers).GetAllDiagnosticsAsync())
            .Where(d => d.Severity != DiagnosticSeverity.Hidden)
            .ToArray();
    }

    /// <summary>
    /// .NET 10 reference assemblies plus what the READMEs tell a reader to reference: the three packages, their
    /// Microsoft.Extensions.* dependencies, Microsoft.Extensions.Hosting (the Hosting README) and xunit (the test kit README).
    /// </summary>
    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        .. Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll")
            .Where(path => Path.GetFileName(path) is var name
                && (name is "ProtocolSdk.dll" or "ProtocolSdk.Testing.dll" or "ProtocolSdk.Hosting.dll"
                        or "xunit.assert.dll" or "xunit.core.dll" or "xunit.abstractions.dll"
                    || name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)),
    ];
}
