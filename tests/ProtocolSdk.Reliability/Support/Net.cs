using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace ProtocolSdk.Reliability.Support;

/// <summary>Short form by default; <c>PROTOCOLSDK_SOAK=1</c> selects the long form (bigger attacks, 10-minute soak).</summary>
internal static class Soak
{
    public static readonly bool Long = Environment.GetEnvironmentVariable("PROTOCOLSDK_SOAK") == "1";

    public static int Pick(int shortForm, int longForm) => Long ? longForm : shortForm;

    public static long Pick(long shortForm, long longForm) => Long ? longForm : shortForm;

    public static TimeSpan Pick(TimeSpan shortForm, TimeSpan longForm) => Long ? longForm : shortForm;

    /// <summary>Soak duration: 20 s short, 10 min long; <c>PROTOCOLSDK_SOAK_SECONDS</c> overrides either.</summary>
    public static TimeSpan SoakDuration =>
        int.TryParse(Environment.GetEnvironmentVariable("PROTOCOLSDK_SOAK_SECONDS"), out int s) && s > 0
            ? TimeSpan.FromSeconds(s)
            : Pick(TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(10));
}

/// <summary>Every test of this assembly runs alone (fd and RSS counts are process-wide; 2 shared cores).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Serial
{
    public const string Name = "Reliability (serial)";
}

/// <summary>Real-socket helpers on 127.0.0.0/8. No sleeps as synchronisation: bounded waits on conditions.</summary>
internal static class Net
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    public static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.1");
    public static readonly IPAddress Honest = IPAddress.Parse("127.0.0.2");

    public static IPEndPoint AnyPort => new(IPAddress.Loopback, 0);

    public static Socket NewSocket(IPAddress? from = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (from is not null) socket.Bind(new IPEndPoint(from, 0));
        return socket;
    }

    public static async Task<Socket> ConnectAsync(IPEndPoint server, IPAddress? from = null, int receiveBuffer = 0)
    {
        var socket = NewSocket(from);
        if (receiveBuffer > 0) socket.ReceiveBufferSize = receiveBuffer;
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await socket.ConnectAsync(server, cts.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return socket;
    }

    public static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cts.Token);
            if (n == 0) throw new EndOfStreamException($"EOF after {read} of {buffer.Length} bytes");
            read += n;
        }
    }

    /// <summary>Reads until EOF or reset; returns the bytes read and whether it ended cleanly.</summary>
    public static async Task<(long Bytes, bool CleanEof)> DrainAsync(Socket socket, TimeSpan? timeout = null)
    {
        var buffer = new byte[16384];
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        long total = 0;
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0) return (total, true);
                total += n;
            }
        }
        catch (SocketException)
        {
            return (total, false);
        }
    }

    /// <summary>Bounded wait on a condition (polls every 5 ms).</summary>
    /// <summary>
    /// Connects and expects a refusal: closed without a byte. The refusal's reset may beat the handshake, so a connect
    /// that fails with ConnectionReset counts as refused too. Returns the bytes the server sent (0 when refused).
    /// </summary>
    public static async Task<long> RefusedBytesAsync(IPEndPoint server, IPAddress? from = null)
    {
        Socket socket;
        try
        {
            socket = await ConnectAsync(server, from);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return 0;
        }
        using (socket) return (await DrainAsync(socket)).Bytes;
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var sw = Stopwatch.StartNew();
        var limit = timeout ?? Timeout;
        while (!condition())
        {
            if (sw.Elapsed > limit) throw new TimeoutException("Timed out waiting for: " + what);
            await Task.Delay(5);
        }
    }

    public static async Task WithTimeout(this Task task, string what, TimeSpan? timeout = null)
    {
        var done = await Task.WhenAny(task, Task.Delay(timeout ?? Timeout));
        if (done != task) throw new TimeoutException("Timed out waiting for: " + what);
        await task;
    }

    /// <summary>Closes with a reset (RST): no TIME_WAIT on the client, the server sees ECONNRESET.</summary>
    public static void Reset(Socket socket)
    {
        try { socket.LingerState = new LingerOption(true, 0); } catch (SocketException) { } catch (ObjectDisposedException) { }
        socket.Dispose();
    }

    /// <summary>Round-trips one message and returns the latency.</summary>
    public static async Task<TimeSpan> EchoOnceAsync(Socket socket, byte[] message, byte[] reply)
    {
        long start = Stopwatch.GetTimestamp();
        await socket.SendAsync(message, SocketFlags.None);
        await ReadExactlyAsync(socket, reply.AsMemory(0, message.Length));
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (!reply.AsSpan(0, message.Length).SequenceEqual(message)) throw new InvalidDataException("echo mismatch");
        return elapsed;
    }

    public static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.OrderBy(v => v).ToArray();
        int index = (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }
}

/// <summary>Process-level figures from /proc/self (Linux).</summary>
internal static class Proc
{
    public static int OpenFds() => Directory.GetFileSystemEntries("/proc/self/fd").Length;

    public static long RssKb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim());
            }
        }
        throw new InvalidOperationException("no VmRSS");
    }

    public static void FullGc()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
    }
}

/// <summary>Reads the server's timer-wheel entry count (public diagnostic on ProtocolServer).</summary>
internal static class ServerProbe
{
    public static int PendingTimers(ProtocolServer server) => server.PendingTimers;
}

/// <summary>Records TaskScheduler.UnobservedTaskException for the lifetime of the object.</summary>
internal sealed class UnobservedTaskWatch : IDisposable
{
    public readonly ConcurrentQueue<Exception> Seen = new();

    public UnobservedTaskWatch() => TaskScheduler.UnobservedTaskException += OnUnobserved;

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e) => Seen.Enqueue(e.Exception);

    /// <summary>Forces collection so that faulted, unobserved tasks get finalized and reported, then asserts none were.</summary>
    public void AssertNone()
    {
        Proc.FullGc();
        Assert.True(Seen.IsEmpty, "unobserved task exceptions: " + string.Join(" | ", Seen.Select(e => e.ToString())));
    }

    public void Dispose() => TaskScheduler.UnobservedTaskException -= OnUnobserved;
}

/// <summary>An ILoggerProvider/ILoggerFactory that keeps every entry.</summary>
public sealed class RecordingLoggerFactory : ILoggerProvider, ILoggerFactory
{
    public sealed record Entry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

    public readonly ConcurrentQueue<Entry> Entries = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    public int CountFor(Exception ex) => Entries.Count(e => ReferenceEquals(e.Exception, ex));

    private sealed class Logger(RecordingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue(new Entry(category, logLevel, eventId, formatter(state, exception), exception));
    }
}

/// <summary>Tracks every protocol instance a server made, to check "exactly one ConnectionLost per ConnectionMade".</summary>
public sealed class Lifecycle
{
    public readonly ConcurrentQueue<TrackedState> All = new();
    private readonly bool _retain;
    private int _live, _maxLive;
    private long _made, _lost, _violations;

    /// <summary>
    /// With <paramref name="retain"/> false (the soak), instances are not kept: a 10-minute churn makes over half a
    /// million connections, and keeping each one's state would itself be the leak the soak is looking for.
    /// Per-instance balance is then checked when ConnectionLost runs.
    /// </summary>
    public Lifecycle(bool retain = true) => _retain = retain;

    public long MadeCount => Interlocked.Read(ref _made);

    public long LostCount => Interlocked.Read(ref _lost);

    public long Violations => Interlocked.Read(ref _violations);

    /// <summary>Connections between ConnectionMade and ConnectionLost right now, and the most ever at once.</summary>
    public int Live => Volatile.Read(ref _live);

    public int MaxLive => Volatile.Read(ref _maxLive);

    public TrackedState New()
    {
        var s = new TrackedState(this);
        if (_retain) All.Enqueue(s);
        return s;
    }

    internal void OnMade()
    {
        Interlocked.Increment(ref _made);
        int live = Interlocked.Increment(ref _live);
        int max;
        while (live > (max = Volatile.Read(ref _maxLive)) && Interlocked.CompareExchange(ref _maxLive, live, max) != max) { }
    }

    internal void OnLost(TrackedState state)
    {
        Interlocked.Increment(ref _lost);
        if (Volatile.Read(ref state.Made) != 1 || Volatile.Read(ref state.Lost) != 1 || Volatile.Read(ref state.Overlaps) != 0)
        {
            Interlocked.Increment(ref _violations);
        }
        Interlocked.Decrement(ref _live);
    }

    public int Made => All.Count(s => Volatile.Read(ref s.Made) > 0);

    public int Lost => All.Count(s => Volatile.Read(ref s.Lost) > 0);

    public void AssertBalanced()
    {
        Assert.Equal(0, Violations);
        Assert.Equal(MadeCount, LostCount);
        foreach (var s in All)
        {
            int made = Volatile.Read(ref s.Made), lost = Volatile.Read(ref s.Lost);
            Assert.True(made <= 1, $"ConnectionMade ran {made} times");
            Assert.True(made == lost, $"ConnectionMade ran {made} times but ConnectionLost {lost} times ({s.Reason})");
            Assert.Equal(0, Volatile.Read(ref s.Overlaps));
        }
    }
}

/// <summary>Per-instance callback counts.</summary>
public sealed class TrackedState
{
    private readonly Lifecycle? _owner;

    public TrackedState(Lifecycle? owner = null) => _owner = owner;

    public void CountMade()
    {
        Interlocked.Increment(ref Made);
        _owner?.OnMade();
    }

    public void CountLost()
    {
        Interlocked.Increment(ref Lost);
        _owner?.OnLost(this);
    }

    public int Made;
    public int Lost;
    public int Overlaps;
    public int InCallback;
    public DisconnectReason Reason;
    public readonly TaskCompletionSource LostSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Enter()
    {
        if (Interlocked.Exchange(ref InCallback, 1) != 0) Interlocked.Increment(ref Overlaps);
    }

    public void Exit() => Volatile.Write(ref InCallback, 0);
}
