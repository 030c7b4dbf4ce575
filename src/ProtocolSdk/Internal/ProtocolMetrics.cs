using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;

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
    private static readonly string[] KindNames = Enum.GetNames<DisconnectKind>();
    private long _active;

    private ProtocolMetrics()
    {
        _meter.CreateObservableUpDownCounter("protocolsdk.connections.active", () => Volatile.Read(ref _active), "{connection}", "Open connections.");
        _accepted = _meter.CreateCounter<long>("protocolsdk.connections.accepted", "{connection}", "Connections admitted (including overflow).");
        _rejected = _meter.CreateCounter<long>("protocolsdk.connections.rejected", "{connection}", "Connections closed by an admission policy; tag 'reason'.");
        _bytesRead = _meter.CreateCounter<long>("protocolsdk.bytes.read", "By", "Bytes received.");
        _bytesWritten = _meter.CreateCounter<long>("protocolsdk.bytes.written", "By", "Bytes handed to the network.");
        _timeouts = _meter.CreateCounter<long>("protocolsdk.timeouts", "{timeout}", "Idle timeouts fired.");
        _throttlePauses = _meter.CreateCounter<long>("protocolsdk.throttle.pauses", "{pause}", "Reads paused by a read throttle.");
        _closed = _meter.CreateCounter<long>("protocolsdk.connections.closed", "{connection}", "Connections closed after ConnectionMade; tag 'reason' is the DisconnectKind.");
    }

    public long Active => Volatile.Read(ref _active);

    public void Accepted()
    {
        Interlocked.Increment(ref _active);
        _accepted.Add(1);
    }

    public void Closed(DisconnectKind kind)
    {
        Interlocked.Decrement(ref _active);
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

    public void TimedOut() => _timeouts.Add(1);

    public void ThrottlePaused() => _throttlePauses.Add(1);
}
