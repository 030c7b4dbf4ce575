using System.Runtime.CompilerServices;

namespace ProtocolSdk.Generators.Tests;

/// <summary>
/// A small snapshot helper in Verify's conventions: compares text with the checked-in
/// <c>Snapshots/&lt;TestClass&gt;.&lt;TestMethod&gt;.verified.cs</c> in the test project (found from the repository root,
/// see <see cref="RepositoryPaths"/>; the caller's file path only gives the class name).
/// On a mismatch it writes <c>.received.cs</c> beside it and fails. <c>UPDATE_SNAPSHOTS=1</c> accepts the new text.
/// A missing snapshot fails under <c>CI=true</c>; locally it is created and the test fails asking for a review.
/// </summary>
internal static class SnapshotAssert
{
    public static void Matches(string actual, string? name = null, [CallerMemberName] string member = "", [CallerFilePath] string sourceFile = "")
    {
        actual = actual.Replace("\r\n", "\n");
        string folder = Path.Combine(RepositoryPaths.TestProject, "Snapshots");
        string stem = Path.GetFileNameWithoutExtension(sourceFile) + "." + (name ?? member);
        string verified = Path.Combine(folder, stem + ".verified.cs");
        string received = Path.Combine(folder, stem + ".received.cs");
        bool update = Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1";
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

        if (!File.Exists(verified))
        {
            if (ci && !update) Assert.Fail($"Snapshot {verified} is missing (CI=true: snapshots are never created in CI).");
            Directory.CreateDirectory(folder);
            File.WriteAllText(verified, actual);
            if (!update) Assert.Fail($"Snapshot {verified} did not exist and was created: review it and commit it, then re-run.");
            return;
        }

        string expected = File.ReadAllText(verified).Replace("\r\n", "\n");
        if (expected == actual)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        if (update)
        {
            File.WriteAllText(verified, actual);
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        File.WriteAllText(received, actual);
        Assert.Fail($"Generated text differs from {verified} ({FirstDifference(expected, actual)}).\n" +
                    $"Compare: diff -u \"{verified}\" \"{received}\"\n" +
                    "Accept with UPDATE_SNAPSHOTS=1 (or move the .received.cs over the .verified.cs).");
    }

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string el = i < e.Length ? e[i] : "<end of file>";
            string al = i < a.Length ? a[i] : "<end of file>";
            if (el != al) return $"first difference at line {i + 1}: expected `{el}`, got `{al}`";
        }
        return "line endings differ";
    }
}
