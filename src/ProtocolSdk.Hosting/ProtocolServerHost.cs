using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ProtocolSdk.Hosting;

/// <summary>
/// Runs the <see cref="ProtocolServer"/>s of one protocol type inside the generic host: listens on every configured
/// endpoint when the host starts and disposes the servers (closing every connection, so each
/// <see cref="Protocol.ConnectionLost"/> runs) when it stops. Registered as a singleton and as an
/// <see cref="IHostedService"/> by <c>AddProtocolServer&lt;TProtocol&gt;</c>; inject it to read the bound endpoints.
/// </summary>
/// <typeparam name="TProtocol">The protocol served on every connection.</typeparam>
public sealed class ProtocolServerHost<TProtocol> : IHostedService, IAsyncDisposable
    where TProtocol : Protocol
{
    private readonly Func<TProtocol> _factory;
    private readonly ProtocolServerHostOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private ProtocolServer[] _servers = Array.Empty<ProtocolServer>();
    private IPEndPoint[] _endPoints = Array.Empty<IPEndPoint>();
    private Task? _stopping;
    private readonly IClusterStore? _clusterStore;

    /// <summary>Creates the host part; normally done by the service container.</summary>
    /// <param name="factory">Makes one protocol instance per connection.</param>
    /// <param name="options">Endpoints and server settings.</param>
    /// <param name="loggerFactory">Receives the servers' logs (callback errors, traffic logs); none when null.</param>
    /// <param name="timeProvider">The servers' clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="clusterStore">
    /// The store for ClusterWide policies when <see cref="ProtocolServerHostOptions.ClusterStore"/> is not set (the
    /// container's <see cref="IClusterStore"/>, for example ProtocolSdk.Redis's <c>AddRedisClusterStore</c>).
    /// </param>
    public ProtocolServerHost(Func<TProtocol> factory, ProtocolServerHostOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IClusterStore? clusterStore = null)
    {
        _clusterStore = options?.ClusterStore ?? clusterStore;
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        _factory = factory;
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = _loggerFactory.CreateLogger("ProtocolSdk.Hosting.ProtocolServerHost");
    }

    /// <summary>The name of the named options that configure this protocol's server: the protocol type's full name.</summary>
    public static string OptionsName { get; } = typeof(TProtocol).FullName ?? typeof(TProtocol).Name;

    /// <summary>Where the servers listen, in the order of <see cref="ProtocolServerHostOptions.Endpoints"/>, with the
    /// ports the system chose for port 0. Empty before the host started and after it stopped.</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints => Volatile.Read(ref _endPoints);

    /// <summary>The running servers (empty before start and after stop).</summary>
    public IReadOnlyList<ProtocolServer> Servers => Volatile.Read(ref _servers);

    /// <summary>Live connections over all endpoints.</summary>
    public int ConnectionCount
    {
        get
        {
            int total = 0;
            foreach (var server in Volatile.Read(ref _servers)) total += server.ConnectionCount;
            return total;
        }
    }

    /// <summary>Listens on every configured endpoint. If one fails, the ones already listening are closed and the error is thrown.</summary>
    /// <exception cref="System.IO.IOException">An address is in use or not available; the message names the endpoint.</exception>
    /// <exception cref="InvalidOperationException">The servers are already running.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_servers.Length != 0) throw new InvalidOperationException($"The {typeof(TProtocol).Name} servers are already running.");
        }

        var endpoints = _options.Endpoints.Count == 0 ? new List<IPEndPoint> { ProtocolServerHostOptions.DefaultEndpoint } : new List<IPEndPoint>(_options.Endpoints);
        var serverOptions = new ProtocolServerOptions
        {
            LoggerFactory = _loggerFactory,
            TimeProvider = _timeProvider,
            Backlog = _options.Backlog,
            IoEngine = _options.IoEngine,
            ReceiveBufferSize = _options.ReceiveBufferSize,
            HighWaterMark = _options.HighWaterMark,
            LowWaterMark = _options.LowWaterMark,
            LingerTimeout = _options.LingerTimeout,
            ShutdownTimeout = _options.ShutdownTimeout,
            ClusterStore = _clusterStore,
        };
        if (_options.MaxBufferedBytes is { } cap) serverOptions.MaxBufferedBytes = cap;

        var started = new List<ProtocolServer>(endpoints.Count);
        IPEndPoint? failing = null;
        try
        {
            foreach (var endpoint in endpoints)
            {
                cancellationToken.ThrowIfCancellationRequested();
                failing = endpoint;
                var server = await ProtocolServer.ListenTcpAsync(endpoint, _factory, serverOptions, cancellationToken).ConfigureAwait(false);
                started.Add(server);
                Log.Listening(_logger, typeof(TProtocol).Name, server.LocalEndPoint);
            }
        }
        catch (Exception ex)
        {
            Log.StartFailed(_logger, typeof(TProtocol).Name, failing, ex.Message, ex);
            foreach (var server in started) await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var bound = new IPEndPoint[started.Count];
        for (int i = 0; i < bound.Length; i++) bound[i] = started[i].LocalEndPoint;
        lock (_gate)
        {
            _servers = started.ToArray();
            _endPoints = bound;
            _stopping = null;
        }
    }

    /// <summary>
    /// Stops accepting and closes every connection gracefully (flush, FIN; after
    /// <see cref="ProtocolServerHostOptions.ShutdownTimeout"/> the rest are aborted; each <see cref="Protocol.ConnectionLost"/>
    /// runs with <see cref="DisconnectKind.ServerShutdown"/>). Returns when all servers are drained, or earlier when
    /// <paramref name="cancellationToken"/> fires (the host's shutdown timeout): draining then goes on in the background.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task stopping;
        lock (_gate)
        {
            if (_stopping is null)
            {
                var servers = _servers;
                _servers = Array.Empty<ProtocolServer>();
                _endPoints = Array.Empty<IPEndPoint>();
                _stopping = servers.Length == 0 ? Task.CompletedTask : DisposeAllAsync(servers);
            }
            stopping = _stopping;
        }
        try
        {
            await stopping.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.StopTimedOut(_logger, typeof(TProtocol).Name);
        }
    }

    private async Task DisposeAllAsync(ProtocolServer[] servers)
    {
        var tasks = new Task[servers.Length];
        for (int i = 0; i < servers.Length; i++)
        {
            Log.Stopping(_logger, typeof(TProtocol).Name, servers[i].LocalEndPoint, servers[i].ConnectionCount);
            tasks[i] = servers[i].DisposeAsync().AsTask();
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>Stops the servers if the host did not (for example when the container is disposed without a stop).</summary>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);
}

internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "{Protocol} server listening on {EndPoint}.")]
    public static partial void Listening(ILogger logger, string protocol, IPEndPoint endPoint);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "{Protocol} server failed to start on {EndPoint}: {Reason}")]
    public static partial void StartFailed(ILogger logger, string protocol, IPEndPoint? endPoint, string reason, Exception exception);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "{Protocol} server on {EndPoint} stopping; closing {Connections} connection(s).")]
    public static partial void Stopping(ILogger logger, string protocol, IPEndPoint endPoint, int connections);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "{Protocol} servers did not drain before the host's shutdown timeout; closing goes on in the background.")]
    public static partial void StopTimedOut(ILogger logger, string protocol);
}
