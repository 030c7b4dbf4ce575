using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;

namespace ProtocolSdk.Internal;

/// <summary>
/// The SDK's instruments on the <c>ProtocolSdk</c> meter. Counters are cheap no-ops when nothing listens.
/// </summary>
internal sealed class ProtocolMetrics
{
    public const string MeterName = "ProtocolSdk";

    public static readonly ProtocolMetrics Instance = new();

    private readonly Meter _meter = new(MeterName, "1.0");
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _bytesRead;
    private readonly Counter<long> _bytesWritten;
    private readonly Counter<long> _timeouts;
    private readonly Counter<long> _throttlePauses;
    private readonly Counter<long> _closed;
    private readonly Counter<long> _outputOverflows;
    private readonly Counter<long> _acceptErrors;
    private readonly Counter<long> _tlsHandshakeFailures;
    private readonly Counter<long> _loopStalls;
    private static readonly string[] KindNames = Enum.GetNames<DisconnectKind>();
    private readonly List<ServerGauge> _servers = new(); // one active-connections series per listening server

    private ProtocolMetrics()
    {
        _meter.CreateObservableUpDownCounter("protocolsdk.connections.active", ObserveActive, "{connection}", "Admitted connections still open, per server; tags 'protocol' (type name) and 'endpoint' (where it listens).");
        _accepted = _meter.CreateCounter<long>("protocolsdk.connections.accepted", "{connection}", "Connections admitted (including overflow).");
        _rejected = _meter.CreateCounter<long>("protocolsdk.connections.rejected", "{connection}", "Connections closed by an admission policy; tag 'reason'.");
        _bytesRead = _meter.CreateCounter<long>("protocolsdk.bytes.read", "By", "Bytes received.");
        _bytesWritten = _meter.CreateCounter<long>("protocolsdk.bytes.written", "By", "Bytes handed to the network.");
        _timeouts = _meter.CreateCounter<long>("protocolsdk.timeouts", "{timeout}", "Idle timeouts fired.");
        _throttlePauses = _meter.CreateCounter<long>("protocolsdk.throttle.pauses", "{pause}", "Reads paused by a read throttle.");
        _outputOverflows = _meter.CreateCounter<long>("protocolsdk.output.overflows", "{connection}", "Connections aborted because their queued output passed MaxBufferedBytes.");
        _acceptErrors = _meter.CreateCounter<long>("protocolsdk.accept.errors", "{error}", "Failed accept calls, and accept pauses at the descriptor budget; tag 'error' is the SocketError or 'DescriptorBudget'.");
        _tlsHandshakeFailures = _meter.CreateCounter<long>("protocolsdk.tls.handshake_failures", "{connection}", "TLS handshakes that failed or passed TlsHandshakeTimeout; tag 'reason' is 'timeout' or 'error'.");
        _loopStalls = _meter.CreateCounter<long>("protocolsdk.loop.stalls", "{stall}", "Epoll loops that ran one batch of callbacks for longer than 200 ms (a blocking callback); tag 'protocol' is the type whose callback held the loop.");
        _closed = _meter.CreateCounter<long>("protocolsdk.connections.closed", "{connection}", "Connections closed after ConnectionMade; tag 'reason' is the DisconnectKind.");
    }

    /// <summary>Adds a server's active-connections series to the gauge until <see cref="Unregister"/>.</summary>
    public void Register(ConnectionHost host, string protocol, string endpoint)
    {
        lock (_servers) _servers.Add(new ServerGauge(host, protocol, endpoint));
    }

    public void Unregister(ConnectionHost host)
    {
        lock (_servers) _servers.RemoveAll(gauge => ReferenceEquals(gauge.Host, host));
    }

    private IEnumerable<Measurement<long>> ObserveActive()
    {
        lock (_servers)
        {
            var measurements = new Measurement<long>[_servers.Count];
            for (int i = 0; i < measurements.Length; i++)
            {
                var gauge = _servers[i];
                measurements[i] = new Measurement<long>(gauge.Host.ActiveConnections,
                    new KeyValuePair<string, object?>("protocol", gauge.Protocol), new KeyValuePair<string, object?>("endpoint", gauge.Endpoint));
            }
            return measurements;
        }
    }

    private sealed record ServerGauge(ConnectionHost Host, string Protocol, string Endpoint);

    public void Accepted() => _accepted.Add(1);

    public void OutputOverflowed() => _outputOverflows.Add(1);

    public void AcceptPaused() => _acceptErrors.Add(1, new KeyValuePair<string, object?>("error", "DescriptorBudget"));

    public void AcceptFailed(string error) => _acceptErrors.Add(1, new KeyValuePair<string, object?>("error", error));

    public void Closed(DisconnectKind kind)
    {
        if (_closed.Enabled)
        {
            int index = (int)kind;
            string name = (uint)index < (uint)KindNames.Length ? KindNames[index] : "Unknown";
            _closed.Add(1, new KeyValuePair<string, object?>("reason", name));
        }
    }

    public void Rejected(string? reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason ?? "rejected"));

    public void Overflowed(string? reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", "overflow: " + reason));

    public void BytesRead(long n) => _bytesRead.Add(n);

    public void BytesWritten(long n) => _bytesWritten.Add(n);

    public void TlsHandshakeFailed(string reason) => _tlsHandshakeFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void LoopStalled(string protocol) => _loopStalls.Add(1, new KeyValuePair<string, object?>("protocol", protocol));

    public void TimedOut() => _timeouts.Add(1);

    public void ThrottlePaused() => _throttlePauses.Add(1);
}
