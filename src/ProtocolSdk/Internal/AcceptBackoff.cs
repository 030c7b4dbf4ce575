using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace ProtocolSdk.Internal;

/// <summary>
/// What the accept loop does after a failed accept: wait 1 ms, doubling per consecutive failure up to 1 s, and reset at
/// the first success; count every failure in a metric; log at most once per <see cref="LogInterval"/> with the count.
/// </summary>
internal sealed class AcceptBackoff
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(1);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly ConnectionHost _host;
    private readonly TimeProvider _time;
    private readonly IPEndPoint _endPoint;
    private TimeSpan _delay = TimeSpan.Zero;
    private long _lastLog = long.MinValue;
    private int _errorsSinceLog;
    private long _totalErrors;

    public AcceptBackoff(ConnectionHost host, TimeProvider time, IPEndPoint endPoint)
    {
        _host = host;
        _time = time;
        _endPoint = endPoint;
    }

    public long TotalErrors => Interlocked.Read(ref _totalErrors);

    /// <summary>The wait after the latest failure (zero after a success).</summary>
    public TimeSpan CurrentDelay => _delay;

    public void Succeeded() => _delay = TimeSpan.Zero;

    public Task FailedAsync(Exception error, CancellationToken stopping)
    {
        Interlocked.Increment(ref _totalErrors);
        string name = error is SocketException socketError ? socketError.SocketErrorCode.ToString() : error.GetType().Name;
        _host.Metrics.AcceptFailed(name);
        return WaitAsync(name, stopping);
    }

    /// <summary>Accepting is paused because the process's descriptor budget is spent: wait as after an error.</summary>
    public Task PausedAsync(DescriptorBudget budget, CancellationToken stopping)
    {
        _host.Metrics.AcceptPaused();
        return WaitAsync($"descriptor budget of {budget.Capacity} sockets reached", stopping);
    }

    private Task WaitAsync(string name, CancellationToken stopping)
    {
        _delay = _delay == TimeSpan.Zero ? FirstDelay : TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, MaxDelay.Ticks));

        _errorsSinceLog++;
        long now = _time.GetTimestamp();
        if (_lastLog == long.MinValue || _time.GetElapsedTime(_lastLog, now) >= LogInterval)
        {
            double seconds = _lastLog == long.MinValue ? 0 : _time.GetElapsedTime(_lastLog, now).TotalSeconds;
            Log.AcceptFailing(_host.Logger, _endPoint, _errorsSinceLog, seconds, name, (long)_delay.TotalMilliseconds);
            _errorsSinceLog = 0;
            _lastLog = now;
        }
        return Task.Delay(_delay, _time, stopping);
    }
}
