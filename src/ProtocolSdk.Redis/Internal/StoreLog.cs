using System;
using Microsoft.Extensions.Logging;

namespace ProtocolSdk.Redis.Internal;

internal static partial class StoreLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Redis cluster store: {Failures} Redis call(s) in a row failed (last: {Reason}); answering {FailureMode} without Redis, probing again every {BreakSeconds} s. ({Skipped} earlier breaker change(s) not logged.)")]
    public static partial void CircuitOpened(ILogger logger, int failures, string reason, string failureMode, double breakSeconds, int skipped);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Redis cluster store: Redis answers again ({Seconds:0.0} s after the breaker last opened); cluster-wide limits are shared again. ({Skipped} earlier breaker change(s) not logged.)")]
    public static partial void CircuitClosed(ILogger logger, double seconds, int skipped);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Redis cluster store: probe failed ({Reason}); the breaker stays open for another {BreakSeconds} s.")]
    public static partial void ProbeFailed(ILogger logger, string reason, double breakSeconds);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Redis cluster store: releasing a connection slot failed ({Reason}); retried with the next renewal, and it expires within LeaseTime anyway.")]
    public static partial void ReleaseFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Redis cluster store: renewing {Leases} lease(s) failed ({Reason}).")]
    public static partial void RenewalFailed(ILogger logger, int leases, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Redis cluster store: {Count} release(s) waiting for Redis were dropped (more than {Max} waiting); their slots expire within LeaseTime.")]
    public static partial void PendingReleasesDropped(ILogger logger, int count, int max);
}
