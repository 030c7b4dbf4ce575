using System;
using System.Net.Security;
using Microsoft.Extensions.Logging;

namespace ProtocolSdk;

/// <summary>Settings of a <see cref="ProtocolServer"/> or a client connection. Every setting has a working default.</summary>
public sealed class ProtocolServerOptions
{
    /// <summary>The clock for timeouts and throttles; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where callback errors and traffic logs go; none by default.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Pending-connection queue length passed to listen(); default 512.</summary>
    public int Backlog { get; set; } = 512;

    /// <summary>
    /// Size of the pooled buffer one read fills, in bytes; default 64 KiB. It is rented only while data is being read
    /// (an idle connection holds none), so the size costs no memory per connection; a larger read means fewer system
    /// calls and callbacks per byte (16 KiB reads cost about 40 % of the throughput on 16 KiB messages over loopback).
    /// </summary>
    public int ReceiveBufferSize { get; set; } = DefaultReceiveBufferSize;

    /// <summary>Default <see cref="ReceiveBufferSize"/>: 64 KiB.</summary>
    public const int DefaultReceiveBufferSize = 64 * 1024;

    /// <summary>Buffered-output size that pauses the producer (or reading); default 64 KiB.</summary>
    public int HighWaterMark { get; set; } = Transport.DefaultHighWaterMark;

    /// <summary>Buffered-output size at which it resumes; default 16 KiB.</summary>
    public int LowWaterMark { get; set; } = Transport.DefaultLowWaterMark;

    /// <summary>Default <see cref="MaxBufferedBytes"/> as a multiple of <see cref="HighWaterMark"/>: 128 (8 MiB at the default mark).</summary>
    public const int DefaultMaxBufferedMultiple = 128;

    private long? _maxBufferedBytes;

    /// <summary>
    /// Hard cap on output queued for one connection (written but not yet taken by the network). A write that would
    /// pass it aborts the connection with <see cref="DisconnectKind.PolicyViolation"/> ("buffered output exceeded
    /// MaxBufferedBytes"): a peer that never reads cannot grow the server without bound. Default
    /// <see cref="DefaultMaxBufferedMultiple"/> x <see cref="HighWaterMark"/> (8 MiB), so a multi-megabyte reply written
    /// at once still fits; must be at least <see cref="HighWaterMark"/>.
    /// </summary>
    public long MaxBufferedBytes
    {
        get => _maxBufferedBytes ?? (long)DefaultMaxBufferedMultiple * HighWaterMark;
        set => _maxBufferedBytes = value;
    }

    /// <summary>
    /// How long a graceful close (<see cref="Transport.LoseConnection"/>, or the peer's end of stream) may take in all:
    /// flushing buffered output, then, after our FIN, reading and discarding input until the peer closes too. Past it
    /// the connection is closed at once and its slot released; output not yet flushed by then is dropped and the
    /// reason becomes <see cref="DisconnectKind.TimedOut"/>. Default 5 s.
    /// </summary>
    public TimeSpan LingerTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long <see cref="ProtocolServer.DisposeAsync"/> lets open connections finish gracefully (as if each called
    /// <see cref="Transport.LoseConnection"/>, with reason <see cref="DisconnectKind.ServerShutdown"/>) before it aborts
    /// the rest. Default 5 s; <see cref="TimeSpan.Zero"/> aborts at once.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// TLS for a <see cref="ProtocolServer"/>: when set, the listener speaks TLS from the first byte; admission
    /// (<c>[PeerFilter]</c>, <c>[MaxConnections]</c>) runs before any TLS work, and <see cref="Protocol.ConnectionMade"/>
    /// runs only after the handshake succeeded (then <see cref="Transport.Tls"/> is set). A failed or timed-out handshake
    /// (or plaintext sent to the port) closes the connection, is logged and counted, and never reaches the protocol.
    /// With a <see cref="SslServerAuthenticationOptions.ServerCertificate"/> and no context or selection callback, the
    /// server builds one <see cref="SslStreamCertificateContext"/> for all its connections. Default null (plaintext).
    /// </summary>
    public SslServerAuthenticationOptions? Tls { get; set; }

    /// <summary>Default <see cref="TlsHandshakeTimeout"/>: 10 s.</summary>
    public static readonly TimeSpan DefaultTlsHandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Absolute deadline of a TLS handshake, counted from accept (or from <see cref="Transport.StartTls(SslServerAuthenticationOptions)"/>),
    /// separate from <c>[Timeout]</c>: a peer trickling handshake bytes cannot extend it. Default 10 s.
    /// </summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = DefaultTlsHandshakeTimeout;

    /// <summary>
    /// TLS for <see cref="ProtocolClient"/>: when set, the client handshakes right after connecting
    /// (<see cref="SslClientAuthenticationOptions.TargetHost"/>, validation callback, client certificates) and
    /// <see cref="Protocol.ConnectionMade"/> runs after it. Default null (plaintext).
    /// </summary>
    public SslClientAuthenticationOptions? ClientTls { get; set; }

    /// <summary>
    /// The store shared by a fleet of server instances for policies declared with <c>ClusterWide = true</c>
    /// (see <see cref="IClusterStore"/>; <c>ProtocolSdk.Redis</c> provides one on Redis). Required when the protocol
    /// declares one: <see cref="ProtocolServer.ListenTcpAsync{TProtocol}(System.Net.IPEndPoint, ProtocolServerOptions?, System.Threading.CancellationToken)"/>
    /// fails without it. Default null.
    /// </summary>
    public IClusterStore? ClusterStore { get; set; }

    /// <summary>
    /// The I/O engine: <see cref="IoEngine.Default"/> (the SDK's epoll loops on Linux, the runtime's sockets engine
    /// elsewhere), or one chosen explicitly. <see cref="IoEngine.Epoll"/> on another OS fails validation.
    /// </summary>
    public IoEngine IoEngine { get; set; } = IoEngine.Default;

    /// <summary>Test seam: replaces the listener's accept call (to inject accept failures).</summary>
    internal Func<System.Net.Sockets.Socket, System.Threading.CancellationToken, System.Threading.Tasks.ValueTask<System.Net.Sockets.Socket>>? AcceptSocket { get; set; }

    /// <summary>Test seam: the descriptor budget accepted sockets count against (default: the process's).</summary>
    internal ProtocolSdk.Internal.DescriptorBudget? DescriptorBudget { get; set; }

    /// <summary>The engine <see cref="IoEngine"/> resolves to on this machine (Default: epoll where it works).</summary>
    internal IoEngine ResolvedIoEngine =>
        IoEngine switch
        {
            IoEngine.Default => Sockets.Epoll.EpollEngine.IsAvailable ? IoEngine.Epoll : IoEngine.Sockets,
            _ => IoEngine,
        };

    /// <summary>The medium for a connected socket on the chosen engine (<paramref name="local"/>: its local end, when known).</summary>
    internal Sockets.ConnectionMedium CreateMedium(System.Net.Sockets.Socket socket, System.Net.IPEndPoint? local = null) =>
        ResolvedIoEngine == IoEngine.Epoll ? Sockets.Epoll.EpollEngine.Shared.CreateMedium(socket) : new Sockets.SocketMedium(socket, local);

    internal void Validate()
    {
        if (IoEngine is < IoEngine.Default or > IoEngine.Epoll)
            throw new ArgumentOutOfRangeException(nameof(IoEngine), IoEngine, "IoEngine must be Default, Sockets or Epoll.");
        if (IoEngine == IoEngine.Epoll && !OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("IoEngine.Epoll needs Linux; use IoEngine.Default or IoEngine.Sockets on this OS.");
        if (TimeProvider is null) throw new ArgumentException("TimeProvider must not be null.", nameof(TimeProvider));
        if (Backlog <= 0) throw new ArgumentOutOfRangeException(nameof(Backlog), Backlog, "Backlog must be positive.");
        if (ReceiveBufferSize < 256) throw new ArgumentOutOfRangeException(nameof(ReceiveBufferSize), ReceiveBufferSize, "ReceiveBufferSize must be at least 256 bytes.");
        if (HighWaterMark <= 0) throw new ArgumentOutOfRangeException(nameof(HighWaterMark), HighWaterMark, "HighWaterMark must be positive.");
        if (LowWaterMark < 0 || LowWaterMark > HighWaterMark)
            throw new ArgumentOutOfRangeException(nameof(LowWaterMark), LowWaterMark, "LowWaterMark must be between 0 and HighWaterMark.");
        if (MaxBufferedBytes < HighWaterMark)
            throw new ArgumentOutOfRangeException(nameof(MaxBufferedBytes), MaxBufferedBytes, "MaxBufferedBytes must be at least HighWaterMark.");
        if (LingerTimeout <= TimeSpan.Zero || LingerTimeout > TimeSpan.FromDays(1))
            throw new ArgumentOutOfRangeException(nameof(LingerTimeout), LingerTimeout, "LingerTimeout must be positive and at most a day.");
        if (ShutdownTimeout < TimeSpan.Zero || ShutdownTimeout > TimeSpan.FromDays(1))
            throw new ArgumentOutOfRangeException(nameof(ShutdownTimeout), ShutdownTimeout, "ShutdownTimeout must be between zero and a day.");
        if (TlsHandshakeTimeout <= TimeSpan.Zero || TlsHandshakeTimeout > TimeSpan.FromDays(1))
            throw new ArgumentOutOfRangeException(nameof(TlsHandshakeTimeout), TlsHandshakeTimeout, "TlsHandshakeTimeout must be positive and at most a day.");
    }
}
