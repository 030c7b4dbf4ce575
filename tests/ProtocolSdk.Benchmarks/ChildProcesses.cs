using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace ProtocolSdk.Benchmarks;

/// <summary>A server kind running as a child process of this executable (see <see cref="ChildProcesses.StartServerAsync"/>).</summary>
internal sealed class ChildServer
{
    private readonly Channel<string> _statsLines = Channel.CreateUnbounded<string>();

    public ChildServer(string kind, Process process)
    {
        Kind = kind;
        Process = process;
    }

    public string Kind { get; }
    public Process Process { get; }
    public int Port { get; set; }

    /// <summary>Asks the server for its GC figures (<see cref="ServerStats"/>) over its stdin and waits for the reply.</summary>
    public async Task<(long Allocated, long Live)> GetStatsAsync(bool fullCollection) =>
        ServerStats.Parse(await GetStatsLineAsync(fullCollection).ConfigureAwait(false));

    /// <summary>The server's whole stats line (<see cref="ServerStats.Print"/>).</summary>
    public async Task<string> GetStatsLineAsync(bool fullCollection)
    {
        await Process.StandardInput.WriteLineAsync(fullCollection ? "stats full" : "stats").ConfigureAwait(false);
        await Process.StandardInput.FlushAsync().ConfigureAwait(false);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _statsLines.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
    }

    /// <summary>Reads the server's stdout after its ready line: stats replies go to <see cref="GetStatsAsync"/>, the rest is dropped.</summary>
    public async Task ReadOutputAsync()
    {
        try
        {
            while (await Process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line.StartsWith(ServerStats.Prefix, StringComparison.Ordinal)) _statsLines.Writer.TryWrite(line);
            }
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }
}

/// <summary>
/// Starts and stops the servers and loadgen runs of a benchmark, and remembers them so that none outlives the driver.
/// </summary>
internal static class ChildProcesses
{
    private static readonly List<Process> Children = new();

    /// <summary>loadgen from <c>--loadgen</c>, <c>$LOADGEN</c> or <c>PATH</c>; null (and a note on stderr) when not found.</summary>
    public static string? FindLoadgen(string? option, string buildHint)
    {
        string loadgen = option ?? Environment.GetEnvironmentVariable("LOADGEN") ?? "loadgen";
        if (File.Exists(loadgen) || loadgen.Contains('/')) return loadgen;
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, loadgen)).FirstOrDefault(File.Exists);
        if (found is null) Console.Error.WriteLine($"loadgen not found: pass --loadgen PATH or set LOADGEN (build: {buildHint})");
        return found;
    }

    /// <summary>Starts <c>serve-KIND --port 0</c> and waits for its <c>listening on PORT</c> line.</summary>
    public static Task<ChildServer> StartServerAsync(string kind, params string[] extraArgs) =>
        StartModeAsync(kind, "serve-" + kind, extraArgs);

    /// <summary>Starts this executable's serve mode <paramref name="mode"/> as server <paramref name="kind"/> (port 0, then <paramref name="extraArgs"/>).</summary>
    public static Task<ChildServer> StartModeAsync(string kind, string mode, IEnumerable<string> extraArgs) =>
        StartAsync(kind, DotnetHost(), new[] { typeof(ChildProcesses).Assembly.Location, mode }, extraArgs);

    /// <summary>Starts a native server executable that takes the same <c>--port 0 --exit-on-stdin-close</c> and prints the same ready line.</summary>
    public static Task<ChildServer> StartNativeAsync(string kind, string executable, IEnumerable<string> extraArgs) =>
        StartAsync(kind, executable, Array.Empty<string>(), extraArgs);

    /// <summary>Runs <c>FILE LEADING.. --port 0 --exit-on-stdin-close EXTRA..</c> and waits for its <c>listening on PORT</c> line.</summary>
    private static async Task<ChildServer> StartAsync(string kind, string fileName, IEnumerable<string> leadingArgs, IEnumerable<string> extraArgs)
    {
        var psi = new ProcessStartInfo { FileName = fileName, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in leadingArgs) psi.ArgumentList.Add(arg);
        psi.ArgumentList.Add("--port");
        psi.ArgumentList.Add("0");
        psi.ArgumentList.Add("--exit-on-stdin-close"); // if this driver dies, the server follows
        foreach (string arg in extraArgs) psi.ArgumentList.Add(arg);
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start the {kind} server");
        lock (Children) Children.Add(p);
        var server = new ChildServer(kind, p);
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  [{kind} {p.Id}] {e.Data}"); };
        p.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            string? line = await p.StandardOutput.ReadLineAsync(cts.Token).ConfigureAwait(false);
            if (line is null) throw new InvalidOperationException($"the {kind} server exited before it was ready (exit code {(p.WaitForExit(5000) ? p.ExitCode : -1)})");
            if (line.StartsWith("listening on ", StringComparison.Ordinal))
            {
                server.Port = int.Parse(line["listening on ".Length..], CultureInfo.InvariantCulture);
                _ = server.ReadOutputAsync();
                return server;
            }
        }
    }

    public static async Task StopServerAsync(ChildServer server)
    {
        Process p = server.Process;
        try
        {
            if (!p.HasExited)
            {
                p.StandardInput.Close(); // graceful: the server stops when stdin closes
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try { await p.WaitForExitAsync(cts.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { p.Kill(); await p.WaitForExitAsync().ConfigureAwait(false); }
            }
        }
        finally
        {
            lock (Children) Children.Remove(p);
            p.Dispose();
        }
    }

    /// <summary>Kills (by PID) every child still running: the driver's last line of defence.</summary>
    public static void KillAll()
    {
        Process[] left;
        lock (Children) { left = Children.ToArray(); Children.Clear(); }
        foreach (var p in left)
        {
            try
            {
                if (!p.HasExited) { p.Kill(); p.WaitForExit(10_000); }
            }
            catch (InvalidOperationException) { }
        }
    }

    /// <summary>Runs loadgen to its end: its stdout (one JSON line) and exit code; stderr lines go to <paramref name="onStderr"/>.</summary>
    public static async Task<(string Stdout, int ExitCode)> RunLoadgenAsync(string loadgen, IEnumerable<string> args, Action<string>? onStderr = null)
    {
        var psi = new ProcessStartInfo { FileName = loadgen, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start loadgen");
        lock (Children) Children.Add(p);
        try
        {
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null) onStderr?.Invoke(e.Data); };
            p.BeginErrorReadLine();
            string stdout = await p.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
            await p.WaitForExitAsync().ConfigureAwait(false);
            return (stdout.Trim(), p.ExitCode);
        }
        finally
        {
            lock (Children) Children.Remove(p);
            p.Dispose();
        }
    }

    private static string DotnetHost()
    {
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
    }
}

/// <summary>What /proc says about a process: open file descriptors, resident memory, CPU time.</summary>
internal static class ProcStats
{
    public static int FdCount(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    public static long RssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024; // kB
            }
        }
        throw new InvalidOperationException("no VmRSS");
    }

    /// <summary>User + system CPU seconds of the process so far.</summary>
    public static double CpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): utime is field 14, stime field 15, in clock ticks (100 Hz on Linux).
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    public static double Median(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
