using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;

namespace ProtocolSdk.Samples;

/// <summary>
/// <c>--stats</c>: listens to the SDK's "ProtocolSdk" meter (and the samples' message counter) with a
/// <see cref="MeterListener"/>, the same instruments <c>dotnet-counters monitor --counters ProtocolSdk</c> shows, and
/// prints one line per interval: open connections, messages/s, bytes/s each way, and what the policies refused or closed.
/// </summary>
internal sealed class StatsPrinter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly TextWriter _output;
    private readonly ITimer _timer;
    private readonly TimeProvider _time;
    private long _active, _messages, _bytesRead, _bytesWritten;
    private readonly ConcurrentDictionary<string, long> _rejected = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _closedByPolicy = new(StringComparer.Ordinal);
    private StatsSnapshot _previous;

    private StatsPrinter(TextWriter output, TimeSpan interval, TimeProvider time)
    {
        _output = output;
        _time = time;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name is "ProtocolSdk" or SampleMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
        _previous = Snapshot();
        _timer = time.CreateTimer(_ => PrintLine(), null, interval, interval);
    }

    public static StatsPrinter Start(TextWriter output, TimeSpan interval, TimeProvider? time = null) =>
        new(output, interval, time ?? TimeProvider.System);

    /// <summary>The totals so far (the observable connection gauge is read now).</summary>
    public StatsSnapshot Snapshot()
    {
        _listener.RecordObservableInstruments();
        return new StatsSnapshot(
            _time.GetTimestamp(),
            Interlocked.Read(ref _active),
            Interlocked.Read(ref _messages),
            Interlocked.Read(ref _bytesRead),
            Interlocked.Read(ref _bytesWritten),
            _rejected.ToArray(),
            _closedByPolicy.ToArray());
    }

    /// <summary>One line: rates over the interval between the snapshots, policy refusals and closes since start.</summary>
    public static string Format(StatsSnapshot now, StatsSnapshot before, TimeProvider time)
    {
        double seconds = Math.Max(time.GetElapsedTime(before.Timestamp, now.Timestamp).TotalSeconds, 1e-3);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"[stats] connections {now.Connections} | messages {(now.Messages - before.Messages) / seconds:F0}/s | in {Bytes((now.BytesRead - before.BytesRead) / seconds)}/s | out {Bytes((now.BytesWritten - before.BytesWritten) / seconds)}/s");
        return line + " | rejected " + Breakdown(now.RejectedByReason) + " | closed by policy " + Breakdown(now.ClosedByPolicy);
    }

    public void Dispose()
    {
        _timer.Dispose();
        _listener.Dispose();
    }

    private void PrintLine()
    {
        var now = Snapshot();
        _output.WriteLine(Format(now, _previous, _time));
        _previous = now;
    }

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        switch (instrument.Name)
        {
            case "protocolsdk.connections.active": Interlocked.Exchange(ref _active, value); break; // a gauge: the value is the current count
            case "protocolsdk.samples.messages": Interlocked.Add(ref _messages, value); break;
            case "protocolsdk.bytes.read": Interlocked.Add(ref _bytesRead, value); break;
            case "protocolsdk.bytes.written": Interlocked.Add(ref _bytesWritten, value); break;
            case "protocolsdk.connections.rejected": _rejected.AddOrUpdate(Reason(tags), value, (_, total) => total + value); break;
            case "protocolsdk.connections.closed":
                string kind = Reason(tags);
                if (kind is nameof(DisconnectKind.TimedOut) or nameof(DisconnectKind.PolicyViolation))
                {
                    _closedByPolicy.AddOrUpdate(kind, value, (_, total) => total + value);
                }
                break;
        }
    }

    private static string Reason(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "reason") return tag.Value as string ?? "?";
        }
        return "?";
    }

    private static string Breakdown(KeyValuePair<string, long>[] byReason)
    {
        long total = byReason.Sum(pair => pair.Value);
        if (total == 0) return "0";
        var parts = byReason.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key}: {pair.Value}");
        return $"{total} ({string.Join(", ", parts)})";
    }

    private static string Bytes(double perSecond) => perSecond switch
    {
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1_000_000:F1} MB"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1_000:F1} kB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{perSecond:F0} B"),
    };
}

/// <summary>Totals at one instant (<see cref="Timestamp"/> from the printer's <see cref="TimeProvider"/>).</summary>
internal readonly record struct StatsSnapshot(
    long Timestamp,
    long Connections,
    long Messages,
    long BytesRead,
    long BytesWritten,
    KeyValuePair<string, long>[] RejectedByReason,
    KeyValuePair<string, long>[] ClosedByPolicy);
