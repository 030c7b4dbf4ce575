using System;
using System.Net;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace ProtocolSdk.Internal;

/// <summary>
/// Logs policy decisions of one server (admission rejections, policy closes, the output cap) at Information or Warning,
/// at most <see cref="LinesPerInterval"/> lines per <see cref="Interval"/>; the rest of an interval is counted and
/// reported in one "suppressed" line when the next line is logged, so a flood of rejections cannot flood the log.
/// </summary>
internal sealed class PolicyLog
{
    public const int LinesPerInterval = 20;

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private long _intervalStart = long.MinValue;
    private int _linesInInterval;
    private int _suppressed;

    public PolicyLog(ILogger logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
    }

    public void Rejected(IPEndPoint peer, Protocol protocol, string reason)
    {
        if (!_logger.IsEnabled(LogLevel.Information) || !TryTakeLine()) return;
        Log.PolicyRejected(_logger, protocol.GetType().Name, peer, reason);
    }

    public void Closed(IPEndPoint peer, Protocol protocol, string reason)
    {
        if (!_logger.IsEnabled(LogLevel.Warning) || !TryTakeLine()) return;
        Log.PolicyClosed(_logger, protocol.GetType().Name, peer, reason);
    }

    public void TlsHandshakeFailed(IPEndPoint peer, Protocol protocol, string reason)
    {
        if (!_logger.IsEnabled(LogLevel.Information) || !TryTakeLine()) return;
        Log.TlsHandshakeFailed(_logger, protocol.GetType().Name, peer, reason);
    }

    /// <summary>True when this line may be logged; reports what the previous interval suppressed first.</summary>
    private bool TryTakeLine()
    {
        int suppressed = 0;
        lock (_gate)
        {
            long now = _time.GetTimestamp();
            if (_intervalStart == long.MinValue || _time.GetElapsedTime(_intervalStart, now) >= Interval)
            {
                suppressed = _suppressed;
                _suppressed = 0;
                _linesInInterval = 0;
                _intervalStart = now;
            }
            if (_linesInInterval >= LinesPerInterval)
            {
                _suppressed++;
                return false;
            }
            _linesInInterval++;
        }
        if (suppressed > 0) Log.PolicyLinesSuppressed(_logger, suppressed, Interval.TotalSeconds);
        return true;
    }

    /// <summary>Lines not logged so far in the current interval (for tests and the summary line).</summary>
    public int Suppressed
    {
        get { lock (_gate) return _suppressed; }
    }
}
