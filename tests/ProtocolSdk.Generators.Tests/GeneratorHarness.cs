using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ProtocolSdk.Generators.Tests;

/// <summary>Runs <see cref="PolicyGenerator"/> over source text, the way the compiler does, against .NET 10 reference assemblies.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(Protocol).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location),
    ];

    public static CSharpCompilation Compilation(params string[] sources) =>
        CSharpCompilation.Create(
            "UserAssembly",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            References,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999,
                generalDiagnosticOption: ReportDiagnostic.Default));

    public static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(
            [new PolicyGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; asserts it neither threw nor reported diagnostics.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(params string[] sources)
    {
        var compilation = Compilation(sources);
        var driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(diagnostics);
        return (result, output);
    }

    /// <summary>
    /// Generates for <paramref name="sources"/>, asserts exactly one file with the expected hint name, and that the user's
    /// code plus the generated code compile with no diagnostics at all (warnings included). Returns the generated text.
    /// </summary>
    public static string GenerateSingle(string expectedHintName, params string[] sources)
    {
        var (result, output) = Run(sources);
        var source = Assert.Single(result.GeneratedSources);
        Assert.Equal(expectedHintName, source.HintName);
        AssertCompilesClean(output);
        return source.SourceText.ToString();
    }

    public static void AssertCompilesClean(Compilation output)
    {
        var diagnostics = output.GetDiagnostics().Where(d => d.Severity != DiagnosticSeverity.Hidden).ToArray();
        Assert.True(diagnostics.Length == 0, "Expected no diagnostics, got:\n" + string.Join("\n", diagnostics.Select(d => d.ToString())));
    }
}
