using System.Globalization;

namespace ProtocolSdk.Benchmarks;

/// <summary>
/// The server side of the driver's "stats" request (a line on the server's stdin): one line on stdout with the
/// process's managed allocation so far and its live managed heap. The same code runs in every server kind, so
/// ProtocolSdk and Kestrel are measured alike (process-wide: the server, its runtime and this reply).
/// </summary>
internal static class ServerStats
{
    public const string Prefix = "stats ";

    /// <summary>Set by a server with a cluster store: the store's Redis calls so far, added to the line as <c>store_ops=N</c>.</summary>
    public static Func<long>? StoreOperations { get; set; }

    /// <param name="fullCollection">Collect first, so "live" counts only what is still referenced (what idle connections keep).</param>
    public static void Print(bool fullCollection)
    {
        long live = GC.GetTotalMemory(forceFullCollection: fullCollection);
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        string storeOperations = StoreOperations is { } count ? string.Create(CultureInfo.InvariantCulture, $" store_ops={count()}") : "";
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Prefix}allocated={allocated} live={live}{storeOperations}"));
        Console.Out.Flush();
    }

    /// <summary>Parses <see cref="Print"/>'s line: (allocated bytes so far, live managed bytes).</summary>
    public static (long Allocated, long Live) Parse(string line)
    {
        long allocated = -1, live = -1;
        foreach (string field in line[Prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = field.Split('=');
            if (kv.Length != 2) continue;
            long value = long.Parse(kv[1], CultureInfo.InvariantCulture);
            if (kv[0] == "allocated") allocated = value;
            else if (kv[0] == "live") live = value;
        }
        if (allocated < 0 || live < 0) throw new FormatException($"bad stats line: {line}");
        return (allocated, live);
    }

    /// <summary>The <c>store_ops</c> field of <see cref="Print"/>'s line; -1 when the server has no cluster store.</summary>
    public static long ParseStoreOperations(string line)
    {
        foreach (string field in line[Prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (field.StartsWith("store_ops=", StringComparison.Ordinal)) return long.Parse(field["store_ops=".Length..], CultureInfo.InvariantCulture);
        }
        return -1;
    }
}
