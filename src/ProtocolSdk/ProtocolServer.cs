using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using ProtocolSdk.Internal;
using ProtocolSdk.Sockets;

namespace ProtocolSdk;

/// <summary>
/// A TCP server that serves each accepted connection with a new protocol instance. Dispose it to stop accepting,
/// let every connection finish gracefully for up to <see cref="ProtocolServerOptions.ShutdownTimeout"/>, abort the
/// rest, and wait until every <see cref="Protocol.ConnectionLost"/> has run.
/// </summary>
public sealed class ProtocolServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Protocol> _factory;
    private readonly ConnectionHost _host;
    private readonly ProtocolServerOptions _options;
    private readonly ConnectionList _connections = new(); // intrusive: no entry object or table per connection
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly AcceptBackoff _backoff;
    private readonly DescriptorBudget _descriptors;
    private readonly Task _acceptLoop;
    private readonly TlsStart? _tls; // prepared once: one certificate context for every connection
    private readonly IPEndPoint? _acceptedLocalEndPoint;
    private readonly Sockets.Epoll.EpollAcceptor? _epollAcceptor; // the epoll engine accepts on its loops (no Socket per connection)
    private int _disposed;

    private ProtocolServer(Socket listener, Func<Protocol> factory, ProtocolServerOptions options, string protocolName)
    {
        _listener = listener;
        _factory = factory;
        _options = options;
        _host = ConnectionHost.For(options);
        _tls = options.Tls is { } tls ? TlsStart.ForServer(ServerTlsOptions.Prepare(tls)) : null;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        // Bound to one address, every accepted connection's local end is the listener's: share it instead of asking
        // each socket (an endpoint object less per connection). A wildcard listener's connections differ.
        bool wildcard = LocalEndPoint.Address.Equals(IPAddress.Any) || LocalEndPoint.Address.Equals(IPAddress.IPv6Any)
            || LocalEndPoint.Address.IsIPv4MappedToIPv6;
        _acceptedLocalEndPoint = wildcard ? null : LocalEndPoint;
        _host.ConnectionEnded = OnConnectionEnded; // made once (not per connection); RunAsync calls it
        _host.ConnectionStarting = RunConnection;
        if (options.ResolvedIoEngine == IoEngine.Epoll && options.AcceptSocket is null)
        {
            _epollAcceptor = new Sockets.Epoll.EpollAcceptor(listener, Sockets.Epoll.EpollEngine.Shared, _acceptedLocalEndPoint);
        }
        _backoff = new AcceptBackoff(_host, options.TimeProvider, LocalEndPoint);
        _descriptors = options.DescriptorBudget ?? DescriptorBudget.Process;
        _descriptors.WarnIfSmall(_host.Logger);
        _host.Metrics.Register(_host, protocolName, LocalEndPoint.ToString());
        if (_tls?.Server is { } serverTls)
        {
            // Builds the OpenSSL context now (not at the first handshake), and says which engine serves the listener.
            Log.TlsEngine(_host.Logger, LocalEndPoint, Sockets.Tls.OpenSslContext.For(serverTls) is null
                ? "SslStream (the options need the runtime's certificate handling, or the own engine is off or unavailable here)"
                : "the SDK's own OpenSSL engine");
        }
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Where the server listens; with port 0 this holds the port the system chose.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>
    /// Admitted connections still open (past admission, including ones served by an overflow protocol). Connections
    /// being refused by an admission policy at this instant are not counted.
    /// </summary>
    public int ConnectionCount => _host.ActiveConnections;

    /// <summary>
    /// Accepted sockets not yet closed: <see cref="ConnectionCount"/> plus connections being admitted, refused or torn
    /// down at this instant. Zero means nothing the server accepted is still in flight (for leak tests and drains).
    /// </summary>
    public int SocketCount
    {
        get { lock (_connections) return _connections.Count; }
    }

    /// <summary>
    /// Deadlines currently scheduled on the server's timer wheel (idle timeouts, throttle wake-ups, rate checks):
    /// zero once every connection has closed. For health checks and leak tests.
    /// </summary>
    public int PendingTimers => _host.Timers.Count;

    /// <summary>Accept calls that failed since the server started (descriptor exhaustion, resets before accept).</summary>
    public long AcceptErrors => _backoff.TotalErrors;

    /// <summary>Listens on <paramref name="endpoint"/> and serves each connection with a new <typeparamref name="TProtocol"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="endpoint"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The protocol declares a ClusterWide policy and <see cref="ProtocolServerOptions.ClusterStore"/> is not set.</exception>
    /// <exception cref="IOException">
    /// The server cannot listen there; the message names the endpoint (for example "Cannot listen on 127.0.0.1:7007:
    /// address already in use.") and <see cref="Exception.InnerException"/> is the <see cref="SocketException"/>.
    /// </exception>
    public static Task<ProtocolServer> ListenTcpAsync<TProtocol>(IPEndPoint endpoint, ProtocolServerOptions? options = null, CancellationToken cancellationToken = default)
        where TProtocol : Protocol, new() =>
        ListenTcpAsync(endpoint, static () => new TProtocol(), options, cancellationToken);

    /// <summary>Listens on <paramref name="endpoint"/> and serves each connection with a protocol made by <paramref name="factory"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="endpoint"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The protocol declares a ClusterWide policy and <see cref="ProtocolServerOptions.ClusterStore"/> is not set.</exception>
    /// <exception cref="IOException">
    /// The server cannot listen there; the message names the endpoint (for example "Cannot listen on 127.0.0.1:7007:
    /// address already in use.") and <see cref="Exception.InnerException"/> is the <see cref="SocketException"/>.
    /// </exception>
    public static Task<ProtocolServer> ListenTcpAsync<TProtocol>(IPEndPoint endpoint, Func<TProtocol> factory, ProtocolServerOptions? options = null, CancellationToken cancellationToken = default)
        where TProtocol : Protocol
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(factory);
        cancellationToken.ThrowIfCancellationRequested();
        options ??= new ProtocolServerOptions();
        options.Validate();
        if (options.ClusterStore is null && typeof(Policies.IClusterWideProtocol).IsAssignableFrom(typeof(TProtocol)))
        {
            throw new InvalidOperationException(
                $"{typeof(TProtocol).Name} declares a ClusterWide policy ([MaxConnections] or [Throttle] with ClusterWide = true), " +
                "but ProtocolServerOptions.ClusterStore is not set. Set it to the store the fleet shares (for example a " +
                "RedisClusterStore from the ProtocolSdk.Redis package), or remove ClusterWide to keep the limits per server.");
        }

        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true; // [::] serves IPv4 too
            }
            listener.Bind(endpoint);
            listener.Listen(options.Backlog);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            throw new IOException($"Cannot listen on {endpoint}: {Describe(ex)}.", ex);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        return Task.FromResult(new ProtocolServer(listener, factory, options, typeof(TProtocol).Name));
    }

    private static string Describe(SocketException ex) => ex.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "address already in use",
        SocketError.AddressNotAvailable => "address not available on this machine",
        SocketError.AccessDenied => "permission denied",
        _ => ex.Message.TrimEnd('.'),
    };

    /// <summary>
    /// Accepts until dispose and never dies: every failed accept (descriptor exhaustion, a peer that reset before we
    /// took it, anything else) backs off exponentially from 1 ms to 1 s, so an exhausted process pauses accepting (the
    /// kernel backlog holds or refuses new clients) instead of spinning, and resumes at the first success.
    /// </summary>
    private async Task AcceptLoopAsync()
    {
        var stopping = _stopAccepting.Token;
        while (!stopping.IsCancellationRequested)
        {
            if (!_descriptors.TryTake())
            {
                // At the process's descriptor budget: leave the rest to the runtime; the backlog holds new clients.
                try
                {
                    await _backoff.PausedAsync(_descriptors, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            Socket? socket = null;
            ConnectionMedium? medium = null;
            try
            {
                if (_epollAcceptor is { } acceptor) medium = await acceptor.AcceptAsync().ConfigureAwait(false);
                else if (_options.AcceptSocket is { } accept) socket = await accept(_listener, stopping).ConfigureAwait(false);
                else socket = await _listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception) when (stopping.IsCancellationRequested || Volatile.Read(ref _disposed) != 0)
            {
                _descriptors.Return();
                return;
            }
            catch (Exception ex)
            {
                _descriptors.Return();
                try
                {
                    await _backoff.FailedAsync(ex, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            _backoff.Succeeded();
            medium ??= CreateMedium(socket!);
            if (medium is not null) StartConnection(medium);
        }
    }

    /// <summary>The medium for a socket the runtime accepted; null (the socket closed) when the peer left before we looked at it.</summary>
    private ConnectionMedium? CreateMedium(Socket socket)
    {
        try
        {
            return _options.CreateMedium(socket, _acceptedLocalEndPoint);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            socket.Dispose();
            _descriptors.Return();
            return null;
        }
    }

    private void StartConnection(ConnectionMedium medium)
    {
        var transport = new SocketTransport(medium, _host, _options.ReceiveBufferSize, _tls);
        lock (_connections)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                medium.Close(abort: false);
                _descriptors.Return();
                return;
            }
            _connections.Add(transport);
        }
        transport.QueueStart(); // RunConnection on the thread pool, so a slow ConnectionMade never holds up accepting
    }

    private void RunConnection(SocketTransport transport)
    {
        Protocol protocol;
        try
        {
            protocol = _factory() ?? throw new InvalidOperationException("The protocol factory returned null.");
        }
        catch (Exception ex)
        {
            Log.AcceptFailed(_host.Logger, ex);
            transport.Abort();
            OnConnectionEnded(transport);
            return;
        }
        // No awaiting frame of our own: the transport calls the host's ConnectionEnded when it is done.
        _ = transport.RunAsync(protocol);
    }

    /// <summary>A connection ended (its ConnectionLost ran, or it never started): forget it and give its descriptor back.</summary>
    private void OnConnectionEnded(SocketTransport transport)
    {
        bool last;
        lock (_connections)
        {
            _connections.Remove(transport);
            _descriptors.Return(); // the socket is closed by now
            last = _connections.Count == 0 && Volatile.Read(ref _disposed) != 0;
        }
        if (last) _drained.TrySetResult();
    }

    /// <summary>
    /// Stops accepting, then closes every connection gracefully (as <see cref="Transport.LoseConnection"/> does, with
    /// reason <see cref="DisconnectKind.ServerShutdown"/>: output is flushed, the peer gets FIN) and gives them
    /// <see cref="ProtocolServerOptions.ShutdownTimeout"/> to finish; aborts what is left, and returns when every
    /// <see cref="Protocol.ConnectionLost"/> has run.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _drained.Task.ConfigureAwait(false);
            return;
        }
        _stopAccepting.Cancel();
        _epollAcceptor?.Stop();
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);

        foreach (var transport in LiveConnections()) transport.Close(DisconnectReason.ServerShutdown);
        if (!_drained.Task.IsCompleted && _options.ShutdownTimeout > TimeSpan.Zero)
        {
            using var graceOver = new CancellationTokenSource();
            var grace = Task.Delay(_options.ShutdownTimeout, _options.TimeProvider, graceOver.Token);
            await Task.WhenAny(_drained.Task, grace).ConfigureAwait(false);
            graceOver.Cancel(); // drained first: release the timer
        }
        foreach (var transport in LiveConnections()) transport.Abort(DisconnectReason.ServerShutdown);
        await _drained.Task.ConfigureAwait(false);
        _host.Metrics.Unregister(_host);
        _host.Dispose();
        _stopAccepting.Dispose();
    }

    private SocketTransport[] LiveConnections()
    {
        lock (_connections)
        {
            var live = _connections.ToArray();
            if (live.Length == 0) _drained.TrySetResult();
            return live;
        }
    }
}
