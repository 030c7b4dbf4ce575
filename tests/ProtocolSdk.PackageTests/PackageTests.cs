using System.IO.Compression;
using System.Xml.Linq;
using ProtocolSdk.PackageTests.Support;
using Xunit.Abstractions;

namespace ProtocolSdk.PackageTests;

/// <summary>
/// What a user gets from the feed: the package layout and metadata, a consumer that restores ProtocolSdk from a
/// folder feed, builds with warnings as errors and echoes over a real socket through generated policy code, and a
/// consumer whose mistakes the bundled analyzers report.
/// </summary>
public sealed class PackageTests : IClassFixture<PackageFeedFixture>
{
    private static readonly TimeSpan ConsumerTimeout = TimeSpan.FromMinutes(4);
    private static readonly string[] RoslynComponents = ["ProtocolSdk.Generators.dll", "ProtocolSdk.Analyzers.dll", "ProtocolSdk.CodeFixes.dll"];

    private readonly PackageFeedFixture _feed;
    private readonly ITestOutputHelper _output;

    public PackageTests(PackageFeedFixture feed, ITestOutputHelper output)
    {
        _feed = feed;
        _output = output;
        _output.WriteLine($"feed {_feed.Feed}, version {_feed.Version}");
        _output.WriteLine($"pack Testing took {_feed.PackTesting.Elapsed.TotalSeconds:F1} s, pack ProtocolSdk {_feed.PackRuntime.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void Runtime_package_has_lib_docs_roslyn_components_readme_and_metadata()
    {
        using ZipArchive zip = ZipFile.OpenRead(_feed.PackagePath("ProtocolSdk"));
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        _output.WriteLine(string.Join('\n', entries.Order()));

        Assert.Contains("lib/net10.0/ProtocolSdk.dll", entries);
        Assert.Contains("lib/net10.0/ProtocolSdk.xml", entries);
        Assert.Contains("README.md", entries);
        foreach (string component in RoslynComponents)
        {
            Assert.Contains("analyzers/dotnet/cs/" + component, entries);
        }
        // Only our three components under analyzers/, and no Roslyn (Microsoft.CodeAnalysis*) assembly anywhere.
        Assert.Equal(RoslynComponents.Order(), entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)).Select(Path.GetFileName).Order());
        Assert.DoesNotContain(entries, e => Path.GetFileName(e).StartsWith("Microsoft.CodeAnalysis", StringComparison.OrdinalIgnoreCase));

        XElement metadata = Nuspec(zip);
        XNamespace ns = metadata.Name.Namespace;
        Assert.Equal("ProtocolSdk", (string?)metadata.Element(ns + "id"));
        Assert.Equal(_feed.Version, (string?)metadata.Element(ns + "version"));
        XElement license = Assert.Single(metadata.Elements(ns + "license"));
        Assert.Equal("expression", (string?)license.Attribute("type"));
        Assert.Equal("MIT", license.Value);
        Assert.Equal("README.md", (string?)metadata.Element(ns + "readme"));
        Assert.False(string.IsNullOrWhiteSpace((string?)metadata.Element(ns + "description")));
        Assert.Contains("tcp", ((string?)metadata.Element(ns + "tags") ?? "").Split(' '));
        Assert.Equal("git", (string?)metadata.Element(ns + "repository")?.Attribute("type"));
        // One property (ProtocolSdkRepositoryUrl) fills the repository and project URLs and the analyzers' help links.
        Assert.Equal(PackageFeedFixture.RepositoryUrl, (string?)metadata.Element(ns + "repository")?.Attribute("url"));
        Assert.Equal(PackageFeedFixture.RepositoryUrl, (string?)metadata.Element(ns + "projectUrl"));

        // The rule pages ship in the package, at the path the help links name.
        var pages = Directory.GetFiles(Path.Combine(_feed.RepositoryRoot, "docs", "diagnostics"), "*.md").Select(Path.GetFileName).ToArray();
        Assert.Contains("PSDK001.md", pages);
        foreach (var page in pages) Assert.Contains("docs/diagnostics/" + page, entries);
        byte[] analyzers = _feed.ReadPackageEntry("ProtocolSdk", "analyzers/dotnet/cs/ProtocolSdk.Analyzers.dll");
        byte[] helpLinkBase = System.Text.Encoding.Unicode.GetBytes(PackageFeedFixture.RepositoryUrl + "/blob/main/docs/diagnostics/"); // a #US heap string
        Assert.True(analyzers.AsSpan().IndexOf(helpLinkBase) >= 0, "the packaged analyzers do not link to <ProtocolSdkRepositoryUrl>/blob/main/docs/diagnostics/");

        var dependencies = Dependencies(metadata);
        Assert.Contains("Microsoft.Extensions.Logging.Abstractions", dependencies.Keys);
        Assert.DoesNotContain(dependencies.Keys, id => id.StartsWith("ProtocolSdk", StringComparison.Ordinal) || id.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));

        using ZipArchive symbols = ZipFile.OpenRead(_feed.PackagePath("ProtocolSdk", "snupkg"));
        Assert.Contains(symbols.Entries, e => e.FullName == "lib/net10.0/ProtocolSdk.pdb");
    }

    [Fact]
    public void Testing_package_depends_on_the_same_ProtocolSdk_version_with_its_analyzers()
    {
        using ZipArchive zip = ZipFile.OpenRead(_feed.PackagePath("ProtocolSdk.Testing"));
        Assert.Contains(zip.Entries, e => e.FullName == "lib/net10.0/ProtocolSdk.Testing.dll");
        Assert.Contains(zip.Entries, e => e.FullName == "README.md");
        Assert.DoesNotContain(zip.Entries, e => e.FullName.StartsWith("analyzers/", StringComparison.Ordinal));

        XElement dependency = Dependencies(Nuspec(zip))["ProtocolSdk"];
        Assert.Equal(_feed.Version, (string?)dependency.Attribute("version"));
        // The generator must flow to users who reference only the test kit.
        Assert.DoesNotContain("Analyzers", (string?)dependency.Attribute("exclude") ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.True(File.Exists(_feed.PackagePath("ProtocolSdk.Testing", "snupkg")));
    }

    [Fact]
    public void Redis_package_depends_on_the_same_ProtocolSdk_version_with_its_analyzers_and_on_StackExchange_Redis()
    {
        using ZipArchive zip = ZipFile.OpenRead(_feed.PackagePath("ProtocolSdk.Redis"));
        Assert.Contains(zip.Entries, e => e.FullName == "lib/net10.0/ProtocolSdk.Redis.dll");
        Assert.Contains(zip.Entries, e => e.FullName == "README.md");

        var dependencies = Dependencies(Nuspec(zip));
        XElement sdk = dependencies["ProtocolSdk"];
        Assert.Equal(_feed.Version, (string?)sdk.Attribute("version"));
        // A user who references only the Redis package still gets the generator (ClusterWide attributes need it).
        Assert.DoesNotContain("Analyzers", (string?)sdk.Attribute("exclude") ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.True(dependencies.ContainsKey("StackExchange.Redis"));
        Assert.True(File.Exists(_feed.PackagePath("ProtocolSdk.Redis", "snupkg")));
    }

    [SkippableFact]
    public void Consumer_restores_from_the_folder_feed_builds_with_warnings_as_errors_and_echoes_through_generated_code()
    {
        string directory = _feed.WriteConsumer("EchoConsumer", ConsumerProject(), new Dictionary<string, string>
        {
            ["Program.cs"] = EchoConsumerProgram,
        });

        ChildResult run = ChildProcess.RunDotnet(directory, ConsumerTimeout, _feed.ConsumerEnvironment, "run", "-c", "Release");
        _output.WriteLine(run.Describe());
        string[] lines = run.Output.Split('\n', StringSplitOptions.TrimEntries);

        // Restored from the feed at this run's version, into this run's packages folder (never a stale cache).
        Assert.True(Directory.Exists(Path.Combine(_feed.PackagesFolder, "protocolsdk", _feed.Version.ToLowerInvariant())), run.Describe());
        Assert.True(lines.Contains("ECHO OK"), "the consumer did not echo through the packaged runtime: " + run.Describe());

        IReadOnlyList<string> generators = Support.RoslynComponents.TypesWithAttribute(
            _feed.ReadPackageEntry("ProtocolSdk", "analyzers/dotnet/cs/ProtocolSdk.Generators.dll"), "GeneratorAttribute");
        Skip.If(generators.Count == 0,
            "The packaged ProtocolSdk.Generators.dll declares no [Generator] type (the generator project is still empty on this branch): " +
            "restore, build with warnings as errors and echo through the package passed; the generated policy code could not be checked.");

        Assert.True(lines.Contains("GENERATED OK"), "no generated policy code in the consumer (generators: " + string.Join(", ", generators) + "): " + run.Describe());
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("OK", lines);
    }

    [SkippableFact]
    public void Consumer_with_mistakes_gets_PSDK001_and_PSDK003_from_the_packaged_analyzers()
    {
        IReadOnlyList<string> analyzers = Support.RoslynComponents.TypesWithAttribute(
            _feed.ReadPackageEntry("ProtocolSdk", "analyzers/dotnet/cs/ProtocolSdk.Analyzers.dll"), "DiagnosticAnalyzerAttribute");
        Skip.If(analyzers.Count == 0,
            "The packaged ProtocolSdk.Analyzers.dll declares no [DiagnosticAnalyzer] type (the analyzers project is still empty on this branch), " +
            "so PSDK001/PSDK003 cannot be reported yet.");

        string directory = _feed.WriteConsumer("MistakesConsumer", ConsumerProject(), new Dictionary<string, string>
        {
            ["Program.cs"] = MistakesConsumerProgram,
        });

        ChildResult build = ChildProcess.RunDotnet(directory, ConsumerTimeout, _feed.ConsumerEnvironment, "build", "-c", "Release");
        _output.WriteLine(build.Describe());

        Assert.True(build.Output.Contains("PSDK001", StringComparison.Ordinal), "PSDK001 (policy attribute on a non-partial class) not reported: " + build.Describe());
        Assert.True(build.Output.Contains("PSDK003", StringComparison.Ordinal), "PSDK003 (non-positive timeout) not reported: " + build.Describe());
    }

    [Fact]
    public void Readme_nuget_config_and_quick_start_work_as_pasted_next_to_the_app()
    {
        // What the README says, word for word: pack into ./feed next to the app, put its nuget.config beside the
        // .csproj, and the quick start builds against the package (warnings as errors, the packaged generator).
        string readme = File.ReadAllText(Path.Combine(_feed.RepositoryRoot, "README.md"));
        string nugetConfig = System.Text.RegularExpressions.Regex.Match(readme, "```xml\n(?<xml><\\?xml[^`]*?<packageSources>.*?)```",
            System.Text.RegularExpressions.RegexOptions.Singleline).Groups["xml"].Value;
        Assert.Contains("value=\"feed\"", nugetConfig);
        string quickStart = System.Text.RegularExpressions.Regex.Match(readme, "```csharp\n(?<code>.*?)```",
            System.Text.RegularExpressions.RegexOptions.Singleline).Groups["code"].Value;
        Assert.Contains("ShoutProtocol", quickStart);

        string directory = _feed.WriteConsumer("ReadmeConsumer", ConsumerProject(), new Dictionary<string, string>
        {
            ["Program.cs"] = quickStart,
            ["nuget.config"] = nugetConfig, // replaces the fixture's absolute-path config
        });
        string feed = Directory.CreateDirectory(Path.Combine(directory, "feed")).FullName;
        foreach (string package in Directory.GetFiles(_feed.Feed, "*.nupkg")) File.Copy(package, Path.Combine(feed, Path.GetFileName(package)));

        ChildResult build = ChildProcess.RunDotnet(directory, ConsumerTimeout, _feed.ConsumerEnvironment, "build", "-c", "Release");
        _output.WriteLine(build.Describe());
        Assert.True(build.ExitCode == 0, build.Describe());
        Assert.True(Directory.Exists(Path.Combine(_feed.PackagesFolder, "protocolsdk", _feed.Version.ToLowerInvariant())), build.Describe());
    }

    private string ConsumerProject() => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <LangVersion>latest</LangVersion>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="ProtocolSdk" Version="{_feed.Version}" />
          </ItemGroup>
        </Project>
        """;

    private const string EchoConsumerProgram = """
        using System.Net;
        using System.Net.Sockets;
        using System.Reflection;
        using ProtocolSdk;

        await using var server = await ProtocolServer.ListenTcpAsync<PackagedEcho>(new IPEndPoint(IPAddress.Loopback, 0));
        using var client = new TcpClient();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await client.ConnectAsync(server.LocalEndPoint, deadline.Token);
        NetworkStream stream = client.GetStream();

        byte[] sent = "hello from the package feed"u8.ToArray();
        await stream.WriteAsync(sent, deadline.Token);
        byte[] received = new byte[sent.Length];
        int count = 0;
        while (count < received.Length)
        {
            int n = await stream.ReadAsync(received.AsMemory(count), deadline.Token);
            if (n == 0) break;
            count += n;
        }
        if (!received.AsSpan(0, count).SequenceEqual(sent))
        {
            Console.WriteLine($"ECHO FAILED: got {count} bytes");
            return 1;
        }
        Console.WriteLine("ECHO OK");

        // The generator overrides the policy hooks inside the partial class (reflection only in this throw-away check).
        MethodInfo? hook = typeof(PackagedEcho).GetMethod("OnPolicyConnectionMade", BindingFlags.Instance | BindingFlags.NonPublic, binder: null, types: Type.EmptyTypes, modifiers: null);
        string declared = string.Join(", ", typeof(PackagedEcho)
            .GetMethods(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
            .Where(m => m.Name.StartsWith("OnPolicy", StringComparison.Ordinal)).Select(m => m.Name));
        Console.WriteLine($"policy hooks declared by PackagedEcho: [{declared}]");
        if (hook?.DeclaringType != typeof(PackagedEcho))
        {
            Console.WriteLine("GENERATED MISSING");
            return 2;
        }
        Console.WriteLine("GENERATED OK");
        Console.WriteLine("OK");
        return 0;

        [Timeout(5)]
        [MaxConnections(Total = 2)]
        public sealed partial class PackagedEcho : Protocol
        {
            public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
        }
        """;

    private const string MistakesConsumerProgram = """
        using ProtocolSdk;

        System.Console.WriteLine("should not build");

        // PSDK001: a policy attribute on a class that is not partial (the generator cannot add the policy code).
        [Timeout(5)]
        public sealed class NotPartialProtocol : Protocol
        {
        }

        // PSDK003: a timeout that is not positive.
        [Timeout(-1)]
        public sealed partial class NegativeTimeoutProtocol : Protocol
        {
        }
        """;

    private static XElement Nuspec(ZipArchive zip)
    {
        ZipArchiveEntry entry = Assert.Single(zip.Entries, e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/'));
        using Stream stream = entry.Open();
        XElement package = XDocument.Load(stream).Root!;
        return package.Element(package.Name.Namespace + "metadata")!;
    }

    private static Dictionary<string, XElement> Dependencies(XElement metadata) =>
        metadata.Descendants(metadata.Name.Namespace + "dependency").ToDictionary(d => (string)d.Attribute("id")!, StringComparer.Ordinal);
}
