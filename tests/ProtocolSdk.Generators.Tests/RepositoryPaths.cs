namespace ProtocolSdk.Generators.Tests;

/// <summary>
/// Finds the repository from the test's output folder. [CallerFilePath] cannot be used for this: under
/// <c>ContinuousIntegrationBuild</c> (CI=true) source paths are mapped to <c>/_/</c> for deterministic builds.
/// </summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string TestProject => Path.Combine(Root, "tests", "ProtocolSdk.Generators.Tests");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ProtocolSdk.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("ProtocolSdk.sln not found above " + AppContext.BaseDirectory);
    }
}
