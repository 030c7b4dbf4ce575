using System.Collections.Generic;
using System.Net;

namespace ProtocolSdk.Hosting;

/// <summary>
/// Settings of a protocol server run by the generic host (see
/// <see cref="ProtocolServerServiceCollectionExtensions.AddProtocolServer{TProtocol}(Microsoft.Extensions.DependencyInjection.IServiceCollection, System.Action{ProtocolServerHostOptions})"/>).
/// Every setting has a working default.
/// </summary>
public sealed class ProtocolServerHostOptions
{
    /// <summary>The endpoint used when <see cref="Endpoints"/> is left empty: 127.0.0.1:7000.</summary>
    public static IPEndPoint DefaultEndpoint => new(IPAddress.Loopback, 7000);

    /// <summary>
    /// Where to listen; one server per endpoint, all serving the same protocol type. Port 0 picks a free port
    /// (read it back from <see cref="ProtocolServerHost{TProtocol}.LocalEndPoints"/>). When the list is empty at
    /// start, the server listens on <see cref="DefaultEndpoint"/> (127.0.0.1:7000).
    /// </summary>
    public IList<IPEndPoint> Endpoints { get; } = new List<IPEndPoint>();

    /// <summary>Pending-connection queue length passed to listen(); see <see cref="ProtocolServerOptions.Backlog"/>.</summary>
    public int Backlog { get; set; } = 512;

    /// <summary>The I/O engine; see <see cref="ProtocolServerOptions.IoEngine"/> (default: epoll on Linux).</summary>
    public IoEngine IoEngine { get; set; } = IoEngine.Default;

    /// <summary>Receive buffer size in bytes; see <see cref="ProtocolServerOptions.ReceiveBufferSize"/>.</summary>
    public int ReceiveBufferSize { get; set; } = ProtocolServerOptions.DefaultReceiveBufferSize;

    /// <summary>Buffered-output size that pauses the producer; see <see cref="ProtocolServerOptions.HighWaterMark"/>.</summary>
    public int HighWaterMark { get; set; } = Transport.DefaultHighWaterMark;

    /// <summary>Buffered-output size at which it resumes; see <see cref="ProtocolServerOptions.LowWaterMark"/>.</summary>
    public int LowWaterMark { get; set; } = Transport.DefaultLowWaterMark;

    /// <summary>Hard cap on one connection's queued output; null = the default (see <see cref="ProtocolServerOptions.MaxBufferedBytes"/>).</summary>
    public long? MaxBufferedBytes { get; set; }

    /// <summary>How long a graceful close may take; see <see cref="ProtocolServerOptions.LingerTimeout"/>. Default 5 s.</summary>
    public System.TimeSpan LingerTimeout { get; set; } = System.TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the host's stop lets connections finish gracefully before they are aborted; see
    /// <see cref="ProtocolServerOptions.ShutdownTimeout"/>. Default 5 s: keep it below the generic host's own
    /// <c>HostOptions.ShutdownTimeout</c> (30 s by default) so every <see cref="Protocol.ConnectionLost"/> runs before the host gives up.
    /// </summary>
    public System.TimeSpan ShutdownTimeout { get; set; } = System.TimeSpan.FromSeconds(5);

    /// <summary>
    /// The store for ClusterWide policies (see <see cref="ProtocolServerOptions.ClusterStore"/>); when null, the
    /// container's <see cref="IClusterStore"/> registration is used, if any.
    /// </summary>
    public IClusterStore? ClusterStore { get; set; }
}
