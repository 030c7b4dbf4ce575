using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;

namespace ProtocolSdk.Samples.Collector;

/// <summary>Counts per client. Each connection updates its own <see cref="ClientStats"/> without locks or allocation.</summary>
public sealed class CollectorStats
{
    private readonly ConcurrentDictionary<string, ClientStats> _clients = new();

    public ClientStats For(string client) => _clients.GetOrAdd(client, static name => new ClientStats(name));

    public long TotalRecords => _clients.Values.Sum(c => c.Records);

    public long TotalBytes => _clients.Values.Sum(c => c.Bytes);

    /// <summary>A table of every client: records, bytes, and the rates since the previous summary.</summary>
    public string Summary(TimeSpan sinceLast)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"client",-24} {"records",10} {"bytes",14} {"rec/s",10} {"KB/s",10} {"open",5}");
        foreach (var client in _clients.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var (records, bytes) = client.TakeDelta();
            double seconds = Math.Max(sinceLast.TotalSeconds, 0.001);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{client.Name,-24} {client.Records,10} {client.Bytes,14} {records / seconds,10:F0} {bytes / seconds / 1000,10:F1} {client.OpenConnections,5}");
        }
        text.Append(CultureInfo.InvariantCulture, $"total: {TotalRecords} records, {TotalBytes} bytes from {_clients.Count} client(s)");
        return text.ToString();
    }
}

/// <summary>One client's counters (a client is a remote IP address: several connections add up).</summary>
public sealed class ClientStats(string name)
{
    private long _records, _bytes, _reportedRecords, _reportedBytes;
    private int _open;

    public string Name { get; } = name;
    public long Records => Volatile.Read(ref _records);
    public long Bytes => Volatile.Read(ref _bytes);
    public int OpenConnections => Volatile.Read(ref _open);

    public void Add(int bytes)
    {
        Interlocked.Increment(ref _records);
        Interlocked.Add(ref _bytes, bytes);
    }

    public void Opened() => Interlocked.Increment(ref _open);

    public void Closed() => Interlocked.Decrement(ref _open);

    internal (long Records, long Bytes) TakeDelta()
    {
        long records = Records, bytes = Bytes;
        var delta = (records - _reportedRecords, bytes - _reportedBytes);
        _reportedRecords = records;
        _reportedBytes = bytes;
        return delta;
    }
}
