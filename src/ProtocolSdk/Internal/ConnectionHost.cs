using System;
using System.Collections.Generic;
using System.Threading;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ProtocolSdk.Timers;

namespace ProtocolSdk.Internal;

/// <summary>
/// What the connections of one server (or client, or test harness) share: the timer wheel, the logger,
/// metrics and the output-buffer marks.
/// </summary>
internal sealed class ConnectionHost : IDisposable
{
    private readonly bool _ownsTimers;
    private readonly Dictionary<object, object> _sharedPolicyState = new(ReferenceEqualityComparer.Instance);

    public ConnectionHost(TimeProvider time, ILoggerFactory? loggerFactory, int highWaterMark, int lowWaterMark, TimerWheel? timers = null)
    {
        if (highWaterMark <= 0) throw new ArgumentOutOfRangeException(nameof(highWaterMark), highWaterMark, "The high-water mark must be positive.");
        if (lowWaterMark < 0 || lowWaterMark > highWaterMark)
        {
            throw new ArgumentOutOfRangeException(nameof(lowWaterMark), lowWaterMark, "The low-water mark must be between 0 and the high-water mark.");
        }
        _ownsTimers = timers is null;
        Timers = timers ?? new TimerWheel(time);
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Logger = LoggerFactory.CreateLogger("ProtocolSdk");
        HighWaterMark = highWaterMark;
        LowWaterMark = lowWaterMark;
        MaxBufferedBytes = (long)ProtocolServerOptions.DefaultMaxBufferedMultiple * highWaterMark;
        PolicyLog = new PolicyLog(Logger, time);
    }

    /// <summary>A host with every setting of <paramref name="options"/> (already validated).</summary>
    public static ConnectionHost For(ProtocolServerOptions options, TimerWheel? timers = null) =>
        new(options.TimeProvider, options.LoggerFactory, options.HighWaterMark, options.LowWaterMark, timers)
        {
            MaxBufferedBytes = options.MaxBufferedBytes,
            LingerTimeout = options.LingerTimeout,
            TlsHandshakeTimeout = options.TlsHandshakeTimeout,
            ClusterStore = options.ClusterStore,
        };

    /// <summary>
    /// A server's bookkeeping for a connection that ended (its ConnectionLost ran, or it never started); set once by
    /// the server before it accepts. Null for a client or a test host, which await <see cref="Sockets.SocketTransport.RunAsync(Protocol)"/>
    /// instead; a server's connections are not awaited, so their receive side may run on the epoll loop's callbacks.
    /// </summary>
    public Action<Sockets.SocketTransport>? ConnectionEnded { get; set; }

    /// <summary>A server's start of an accepted connection (on the thread pool, see <see cref="Sockets.SocketTransport.QueueStart"/>); set once before it accepts.</summary>
    public Action<Sockets.SocketTransport>? ConnectionStarting { get; set; }

    /// <summary>The store for ClusterWide policies (null: none configured).</summary>
    public IClusterStore? ClusterStore { get; init; }

    /// <summary>Absolute deadline of a TLS handshake (from accept, or from StartTls).</summary>
    public TimeSpan TlsHandshakeTimeout
    {
        get => _tlsHandshakeTimeout;
        init
        {
            _tlsHandshakeTimeout = value;
            TlsHandshakeTimedOutReason = new DisconnectReason(DisconnectKind.TimedOut, message: $"TLS handshake did not complete within TlsHandshakeTimeout ({value.TotalSeconds:0.###} s)");
        }
    }

    private TimeSpan _tlsHandshakeTimeout = ProtocolServerOptions.DefaultTlsHandshakeTimeout;

    /// <summary>The reason of a handshake cut by its deadline, made once per host.</summary>
    public DisconnectReason TlsHandshakeTimedOutReason { get; private init; } =
        new(DisconnectKind.TimedOut, message: "TLS handshake did not complete within TlsHandshakeTimeout (10 s)");

    private long _maxBufferedBytes;
    private int _activeConnections;

    /// <summary>Hard cap on one connection's queued output; past it the connection is aborted.</summary>
    public long MaxBufferedBytes
    {
        get => _maxBufferedBytes;
        init
        {
            _maxBufferedBytes = value;
            OutputOverflowReason = DisconnectReason.Policy($"buffered output exceeded MaxBufferedBytes ({value} bytes): the peer does not read fast enough");
        }
    }

    /// <summary>The reason of an output-cap abort, made once per host so the abort allocates nothing.</summary>
    public DisconnectReason OutputOverflowReason { get; private init; }

    /// <summary>How long a graceful close may take in all (flush, FIN, linger).</summary>
    public TimeSpan LingerTimeout
    {
        get => _lingerTimeout;
        init
        {
            _lingerTimeout = value;
            CloseNotFlushedReason = new DisconnectReason(DisconnectKind.TimedOut, message: $"graceful close did not flush its output within LingerTimeout ({value.TotalSeconds:0.###} s)");
        }
    }

    private TimeSpan _lingerTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The reason of a close whose output did not drain before the linger deadline.</summary>
    public DisconnectReason CloseNotFlushedReason { get; private init; } =
        new(DisconnectKind.TimedOut, message: "graceful close did not flush its output within LingerTimeout (5 s)");

    /// <summary>Rate-limited log of policy decisions.</summary>
    public PolicyLog PolicyLog { get; }

    /// <summary>Connections admitted (past admission, including overflow) and not yet closed.</summary>
    public int ActiveConnections => Volatile.Read(ref _activeConnections);

    public void OnAdmitted()
    {
        Interlocked.Increment(ref _activeConnections);
        Metrics.Accepted();
    }

    /// <param name="kind">why it ended.</param>
    /// <param name="wasMade">false for a connection whose TLS handshake failed: counted in the handshake failures instead.</param>
    public void OnClosed(DisconnectKind kind, bool wasMade = true)
    {
        Interlocked.Decrement(ref _activeConnections);
        if (wasMade) Metrics.Closed(kind);
    }

    public void OnOutputOverflow() => Metrics.OutputOverflowed();

    public TimerWheel Timers { get; }

    public ILogger Logger { get; }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>
    /// State a policy shares among the connections of this host (a shared token bucket, connection counts),
    /// keyed by the policy's static configuration object. Looked up once per connection, not per event.
    /// </summary>
    public TState GetSharedState<TKey, TState>(TKey policy, Func<TKey, ConnectionHost, TState> create)
        where TKey : class
        where TState : class
    {
        lock (_sharedPolicyState)
        {
            if (!_sharedPolicyState.TryGetValue(policy, out var state))
            {
                state = create(policy, this);
                _sharedPolicyState.Add(policy, state);
            }
            return (TState)state;
        }
    }

    public int HighWaterMark { get; }

    public int LowWaterMark { get; }

    public ProtocolMetrics Metrics => ProtocolMetrics.Instance;

    public void OnCallbackError(Protocol protocol, Exception ex, string callback) =>
        Log.CallbackFailed(Logger, protocol.GetType().Name, callback, ex);

    public void Dispose()
    {
        if (_ownsTimers) Timers.Dispose();
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "{Protocol}.{Callback} threw; closing the connection.")]
    public static partial void CallbackFailed(ILogger logger, string protocol, string callback, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Accepting a connection failed.")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Protocol}: connection from {Peer} rejected: {Reason}.")]
    public static partial void PolicyRejected(ILogger logger, string protocol, IPEndPoint peer, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "{Protocol}: connection from {Peer} closed by policy: {Reason}.")]
    public static partial void PolicyClosed(ILogger logger, string protocol, IPEndPoint peer, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Policy log: suppressed {Count} line(s) in the last {Seconds} s.")]
    public static partial void PolicyLinesSuppressed(ILogger logger, int count, double seconds);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "The descriptor limit (ulimit -n) is {Limit}: this process accepts at most {Sockets} connections at once (a [MaxConnections] Total above that cannot hold); raise the limit for more.")]
    public static partial void DescriptorBudgetSmall(ILogger logger, long limit, int sockets);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "[MaxConnections] Total = {Total} cannot hold: the descriptor limit (ulimit -n {Limit}) lets this process hold at most {Sockets} connections; raise the limit or lower Total.")]
    public static partial void TotalAboveDescriptorBudget(ILogger logger, int total, long limit, int sockets);

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "The cluster store threw (a store must answer with its failure mode instead); falling back to the per-instance limit.")]
    public static partial void ClusterStoreFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "{Policy} is ClusterWide but ProtocolServerOptions.ClusterStore is not set; refusing its connections.")]
    public static partial void ClusterStoreMissing(ILogger logger, string policy);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "{Protocol}: TLS handshake with {Peer} failed: {Reason}.")]
    public static partial void TlsHandshakeFailed(ILogger logger, string protocol, IPEndPoint peer, string reason);

    [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "TLS on {EndPoint} runs on {Engine}.")]
    public static partial void TlsEngine(ILogger logger, System.Net.IPEndPoint endPoint, string engine);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Epoll loop {Loop} has been running a callback of {Protocol} for {Milliseconds} ms: every connection on that loop waits meanwhile. Callbacks must not block; offload blocking work (Task.Run) and write its result back through Transport.Write.")]
    public static partial void LoopStalled(ILogger logger, int loop, long milliseconds, string protocol);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Accepting connections on {EndPoint} failed {Count} time(s) in the last {Seconds:0} s ({Error}); backing off {DelayMs} ms.")]
    public static partial void AcceptFailing(ILogger logger, IPEndPoint endPoint, int count, double seconds, string error, long delayMs);
}
