using System;
using System.Net;
using System.Net.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ProtocolSdk.Internal;
using ProtocolSdk.Sockets;

namespace ProtocolSdk.Testing;

/// <summary>
/// Stands in for a server in unit tests, like Twisted's <c>StringTransport</c> plus <c>task.Clock</c>: connections
/// are in memory and time moves only when the test advances <see cref="Clock"/>. Policies shared by the
/// connections of a server (connection counts, shared throttles) are shared by the connections of one host.
/// The generated policy code runs unchanged.
/// </summary>
public sealed class ProtocolTestHost : IDisposable
{
    private readonly System.Collections.Generic.List<TestTransport> _connections = new();
    private readonly System.Collections.Generic.List<TestConnectionPair> _pairs = new();
    private readonly System.Collections.Generic.List<TestStreamConnection> _streams = new();
    private readonly int _receiveBufferSize = new ProtocolServerOptions().ReceiveBufferSize;
    private ConnectionHost? _clientHost;
    private int _nextPort = 40000;

    /// <summary>Creates a host with its own fake clock, starting at 2000-01-01 UTC.</summary>
    public ProtocolTestHost(ILoggerFactory? loggerFactory = null, int highWaterMark = Transport.DefaultHighWaterMark, int lowWaterMark = Transport.DefaultLowWaterMark)
        : this(new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)), loggerFactory, highWaterMark, lowWaterMark)
    {
    }

    /// <summary>Creates a host on the given fake clock.</summary>
    public ProtocolTestHost(FakeTimeProvider clock, ILoggerFactory? loggerFactory = null, int highWaterMark = Transport.DefaultHighWaterMark, int lowWaterMark = Transport.DefaultLowWaterMark)
    {
        Clock = clock ?? throw new ArgumentNullException(nameof(clock));
        Host = new ConnectionHost(clock, loggerFactory, highWaterMark, lowWaterMark);
    }

    /// <summary>
    /// Creates a host on the given fake clock with the connection settings of <paramref name="options"/> (logger,
    /// water marks, <see cref="ProtocolServerOptions.MaxBufferedBytes"/>, <see cref="ProtocolServerOptions.LingerTimeout"/>,
    /// <see cref="ProtocolServerOptions.ClusterStore"/>: hosts given one <see cref="InMemoryClusterStore"/> act as a fleet;
    /// and for pairs <see cref="ProtocolServerOptions.TlsHandshakeTimeout"/> and <see cref="ProtocolServerOptions.ReceiveBufferSize"/>);
    /// its <see cref="ProtocolServerOptions.TimeProvider"/> is ignored in favour of <paramref name="clock"/>.
    /// </summary>
    public ProtocolTestHost(FakeTimeProvider clock, ProtocolServerOptions options)
    {
        Clock = clock ?? throw new ArgumentNullException(nameof(clock));
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Host = new ConnectionHost(clock, options.LoggerFactory, options.HighWaterMark, options.LowWaterMark)
        {
            MaxBufferedBytes = options.MaxBufferedBytes,
            LingerTimeout = options.LingerTimeout,
            ClusterStore = options.ClusterStore,
            TlsHandshakeTimeout = options.TlsHandshakeTimeout,
        };
        _receiveBufferSize = options.ReceiveBufferSize;
    }

    /// <summary>The clock every connection of this host uses; advance it to fire timeouts and refill throttles.</summary>
    public FakeTimeProvider Clock { get; }

    internal ConnectionHost Host { get; }

    /// <summary>Admitted connections still open (as <see cref="ProtocolServer.ConnectionCount"/> counts them).</summary>
    public int ConnectionCount => Host.ActiveConnections;

    /// <summary>Timer entries (timeouts, throttle wake-ups) currently scheduled: zero once every connection closed.</summary>
    public int PendingTimers => Host.Timers.Count;

    /// <summary>
    /// Opens an in-memory connection from <paramref name="remote"/> (default 127.0.0.1 on a fresh port): runs the
    /// admission policies and, if admitted, ConnectionMade. Check <see cref="TestConnection.WasRejected"/>.
    /// </summary>
    public TestConnection Connect(Protocol protocol, IPEndPoint? remote = null)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        remote ??= new IPEndPoint(IPAddress.Loopback, NextPort());
        var transport = new TestTransport(Host, remote, new IPEndPoint(IPAddress.Loopback, 7000));
        _connections.Add(transport);
        transport.Start(protocol);
        return new TestConnection(transport);
    }

    /// <summary>Bytes each direction of a pair holds in flight before the sender waits (the TCP window): 64 KiB by default.</summary>
    public int PairWindow
    {
        get => _pairWindow;
        set => _pairWindow = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The window must be at least one byte.");
    }

    private int _pairWindow = 64 * 1024;

    /// <summary>
    /// Joins a server protocol and a client protocol over memory, in plaintext, on the same transport code as a real
    /// socket (so <see cref="Transport.StartTls(SslServerAuthenticationOptions)"/> works on it). The server end runs
    /// this host's admission policies and shares its policy state with <see cref="Connect(Protocol, IPEndPoint?)"/>;
    /// the client end has its own, as a separate process would, on the same fake clock. Admission and ConnectionMade
    /// of both ends run synchronously in this call; everything after moves asynchronously (see <see cref="TestConnectionPair"/>).
    /// </summary>
    public TestConnectionPair ConnectPair(Protocol server, Protocol client) => ConnectPair(server, client, null, null);

    /// <summary>
    /// Joins a server protocol and a client protocol over memory with TLS from the first byte, as a TLS listener and a
    /// TLS client do: each end's ConnectionMade runs after its handshake (await <see cref="TestConnectionPair.Established"/>),
    /// which runs under <see cref="ProtocolServerOptions.TlsHandshakeTimeout"/> on the fake clock. Admission runs
    /// synchronously in this call, before any TLS work.
    /// </summary>
    public TestConnectionPair ConnectTlsPair(Protocol server, Protocol client, SslServerAuthenticationOptions serverTls, SslClientAuthenticationOptions clientTls)
    {
        ArgumentNullException.ThrowIfNull(serverTls);
        ArgumentNullException.ThrowIfNull(clientTls);
        return ConnectPair(server, client, serverTls, clientTls);
    }

    /// <summary>
    /// Joins two protocols over memory where either end may speak TLS from the first byte (null: plaintext). A TLS
    /// server facing a plaintext client shows what a TLS port does with plaintext, or with a peer that never handshakes.
    /// </summary>
    public TestConnectionPair ConnectPair(Protocol server, Protocol client, SslServerAuthenticationOptions? serverTls, SslClientAuthenticationOptions? clientTls)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(client);
        var serverEndPoint = new IPEndPoint(IPAddress.Loopback, 7000);
        var clientEndPoint = new IPEndPoint(IPAddress.Loopback, NextPort());
        var (serverMedium, clientMedium) = MemoryMedium.CreatePair(serverEndPoint, clientEndPoint, _pairWindow);
        var serverStart = serverTls is null ? null : TlsStart.ForServer(ServerTlsOptions.Prepare(serverTls));
        var clientStart = clientTls is null ? null : TlsStart.ForClient(clientTls);
        var serverTransport = new SocketTransport(serverMedium, Host, _receiveBufferSize, serverStart, reportEstablished: true);
        var clientTransport = new SocketTransport(clientMedium, ClientHost, _receiveBufferSize, clientStart, reportEstablished: true);
        var serverEnd = new TestPairEnd(serverTransport, server, serverTransport.RunAsync(server));
        var clientEnd = new TestPairEnd(clientTransport, client, clientTransport.RunAsync(client));
        var pair = new TestConnectionPair(serverEnd, clientEnd);
        _pairs.Add(pair);
        return pair;
    }

    /// <summary>
    /// Joins a server protocol over memory to a peer the test drives itself as a byte stream
    /// (<see cref="TestStreamConnection.Peer"/>), optionally with TLS on the server end from the first byte. Admission and
    /// (in plaintext) ConnectionMade run synchronously in this call.
    /// </summary>
    public TestStreamConnection ConnectStream(Protocol server, SslServerAuthenticationOptions? serverTls = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var (serverMedium, peerMedium) = MemoryMedium.CreatePair(new IPEndPoint(IPAddress.Loopback, 7000), new IPEndPoint(IPAddress.Loopback, NextPort()), _pairWindow);
        var serverStart = serverTls is null ? null : TlsStart.ForServer(ServerTlsOptions.Prepare(serverTls));
        var transport = new SocketTransport(serverMedium, Host, _receiveBufferSize, serverStart, reportEstablished: true);
        var end = new TestPairEnd(transport, server, transport.RunAsync(server));
        var connection = new TestStreamConnection(end, new SocketStream(peerMedium, transport: null, ownsMedium: true));
        _streams.Add(connection);
        return connection;
    }

    /// <summary>The client ends' host: their own policy state and counts, this host's clock, timer wheel and settings.</summary>
    private ConnectionHost ClientHost => _clientHost ??= new ConnectionHost(Clock, Host.LoggerFactory, Host.HighWaterMark, Host.LowWaterMark, Host.Timers)
    {
        MaxBufferedBytes = Host.MaxBufferedBytes,
        LingerTimeout = Host.LingerTimeout,
        TlsHandshakeTimeout = Host.TlsHandshakeTimeout,
    };

    /// <summary>Opens a connection from the given address (a fresh port each time).</summary>
    public TestConnection Connect(Protocol protocol, string remoteAddress) =>
        Connect(protocol, new IPEndPoint(IPAddress.Parse(remoteAddress), NextPort()));

    /// <summary>A fresh source port, wrapping around after 65535 like a real ephemeral range (a long test makes more connections than ports).</summary>
    private int NextPort()
    {
        int port = _nextPort;
        _nextPort = port >= IPEndPoint.MaxPort ? 40000 : port + 1;
        return port;
    }

    /// <summary>Advances the clock by <paramref name="delay"/> in steps of the timer resolution so every due timer fires in order.</summary>
    public void Advance(TimeSpan delay)
    {
        if (delay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(delay), delay, "Time only moves forward.");
        var step = TimeSpan.FromMilliseconds(10);
        while (delay > TimeSpan.Zero)
        {
            var next = delay < step ? delay : step;
            Clock.Advance(next);
            delay -= next;
        }
    }

    /// <summary>Closes every connection still open (reason <see cref="DisconnectKind.ServerShutdown"/>), like a server's dispose, then stops the timers.</summary>
    public void Dispose()
    {
        foreach (var transport in _connections)
        {
            transport.Abort(DisconnectReason.ServerShutdown);
        }
        _connections.Clear();
        foreach (var pair in _pairs)
        {
            pair.Dispose();
        }
        _pairs.Clear();
        foreach (var stream in _streams)
        {
            stream.Dispose();
        }
        _streams.Clear();
        _clientHost?.Dispose();
        Host.Dispose();
    }
}
