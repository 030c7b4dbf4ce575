using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace ProtocolSdk.Analyzers.Tests;

/// <summary>References for test compilations: .NET 10 reference assemblies (no download), the real ProtocolSdk.dll and its logging abstraction.</summary>
internal static class TestReferences
{
    public static readonly ImmutableArray<MetadataReference> All = Basic.Reference.Assemblies.Net100.References.All
        .Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(ProtocolSdk.Protocol).Assembly.Location))
        .Append(MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location))
        .ToImmutableArray();

    /// <summary>No package download: the reference pack comes from Basic.Reference.Assemblies.</summary>
    public static readonly ReferenceAssemblies None = new("net10.0");

    public static void Apply(SolutionState state) => state.AdditionalReferences.AddRange(All);
}

/// <summary>Analyzer verification with Microsoft.CodeAnalysis.Testing; markup <c>{|PSDK001:X|}</c> or <c>{|#0:X|}</c>.</summary>
internal static class AnalyzerVerifier<TAnalyzer> where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static DiagnosticResult Diagnostic(string id) => CSharpAnalyzerVerifier<TAnalyzer, DefaultVerifier>.Diagnostic(id);

    public static Task VerifyAsync(string source, params DiagnosticResult[] expected) => VerifyAsync(new[] { source }, expected);

    public static Task VerifyAsync(string[] sources, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { ReferenceAssemblies = TestReferences.None };
        TestReferences.Apply(test.TestState);
        for (int i = 0; i < sources.Length; i++) test.TestState.Sources.Add(($"/0/File{i}.cs", sources[i]));
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}

/// <summary>Code-fix verification: single fixes, then Fix All in document, project and solution scope.</summary>
internal static class CodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static Task VerifyAsync(string source, string fixedSource, params DiagnosticResult[] expected) =>
        VerifyAsync(new[] { source }, new[] { fixedSource }, expected);

    public static Task VerifyAsync(string[] sources, string[] fixedSources, params DiagnosticResult[] expected) =>
        VerifyAsync(sources, fixedSources, null, expected);

    public static Task VerifyAsync(string[] sources, string[] fixedSources, Action<CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>>? configure, params DiagnosticResult[] expected)
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier> { ReferenceAssemblies = TestReferences.None };
        TestReferences.Apply(test.TestState);
        TestReferences.Apply(test.FixedState);
        for (int i = 0; i < sources.Length; i++) test.TestState.Sources.Add(($"/0/File{i}.cs", sources[i]));
        for (int i = 0; i < fixedSources.Length; i++) test.FixedState.Sources.Add(($"/0/File{i}.cs", fixedSources[i]));
        test.ExpectedDiagnostics.AddRange(expected);
        configure?.Invoke(test);
        return test.RunAsync();
    }
}
