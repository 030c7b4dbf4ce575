using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ProtocolSdk.Redis.Tests.Support;

/// <summary>Records what one store's meter measures (and nothing from other stores running in parallel).</summary>
public sealed class StoreMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, string?> Tags)> _measurements = new();

    public StoreMeasurements(RedisClusterStore store)
    {
        Meter meter = store.Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public double Sum(string instrument, params (string Key, string Value)[] tags) =>
        _measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Key, out string? v) && v == t.Value))
            .Sum(m => m.Value);

    /// <summary>The latest value of an observable instrument, collected now.</summary>
    public double Observe(string instrument)
    {
        _listener.RecordObservableInstruments();
        return _measurements.Last(m => m.Instrument == instrument).Value;
    }

    public int Count(string instrument) => _measurements.Count(m => m.Instrument == instrument);

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, string?>();
        foreach (KeyValuePair<string, object?> tag in tags) copy[tag.Key] = tag.Value?.ToString();
        _measurements.Enqueue((instrument.Name, value, copy));
    }
}
