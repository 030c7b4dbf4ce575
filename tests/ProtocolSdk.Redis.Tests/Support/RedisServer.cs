using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using StackExchange.Redis;

namespace ProtocolSdk.Redis.Tests.Support;

/// <summary>
/// A real redis-server of the test's own: started on a free loopback port with persistence off, ready once it answers
/// PING, and ended by its PID (only that process) on dispose. Freeze/Resume send SIGSTOP/SIGCONT to it.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const int SigCont = 18;
    private const int SigStop = 19;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000";

    public static async Task<RedisServer> StartAsync()
    {
        string executable = FindOnPath("redis-server") ?? throw new InvalidOperationException(
            "redis-server is not installed (not found on PATH). The Redis store tests need a real one: install the Debian package " +
            "'redis-server' (apt-get install -y redis-server); .ci/run installs it when it is missing.");
        Exception? lastFailure = null;
        for (int attempt = 0; attempt < 3; attempt++) // another process may take the free port between probe and bind
        {
            int port = FreeLoopbackPort();
            var start = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no" })
            {
                start.ArgumentList.Add(argument);
            }
            var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
            var output = new System.Text.StringBuilder();
            process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new RedisServer(process, port);
            try
            {
                await server.WaitUntilItAnswersAsync();
                return server;
            }
            catch (Exception e)
            {
                string log;
                lock (output) log = output.ToString();
                lastFailure = new InvalidOperationException($"redis-server on port {port} did not answer PING: {e.Message}\n{log}", e);
                await server.DisposeAsync();
            }
        }
        throw lastFailure!;
    }

    /// <summary>A multiplexer of the test's own (the store never owns one).</summary>
    public Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(Configuration);

    public void Freeze() => Signal(SigStop);

    public void Resume() => Signal(SigCont);

    /// <summary>Ends the server at once (SIGKILL, this PID only), as a crashed Redis.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        Resume(); // a stopped process still dies on SIGKILL, but resume keeps the exit prompt
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    private async Task WaitUntilItAnswersAsync()
    {
        var deadline = Stopwatch.StartNew();
        byte[] reply = new byte[16];
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode}.");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                NetworkStream stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                int read = await stream.ReadAsync(reply).AsTask().WaitAsync(TimeSpan.FromSeconds(1));
                if (read >= 5 && reply.AsSpan(0, 5).SequenceEqual("+PONG"u8)) return;
            }
            catch (Exception e) when (e is SocketException or IOException or TimeoutException)
            {
                // not listening yet
            }
            if (deadline.Elapsed > StartTimeout) throw new TimeoutException($"no PONG within {StartTimeout}.");
            await Task.Delay(10); // poll interval while the server starts, bounded by StartTimeout
        }
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>A loopback port nobody listens on (a Redis that is down).</summary>
    public static int UnusedLoopbackPort() => FreeLoopbackPort();

    private static string? FindOnPath(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (directory.Length == 0) continue;
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
