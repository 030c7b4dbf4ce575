using System;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ProtocolSdk.Internal;

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
    /// <see cref="ProtocolServerOptions.ClusterStore"/>: hosts given one <see cref="InMemoryClusterStore"/> act as a fleet);
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
        };
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
        Host.Dispose();
    }
}
