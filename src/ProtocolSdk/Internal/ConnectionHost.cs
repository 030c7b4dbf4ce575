using System;
using System.Collections.Generic;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ProtocolSdk.Timers;

namespace ProtocolSdk.Internal;

/// <summary>
/// What the connections of one server (or client, or test harness) share: the timer wheel, the logger,
/// metrics and the output-buffer marks.
/// </summary>
internal sealed class ConnectionHost : IDisposable
{
    private readonly bool _ownsTimers;
    private readonly Dictionary<object, object> _sharedPolicyState = new(ReferenceEqualityComparer.Instance);

    public ConnectionHost(TimeProvider time, ILoggerFactory? loggerFactory, int highWaterMark, int lowWaterMark, TimerWheel? timers = null)
    {
        if (highWaterMark <= 0) throw new ArgumentOutOfRangeException(nameof(highWaterMark), highWaterMark, "The high-water mark must be positive.");
        if (lowWaterMark < 0 || lowWaterMark > highWaterMark)
        {
            throw new ArgumentOutOfRangeException(nameof(lowWaterMark), lowWaterMark, "The low-water mark must be between 0 and the high-water mark.");
        }
        _ownsTimers = timers is null;
        Timers = timers ?? new TimerWheel(time);
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Logger = LoggerFactory.CreateLogger("ProtocolSdk");
        HighWaterMark = highWaterMark;
        LowWaterMark = lowWaterMark;
    }

    public TimerWheel Timers { get; }

    public ILogger Logger { get; }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>
    /// State a policy shares among the connections of this host (a shared token bucket, connection counts),
    /// keyed by the policy's static configuration object. Looked up once per connection, not per event.
    /// </summary>
    public TState GetSharedState<TKey, TState>(TKey policy, Func<TKey, ConnectionHost, TState> create)
        where TKey : class
        where TState : class
    {
        lock (_sharedPolicyState)
        {
            if (!_sharedPolicyState.TryGetValue(policy, out var state))
            {
                state = create(policy, this);
                _sharedPolicyState.Add(policy, state);
            }
            return (TState)state;
        }
    }

    public int HighWaterMark { get; }

    public int LowWaterMark { get; }

    public ProtocolMetrics Metrics => ProtocolMetrics.Instance;

    public void OnCallbackError(Protocol protocol, Exception ex, string callback) =>
        Log.CallbackFailed(Logger, protocol.GetType().Name, callback, ex);

    public void Dispose()
    {
        if (_ownsTimers) Timers.Dispose();
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "{Protocol}.{Callback} threw; closing the connection.")]
    public static partial void CallbackFailed(ILogger logger, string protocol, string callback, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Accepting a connection failed.")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Connection to {Remote} rejected: {Reason}.")]
    public static partial void Rejected(ILogger logger, string remote, string reason);
}
