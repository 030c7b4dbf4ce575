using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;

namespace ProtocolSdk.Redis.Internal;

/// <summary>Which store call a measurement belongs to (tag <c>operation</c>).</summary>
internal enum StoreOperation
{
    Slots,
    Budget,
    Renew,
    Release,
}

/// <summary>Why a call was answered with the failure mode (tag <c>reason</c>).</summary>
internal enum FallbackReason
{
    Timeout,
    Error,
    CircuitOpen,
    Disposed,
}

/// <summary>How a Redis call ended (tag <c>outcome</c>).</summary>
internal enum CallOutcome
{
    Ok,
    Error,
    Timeout,
}

/// <summary>
/// The store's instruments on the <c>ProtocolSdk.Redis</c> meter (one meter per store; counters cost nothing when no
/// listener is attached). Tag values are cached strings, so recording allocates nothing.
/// </summary>
internal sealed class StoreMetrics : IDisposable
{
    public const string MeterName = "ProtocolSdk.Redis";

    private static readonly string[] OperationNames = ["slots", "budget", "renew", "release"];
    private static readonly string[] ReasonNames = ["timeout", "error", "circuit_open", "disposed"];
    private static readonly string[] OutcomeNames = ["ok", "error", "timeout"];
    private static readonly string[] ModeNames = ["fail_local", "fail_open", "fail_closed"];
    private static readonly string[] DecisionNames = ["granted", "refused", "use_local"];

    private readonly bool _ownsMeter;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _operations;
    private readonly Histogram<double> _admission;
    private readonly string _mode;

    /// <param name="meterFactory">Creates the meter; a plain <see cref="System.Diagnostics.Metrics.Meter"/> (owned, disposed with the store) when null.</param>
    /// <param name="mode">The failure mode, the fallbacks' <c>mode</c> tag.</param>
    /// <param name="liveLeases">How many leases the store holds now (observed on collection).</param>
    /// <param name="breakerOpen">Whether the circuit breaker stops calls now (open or half-open).</param>
    public StoreMetrics(IMeterFactory? meterFactory, ClusterFailureMode mode, Func<int> liveLeases, Func<bool> breakerOpen)
    {
        _ownsMeter = meterFactory is null;
        Meter = meterFactory?.Create(MeterName, "1.0") ?? new Meter(MeterName, "1.0");
        _mode = ModeNames[(int)mode];
        _fallbacks = Meter.CreateCounter<long>("protocolsdk.cluster.fallbacks", "{decision}", "Store answers given by the failure mode instead of Redis; tags 'operation' (slots, budget), 'mode' and 'reason' (timeout, error, circuit_open, disposed).");
        _operations = Meter.CreateCounter<long>("protocolsdk.cluster.operations", "{call}", "Redis calls made by the store; tags 'operation' (slots, budget, renew, release) and 'outcome' (ok, error, timeout).");
        _admission = Meter.CreateHistogram<double>("protocolsdk.cluster.admission.duration", "ms", "Time TryAcquireSlotsAsync took, Redis round trip included; tag 'decision'.");
        Meter.CreateObservableUpDownCounter("protocolsdk.cluster.leases", liveLeases, "{lease}", "Connection leases this store holds and renews (including those noted while Redis was unreachable).");
        Meter.CreateObservableGauge("protocolsdk.cluster.breaker.open", () => breakerOpen() ? 1 : 0, "{state}", "1 while the circuit breaker answers without Redis (open or half-open), else 0.");
    }

    public Meter Meter { get; }

    public void Fallback(StoreOperation operation, FallbackReason reason) =>
        _fallbacks.Add(1,
            new KeyValuePair<string, object?>("operation", OperationNames[(int)operation]),
            new KeyValuePair<string, object?>("mode", _mode),
            new KeyValuePair<string, object?>("reason", ReasonNames[(int)reason]));

    public void Call(StoreOperation operation, CallOutcome outcome, int count = 1) =>
        _operations.Add(count,
            new KeyValuePair<string, object?>("operation", OperationNames[(int)operation]),
            new KeyValuePair<string, object?>("outcome", OutcomeNames[(int)outcome]));

    public void Admission(TimeSpan elapsed, ClusterDecision decision) =>
        _admission.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("decision", DecisionNames[(int)decision]));

    public void Dispose()
    {
        if (_ownsMeter) Meter.Dispose();
    }
}
