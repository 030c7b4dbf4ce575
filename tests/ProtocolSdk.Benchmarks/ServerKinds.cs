using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ProtocolSdk.Benchmarks;

/// <summary>
/// The server kinds of the <c>load</c> and <c>engine</c> modes: what each one is and how it is started. All are
/// started with <c>--port 0 --exit-on-stdin-close</c> and print <c>listening on PORT</c> once ready.
/// </summary>
internal static class ServerKinds
{
    /// <summary>The native baseline: native/epoll-echo.c.</summary>
    public const string CEpoll = "c-epoll";

    private static readonly Dictionary<string, (string Mode, string[] Args, string About)> Managed = new()
    {
        ["sdk"] = ("serve-sdk", [], "ProtocolSdk echo, IoEngine.Default (Epoll on Linux)"),
        ["sdk-epoll"] = ("serve-sdk", ["--engine", "epoll"], "ProtocolSdk echo, IoEngine.Epoll"),
        ["sdk-sockets"] = ("serve-sdk", ["--engine", "sockets"], "ProtocolSdk echo, IoEngine.Sockets (the fallback engine)"),
        ["sdk-policies"] = ("serve-sdk-policies", [], "ProtocolSdk echo with [Throttle][Timeout][MaxConnections][LogTraffic] at limits that never bite, IoEngine.Default (Epoll on Linux)"),
        ["sdk-policies-sockets"] = ("serve-sdk-policies", ["--engine", "sockets"], "the sdk-policies echo on IoEngine.Sockets"),
        ["kestrel"] = ("serve-kestrel", [], "Kestrel raw TCP echo (UseConnectionHandler)"),
    };

    public static bool IsKnown(string kind) => kind == CEpoll || Managed.ContainsKey(kind);

    public static string Names => string.Join(", ", Managed.Keys.Append(CEpoll));

    /// <summary>One line on what <paramref name="kind"/> runs.</summary>
    public static string About(string kind, int cThreads) => kind == CEpoll
        ? $"C epoll echo (native/epoll-echo.c: edge-triggered epoll, SO_REUSEPORT, {cThreads} threads, one per core)"
        : Managed[kind].About;

    /// <summary>Starts <paramref name="kind"/>; <paramref name="cEcho"/> is the built C echo (needed for <see cref="CEpoll"/> only).</summary>
    public static Task<ChildServer> StartAsync(string kind, string? cEcho, int cThreads)
    {
        if (kind == CEpoll)
        {
            return ChildProcesses.StartNativeAsync(kind, cEcho ?? throw new InvalidOperationException("the C echo is not built"),
                new[] { "--threads", cThreads.ToString(CultureInfo.InvariantCulture) });
        }
        var (mode, args, _) = Managed[kind];
        return ChildProcesses.StartModeAsync(kind, mode, args);
    }

    /// <summary>
    /// The C echo executable: <paramref name="option"/> (<c>--c-echo PATH</c>) if given, otherwise native/epoll-echo.c
    /// (embedded in this assembly) built with <c>$CC</c> or <c>cc</c> into a temporary folder, once per source version.
    /// Null (and why on stderr) when it cannot be had.
    /// </summary>
    public static async Task<string?> BuildCEchoAsync(string? option)
    {
        if (option is not null)
        {
            if (File.Exists(option)) return Path.GetFullPath(option);
            Console.Error.WriteLine($"--c-echo {option}: no such file");
            return null;
        }
        string source;
        using (var stream = typeof(ServerKinds).Assembly.GetManifestResourceStream("epoll-echo.c") ?? throw new InvalidOperationException("epoll-echo.c is not embedded"))
        using (var reader = new StreamReader(stream))
        {
            source = await reader.ReadToEndAsync().ConfigureAwait(false);
        }
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source)))[..12];
        string dir = Path.Combine(Path.GetTempPath(), "protocolsdk-benchmarks");
        string exe = Path.Combine(dir, $"epoll-echo-{hash}");
        if (File.Exists(exe)) return exe;
        Directory.CreateDirectory(dir);
        string src = exe + ".c", tmp = $"{exe}.{Environment.ProcessId}.tmp";
        await File.WriteAllTextAsync(src, source).ConfigureAwait(false);
        string cc = Environment.GetEnvironmentVariable("CC") is { Length: > 0 } fromEnv ? fromEnv : "cc";
        string[] args = { "-O2", "-Wall", "-Wextra", "-o", tmp, src, "-lpthread" };
        Console.Error.WriteLine($"building the C echo: {cc} {string.Join(' ', args)}");
        var psi = new ProcessStartInfo { FileName = cc, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new Win32Exception();
        }
        catch (Win32Exception)
        {
            Console.Error.WriteLine($"no C compiler: '{cc}' could not be started. Install one (Debian: apt-get install gcc) or set CC, " +
                "or build tests/ProtocolSdk.Benchmarks/native/epoll-echo.c yourself and pass --c-echo PATH.");
            return null;
        }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            string stderr = await p.StandardError.ReadToEndAsync().ConfigureAwait(false);
            await p.WaitForExitAsync().ConfigureAwait(false);
            string output = (await stdout.ConfigureAwait(false) + stderr).Trim();
            if (p.ExitCode != 0 || !File.Exists(tmp))
            {
                Console.Error.WriteLine($"building the C echo failed ({cc} exit code {p.ExitCode}):\n{output}");
                return null;
            }
            if (output.Length > 0) Console.Error.WriteLine(output);
        }
        File.Move(tmp, exe, overwrite: true);
        return exe;
    }
}
