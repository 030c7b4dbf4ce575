using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ProtocolSdk.Benchmarks;

/// <summary>
/// The cluster benchmark's own redis-server: a free loopback port, persistence off, ready once it answers PING,
/// ended by its PID (only that process). <see cref="TotalCommandsProcessedAsync"/> reads INFO stats over a plain socket.
/// </summary>
internal sealed class RedisProcess : IAsyncDisposable
{
    private readonly Process _process;

    private RedisProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary>Null (and a message on stderr) when redis-server is not on PATH.</summary>
    public static async Task<RedisProcess?> StartAsync()
    {
        string? executable = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Where(d => d.Length > 0)
            .Select(d => Path.Combine(d, "redis-server")).FirstOrDefault(File.Exists);
        if (executable is null)
        {
            Console.Error.WriteLine("redis-server not found on PATH: the cluster benchmark starts its own (Debian: apt-get install -y redis-server)");
            return null;
        }
        int port = Servers.FreeLoopbackPort();
        var psi = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no" })
        {
            psi.ArgumentList.Add(a);
        }
        var redis = new RedisProcess(Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start"), port);
        redis._process.OutputDataReceived += (_, _) => { };
        redis._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  [redis-server] {e.Data}"); };
        redis._process.BeginOutputReadLine();
        redis._process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if ((await redis.CommandAsync("PING").ConfigureAwait(false)).StartsWith("+PONG", StringComparison.Ordinal)) return redis;
            }
            catch (Exception e) when (e is SocketException or IOException or TimeoutException) { }
            if (redis._process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                await redis.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"redis-server on port {port} did not answer PING within 10 s");
            }
            await Task.Delay(20).ConfigureAwait(false); // poll interval while it starts, bounded above
        }
    }

    /// <summary>INFO stats' <c>total_commands_processed</c>: every command Redis ran so far (this INFO included).</summary>
    public async Task<long> TotalCommandsProcessedAsync()
    {
        foreach (string line in (await CommandAsync("INFO stats").ConfigureAwait(false)).Split("\r\n"))
        {
            if (line.StartsWith("total_commands_processed:", StringComparison.Ordinal))
                return long.Parse(line["total_commands_processed:".Length..], CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException("INFO stats has no total_commands_processed");
    }

    /// <summary>The whole INFO section (e.g. "commandstats"), for the raw log.</summary>
    public Task<string> InfoAsync(string section) => CommandAsync("INFO " + section);

    /// <summary>A connection of its own for timing PING round trips: the floor under any Redis call on this machine.</summary>
    public RedisPinger OpenPinger() => new(Port);

    /// <summary>Sends one inline command and reads until the reply looks complete (a simple reply, or a whole bulk string).</summary>
    private async Task<string> CommandAsync(string command)
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await client.ConnectAsync(IPAddress.Loopback, Port, cts.Token).ConfigureAwait(false);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), cts.Token).ConfigureAwait(false);
        var reply = new StringBuilder();
        var buffer = new byte[16384];
        while (true)
        {
            int n = await stream.ReadAsync(buffer, cts.Token).ConfigureAwait(false);
            if (n == 0) throw new IOException("redis-server closed the connection");
            reply.Append(Encoding.ASCII.GetString(buffer, 0, n));
            string s = reply.ToString();
            if (s[0] != '$' && s.EndsWith("\r\n", StringComparison.Ordinal)) return s;
            int header = s.IndexOf("\r\n", StringComparison.Ordinal);
            if (s[0] == '$' && header > 0 && s.Length >= header + 2 + int.Parse(s[1..header], CultureInfo.InvariantCulture) + 2) return s[(header + 2)..];
        }
    }

    /// <summary>Ends it at once (this PID only): for Ctrl+C, where there is no time to await.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
        }
        catch (InvalidOperationException) { }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(); // this PID only
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}

/// <summary>One blocking loopback connection to Redis that times PING (request written to "+PONG" read).</summary>
internal sealed class RedisPinger : IDisposable
{
    private static readonly byte[] Ping = "PING\r\n"u8.ToArray();
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 10_000 };
    private readonly byte[] _reply = new byte[7];

    public RedisPinger(int port) => _socket.Connect(new IPEndPoint(IPAddress.Loopback, port));

    /// <summary>µs for one PING round trip.</summary>
    public double RoundTripMicros()
    {
        long start = Stopwatch.GetTimestamp();
        _socket.Send(Ping);
        int got = 0;
        while (got < _reply.Length)
        {
            int n = _socket.Receive(_reply, got, _reply.Length - got, SocketFlags.None);
            if (n == 0) throw new IOException("redis-server closed the PING connection");
            got += n;
        }
        double micros = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        if (!_reply.AsSpan().SequenceEqual("+PONG\r\n"u8)) throw new InvalidOperationException("unexpected PING reply");
        return micros;
    }

    public void Dispose() => _socket.Dispose();
}
