using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Tests;

/// <summary>Checks every descriptor against the release-tracking file and its docs page.</summary>
public class MetadataTests
{
    private static readonly string RepoRoot = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ProtocolSdk.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("ProtocolSdk.sln not found above " + AppContext.BaseDirectory);
    }

    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var d in Descriptors()) data.Add(d.Id);
        return data;
    }

    private static IEnumerable<DiagnosticDescriptor> Descriptors() =>
        typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .OrderBy(d => d.Id, StringComparer.Ordinal);

    [Fact]
    public void EighteenRules_OneAnalyzerEach()
    {
        var ids = Descriptors().Select(d => d.Id).ToArray();
        Assert.Equal(Enumerable.Range(1, 18).Select(i => $"PSDK{i:000}"), ids);
        var perAnalyzer = PerformanceTests.AllAnalyzers().Select(a => Assert.Single(a.SupportedDiagnostics).Id).OrderBy(i => i, StringComparer.Ordinal);
        Assert.Equal(ids, perAnalyzer);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_HasHelpLinkDocsPageAndReleaseEntry(string id)
    {
        var d = Descriptors().Single(x => x.Id == id);
        Assert.Equal($"https://github.com/protocolsdk/protocolsdk/blob/main/docs/diagnostics/{id}.md", d.HelpLinkUri);
        Assert.False(string.IsNullOrWhiteSpace(d.Title.ToString()));
        Assert.True(d.IsEnabledByDefault);

        var page = File.ReadAllText(Path.Combine(RepoRoot, "docs", "diagnostics", id + ".md"));
        Assert.Contains($"dotnet_diagnostic.{id}.severity", page);
        var index = File.ReadAllText(Path.Combine(RepoRoot, "docs", "diagnostics", "README.md"));
        Assert.Contains($"{id}.md", index);

        var unshipped = File.ReadAllLines(Path.Combine(RepoRoot, "analyzers", "ProtocolSdk.Analyzers", "AnalyzerReleases.Unshipped.md"));
        Assert.Contains(unshipped, l => l.StartsWith(id + " | " + d.Category + " | " + d.DefaultSeverity + " |", StringComparison.Ordinal));
    }
}
