using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using ProtocolSdk.Internal;
using ProtocolSdk.Sockets;

namespace ProtocolSdk;

/// <summary>
/// A TCP server that serves each accepted connection with a new protocol instance. Dispose it to stop
/// accepting, close every connection and wait until every <see cref="Protocol.ConnectionLost"/> has run.
/// </summary>
public sealed class ProtocolServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Protocol> _factory;
    private readonly ConnectionHost _host;
    private readonly ProtocolServerOptions _options;
    private readonly HashSet<SocketTransport> _connections = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _acceptLoop;
    private int _disposed;

    private ProtocolServer(Socket listener, Func<Protocol> factory, ProtocolServerOptions options)
    {
        _listener = listener;
        _factory = factory;
        _options = options;
        _host = new ConnectionHost(options.TimeProvider, options.LoggerFactory, options.HighWaterMark, options.LowWaterMark);
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Where the server listens; with port 0 this holds the port the system chose.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Live connections (accepted and not yet closed, including ones being rejected right now).</summary>
    public int ConnectionCount
    {
        get { lock (_connections) return _connections.Count; }
    }

    /// <summary>
    /// Deadlines currently scheduled on the server's timer wheel (idle timeouts, throttle wake-ups, rate checks):
    /// zero once every connection has closed. For health checks and leak tests.
    /// </summary>
    public int PendingTimers => _host.Timers.Count;

    /// <summary>Listens on <paramref name="endpoint"/> and serves each connection with a new <typeparamref name="TProtocol"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="endpoint"/> is null.</exception>
    /// <exception cref="SocketException">The address is in use or not available.</exception>
    public static Task<ProtocolServer> ListenTcpAsync<TProtocol>(IPEndPoint endpoint, ProtocolServerOptions? options = null, CancellationToken cancellationToken = default)
        where TProtocol : Protocol, new() =>
        ListenTcpAsync(endpoint, static () => new TProtocol(), options, cancellationToken);

    /// <summary>Listens on <paramref name="endpoint"/> and serves each connection with a protocol made by <paramref name="factory"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="endpoint"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="SocketException">The address is in use or not available.</exception>
    public static Task<ProtocolServer> ListenTcpAsync<TProtocol>(IPEndPoint endpoint, Func<TProtocol> factory, ProtocolServerOptions? options = null, CancellationToken cancellationToken = default)
        where TProtocol : Protocol
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(factory);
        cancellationToken.ThrowIfCancellationRequested();
        options ??= new ProtocolServerOptions();
        options.Validate();

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
        catch
        {
            listener.Dispose();
            throw;
        }
        return Task.FromResult(new ProtocolServer(listener, factory, options));
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                if (Volatile.Read(ref _disposed) != 0) return;
                if (ex is SocketException se && IsTransientAcceptError(se.SocketErrorCode))
                {
                    Log.AcceptFailed(_host.Logger, ex);
                    continue;
                }
                Log.AcceptFailed(_host.Logger, ex);
                return;
            }
            StartConnection(socket);
        }
    }

    private static bool IsTransientAcceptError(SocketError error) =>
        error is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.TooManyOpenSockets
            or SocketError.NoBufferSpaceAvailable or SocketError.Interrupted;

    private void StartConnection(Socket socket)
    {
        SocketTransport transport;
        try
        {
            transport = new SocketTransport(socket, _host, _options.ReceiveBufferSize);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            socket.Dispose(); // the peer left before we looked at it
            return;
        }

        lock (_connections)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                socket.Dispose();
                return;
            }
            _connections.Add(transport);
        }
        // Run on the thread pool so a slow ConnectionMade never holds up accepting.
        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Server.RunConnectionAsync(state.Transport), (Server: this, Transport: transport), preferLocal: false);
    }

    private async Task RunConnectionAsync(SocketTransport transport)
    {
        try
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
                return;
            }
            await transport.RunAsync(protocol).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Never let one connection take the server down.
            Log.AcceptFailed(_host.Logger, ex);
        }
        finally
        {
            bool last;
            lock (_connections)
            {
                _connections.Remove(transport);
                last = _connections.Count == 0 && Volatile.Read(ref _disposed) != 0;
            }
            if (last) _drained.TrySetResult();
        }
    }

    /// <summary>Stops accepting, aborts every connection and returns when every ConnectionLost has run.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _drained.Task.ConfigureAwait(false);
            return;
        }
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);

        SocketTransport[] live;
        lock (_connections)
        {
            live = new SocketTransport[_connections.Count];
            _connections.CopyTo(live);
            if (live.Length == 0) _drained.TrySetResult();
        }
        foreach (var transport in live)
        {
            transport.Abort(DisconnectReason.ServerShutdown);
        }
        await _drained.Task.ConfigureAwait(false);
        _host.Dispose();
    }
}
