using System.Globalization;
using System.Runtime.InteropServices;

namespace ProtocolSdk.Benchmarks;

/// <summary>
/// The server side of the driver's "stats" request (a line on the server's stdin): one line on stdout with the
/// process's managed allocation so far and its live managed heap. The same code runs in every server kind, so
/// ProtocolSdk and Kestrel are measured alike (process-wide: the server, its runtime and this reply).
/// </summary>
internal static partial class ServerStats
{
    public const string Prefix = "stats ";

    /// <summary>Set by a server with a cluster store: more <c>name=value</c> fields for the line (each with a leading space).</summary>
    public static Func<string>? ExtraFields { get; set; }

    /// <param name="fullCollection">Collect first, so "live" counts only what is still referenced (what idle connections keep).</param>
    public static void Print(bool fullCollection)
    {
        long live = GC.GetTotalMemory(forceFullCollection: fullCollection);
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var gc = GC.GetGCMemoryInfo();
        // committed: what the GC holds from the OS (live objects, free space between them, allocation budgets);
        // fragmented: the free space part. Together with live they say where a process's RSS beyond its objects is.
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Prefix}allocated={allocated} live={live} committed={gc.TotalCommittedBytes} fragmented={gc.FragmentedBytes}{NativeHeapFields()}{ExtraFields?.Invoke()}"));
        Console.Out.Flush();
    }

    /// <summary>
    /// glibc's malloc heap (all arenas, <c>mallinfo2</c>): native_in_use is what native code (OpenSSL's per-connection
    /// state, the runtime's own) holds; native_free is freed memory the heap keeps (part of RSS until reused or trimmed).
    /// Empty where there is no glibc.
    /// </summary>
    private static string NativeHeapFields()
    {
        if (!OperatingSystem.IsLinux()) return "";
        try
        {
            var info = MallInfo2();
            return string.Create(CultureInfo.InvariantCulture, $" native_in_use={info.uordblks + info.hblkhd} native_free={info.fordblks}");
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return ""; // not glibc (musl has no mallinfo2)
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [LibraryImport("libc", EntryPoint = "mallinfo2")]
    private static partial MallInfo MallInfo2();

    /// <summary>Parses <see cref="Print"/>'s line: (allocated bytes so far, live managed bytes).</summary>
    public static (long Allocated, long Live) Parse(string line)
    {
        long allocated = -1, live = -1;
        foreach (string field in line[Prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = field.Split('=');
            if (kv.Length != 2) continue;
            if (kv[0] == "allocated") allocated = long.Parse(kv[1], CultureInfo.InvariantCulture);
            else if (kv[0] == "live") live = long.Parse(kv[1], CultureInfo.InvariantCulture);
        }
        if (allocated < 0 || live < 0) throw new FormatException($"bad stats line: {line}");
        return (allocated, live);
    }

    /// <summary>A field of <see cref="Print"/>'s line (one of <see cref="ExtraFields"/>); NaN when the line has none.</summary>
    public static double ParseField(string line, string name)
    {
        foreach (string field in line[Prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (field.Length > name.Length && field.StartsWith(name, StringComparison.Ordinal) && field[name.Length] == '=')
                return double.Parse(field[(name.Length + 1)..], CultureInfo.InvariantCulture);
        }
        return double.NaN;
    }
}
