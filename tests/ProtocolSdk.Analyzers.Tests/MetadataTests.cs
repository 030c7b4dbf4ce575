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
    public void NineteenRules_OneAnalyzerEach()
    {
        var ids = Descriptors().Select(d => d.Id).ToArray();
        Assert.Equal(Enumerable.Range(1, 19).Select(i => $"PSDK{i:000}"), ids);
        var perAnalyzer = PerformanceTests.AllAnalyzers().Select(a => Assert.Single(a.SupportedDiagnostics).Id).OrderBy(i => i, StringComparer.Ordinal);
        Assert.Equal(ids, perAnalyzer);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_HasHelpLinkDocsPageAndReleaseEntry(string id)
    {
        var d = Descriptors().Single(x => x.Id == id);
        AssertHelpLinkResolvesToShippedPage(d);
        Assert.False(string.IsNullOrWhiteSpace(d.Title.ToString()));
        Assert.True(d.IsEnabledByDefault);

        var page = File.ReadAllText(Path.Combine(RepoRoot, "docs", "diagnostics", id + ".md"));
        Assert.Contains($"dotnet_diagnostic.{id}.severity", page);
        var index = File.ReadAllText(Path.Combine(RepoRoot, "docs", "diagnostics", "README.md"));
        Assert.Contains($"{id}.md", index);

        var unshipped = File.ReadAllLines(Path.Combine(RepoRoot, "analyzers", "ProtocolSdk.Analyzers", "AnalyzerReleases.Unshipped.md"));
        Assert.Contains(unshipped, l => l.StartsWith(id + " | " + d.Category + " | " + d.DefaultSeverity + " |", StringComparison.Ordinal));
    }

    /// <summary>
    /// The link is &lt;base&gt;docs/diagnostics/ID.md, with the base from Directory.Build.props: the repository's public
    /// home (an https URL ending in /blob/&lt;branch&gt;/) or, while it has none, this clone as a file: URI, whose page
    /// must then exist. The same relative path is what the ProtocolSdk package ships (src/ProtocolSdk/ProtocolSdk.csproj
    /// packs docs/diagnostics/*.md; PackageTests check the nupkg).
    /// </summary>
    private static void AssertHelpLinkResolvesToShippedPage(DiagnosticDescriptor d)
    {
        string page = $"docs/diagnostics/{d.Id}.md";
        Assert.True(Uri.TryCreate(d.HelpLinkUri, UriKind.Absolute, out var link), $"{d.Id}: '{d.HelpLinkUri}' is not an absolute URI");
        Assert.EndsWith("/" + page, link.AbsoluteUri, StringComparison.Ordinal);
        Assert.DoesNotContain("github.com/protocolsdk/protocolsdk", d.HelpLinkUri, StringComparison.Ordinal); // the old, non-existent home
        if (link.IsFile)
        {
            Assert.True(File.Exists(link.LocalPath), $"{d.Id}: the help link {link} names no file");
            Assert.Equal(Path.GetFullPath(Path.Combine(RepoRoot, page)), Path.GetFullPath(link.LocalPath));
        }
        else
        {
            Assert.Equal(Uri.UriSchemeHttps, link.Scheme);
            Assert.Matches(@"/blob/[^/]+/docs/diagnostics/PSDK\d{3}\.md$", link.AbsolutePath);
            Assert.True(File.Exists(Path.Combine(RepoRoot, page)), $"{d.Id}: {page} is not in the repository, so neither on its home nor in the package");
        }
    }

    [Fact]
    public void All_help_links_share_one_base()
    {
        var bases = Descriptors().Select(d => d.HelpLinkUri[..^$"docs/diagnostics/{d.Id}.md".Length]).Distinct().ToArray();
        Assert.Single(bases);
    }
}
