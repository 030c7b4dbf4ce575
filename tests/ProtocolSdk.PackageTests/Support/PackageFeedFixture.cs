using System.IO.Compression;
using System.Text.RegularExpressions;

namespace ProtocolSdk.PackageTests.Support;

/// <summary>
/// Packs ProtocolSdk, ProtocolSdk.Testing and ProtocolSdk.Redis once per test run into a temporary folder feed, with a unique
/// prerelease version so no cached package of an earlier run can be picked up. Everything lives under one temp
/// folder: the build's --artifacts-path (the repository's own bin/obj are not touched), the feed, the consumers and
/// the consumers' NuGet packages folder (NUGET_PACKAGES). Dispose deletes it
/// (set PSDK_KEEP_PACKAGE_TEST_DIR=1 to keep it for inspection).
/// </summary>
public sealed class PackageFeedFixture : IDisposable
{
    public static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(5);

    public PackageFeedFixture()
    {
        RepositoryRoot = FindRepositoryRoot();
        string baseVersion = ReadBaseVersion(RepositoryRoot);
        Version = $"{baseVersion}-ci.{DateTime.UtcNow:yyyyMMddHHmmss}.g{Guid.NewGuid().ToString("N")[..8]}";

        Root = Directory.CreateTempSubdirectory("psdk-package-tests-").FullName;
        Feed = Directory.CreateDirectory(Path.Combine(Root, "feed")).FullName;
        PackagesFolder = Directory.CreateDirectory(Path.Combine(Root, "packages")).FullName;
        string artifacts = Path.Combine(Root, "artifacts");

        // The consumers must not see a global.json, Directory.Build.* or Directory.Packages.props of whatever
        // folder the temp directory sits in; these files stop MSBuild's upward search.
        File.Copy(Path.Combine(RepositoryRoot, "global.json"), Path.Combine(Root, "global.json"));
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Packages.props"), "<Project />\n");

        // Packed as for publication: the one repository-URL property that fills the metadata and the help links.
        string[] common = ["-c", "Release", "--artifacts-path", artifacts, "-o", Feed, $"-p:Version={Version}",
            $"-p:ProtocolSdkRepositoryUrl={RepositoryUrl}", "-nodeReuse:false"];
        // Testing first: it builds the Roslyn projects and ProtocolSdk; then ProtocolSdk packs what was just built.
        PackTesting = ChildProcess.RunDotnet(RepositoryRoot, PackTimeout, null,
            ["pack", Path.Combine(RepositoryRoot, "src", "ProtocolSdk.Testing", "ProtocolSdk.Testing.csproj"), .. common]);
        if (PackTesting.ExitCode != 0)
        {
            throw new InvalidOperationException("Packing ProtocolSdk.Testing failed: " + PackTesting.Describe());
        }
        PackRuntime = ChildProcess.RunDotnet(RepositoryRoot, PackTimeout, null,
            ["pack", Path.Combine(RepositoryRoot, "src", "ProtocolSdk", "ProtocolSdk.csproj"), "--no-build", .. common]);
        if (PackRuntime.ExitCode != 0)
        {
            throw new InvalidOperationException("Packing ProtocolSdk failed: " + PackRuntime.Describe());
        }
        PackRedis = ChildProcess.RunDotnet(RepositoryRoot, PackTimeout, null,
            ["pack", Path.Combine(RepositoryRoot, "src", "ProtocolSdk.Redis", "ProtocolSdk.Redis.csproj"), .. common]);
        if (PackRedis.ExitCode != 0)
        {
            throw new InvalidOperationException("Packing ProtocolSdk.Redis failed: " + PackRedis.Describe());
        }
    }

    /// <summary>A stand-in public home (the project has none yet); .invalid never resolves, so nothing is fetched from it.</summary>
    public const string RepositoryUrl = "https://example.invalid/protocolsdk/protocolsdk";

    public string RepositoryRoot { get; }
    public string Version { get; }
    public string Root { get; }
    public string Feed { get; }
    public string PackagesFolder { get; }
    public ChildResult PackTesting { get; }
    public ChildResult PackRuntime { get; }
    public ChildResult PackRedis { get; }

    public string PackagePath(string id, string extension = "nupkg") => Path.Combine(Feed, $"{id}.{Version}.{extension}");

    /// <summary>Environment for consumer builds: a packages folder of this run only.</summary>
    public IReadOnlyDictionary<string, string> ConsumerEnvironment => new Dictionary<string, string>
    {
        ["NUGET_PACKAGES"] = PackagesFolder,
    };

    public byte[] ReadPackageEntry(string id, string entry)
    {
        using ZipArchive zip = ZipFile.OpenRead(PackagePath(id));
        ZipArchiveEntry file = zip.GetEntry(entry) ?? throw new FileNotFoundException($"{entry} is not in {id}.{Version}.nupkg");
        using Stream stream = file.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Writes a consumer project folder (csproj, nuget.config with the local feed, sources) and returns it.</summary>
    public string WriteConsumer(string name, string csproj, IReadOnlyDictionary<string, string> sources)
    {
        string directory = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), csproj);
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <!-- No <clear/>: the machine's default source still serves Microsoft.Extensions.*; this adds the folder feed. -->
                <add key="protocolsdk-local" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        foreach (var (file, text) in sources)
        {
            File.WriteAllText(Path.Combine(directory, file), text);
        }
        return directory;
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("PSDK_KEEP_PACKAGE_TEST_DIR") == "1")
        {
            return;
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp folder
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ProtocolSdk.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("ProtocolSdk.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The version in Directory.Build.props, the one place it is set.</summary>
    private static string ReadBaseVersion(string root)
    {
        string props = File.ReadAllText(Path.Combine(root, "Directory.Build.props"));
        Match match = Regex.Match(props, @"<Version>\s*([^<\s]+)\s*</Version>");
        Assert.True(match.Success, "Directory.Build.props has no <Version>");
        return match.Groups[1].Value.Split('-')[0];
    }
}
