using System;
using Microsoft.Extensions.Logging;

namespace ProtocolSdk.Redis.Internal;

/// <summary>
/// Logs the circuit breaker's changes: a Warning when it opens and an Information line when it closes, at most
/// <see cref="LinesPerInterval"/> per <see cref="Interval"/> so a flapping Redis cannot flood the log (the next line
/// says how many changes were skipped). Failed probes while open are Debug only.
/// </summary>
internal sealed class CircuitLog
{
    /// <summary>One opening and its closing.</summary>
    public const int LinesPerInterval = 2;

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _failureMode;
    private readonly TimeSpan _breakDuration;
    private readonly object _gate = new();
    private bool _intervalStarted;
    private long _intervalStart;
    private int _linesInInterval;
    private int _skipped;

    public CircuitLog(ILogger logger, TimeProvider time, ClusterFailureMode failureMode, TimeSpan breakDuration)
    {
        _logger = logger;
        _time = time;
        _failureMode = failureMode.ToString();
        _breakDuration = breakDuration;
    }

    public void Opened(int failures, string reason)
    {
        if (!TryTakeLine(out int skipped)) return;
        StoreLog.CircuitOpened(_logger, failures, reason, _failureMode, _breakDuration.TotalSeconds, skipped);
    }

    public void Closed(TimeSpan sinceLastOpening)
    {
        if (!TryTakeLine(out int skipped)) return;
        StoreLog.CircuitClosed(_logger, sinceLastOpening.TotalSeconds, skipped);
    }

    public void ProbeFailed(string reason) => StoreLog.ProbeFailed(_logger, reason, _breakDuration.TotalSeconds);

    private bool TryTakeLine(out int skipped)
    {
        lock (_gate)
        {
            long now = _time.GetTimestamp();
            if (!_intervalStarted || _time.GetElapsedTime(_intervalStart, now) >= Interval)
            {
                _intervalStarted = true;
                _intervalStart = now;
                _linesInInterval = 0;
            }
            if (_linesInInterval >= LinesPerInterval)
            {
                _skipped++;
                skipped = 0;
                return false;
            }
            _linesInInterval++;
            skipped = _skipped;
            _skipped = 0;
            return true;
        }
    }
}
