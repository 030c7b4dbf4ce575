using System;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace ProtocolSdk.Redis;

/// <summary>
/// Settings of a <see cref="RedisClusterStore"/>. Each setter checks its value; the store copies the settings when it
/// is created, so changing them later does not affect a running store.
/// </summary>
public sealed class RedisClusterStoreOptions
{
    /// <summary>The default <see cref="KeyPrefix"/>.</summary>
    public const string DefaultKeyPrefix = "protocolsdk:";

    private static readonly TimeSpan MaxLeaseTime = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxOperationTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxBreakDuration = TimeSpan.FromHours(1);
    private const int MaxKeyPrefixLength = 256;
    private const int MaxInstanceIdLength = 256;

    private string _keyPrefix = DefaultKeyPrefix;
    private TimeSpan _leaseTime = TimeSpan.FromSeconds(30);
    private ClusterFailureMode _failureMode = ClusterFailureMode.FailLocal;
    private TimeSpan _operationTimeout = TimeSpan.FromMilliseconds(250);
    private int _breakAfterFailures = 3;
    private TimeSpan _breakDuration = TimeSpan.FromSeconds(5);
    private string _instanceId = DefaultInstanceId();
    private TimeProvider _timeProvider = TimeProvider.System;

    /// <summary>
    /// Starts every Redis key the store writes (<c>protocolsdk:</c> by default): stores that share a prefix (and a Redis)
    /// share their counts and budgets. The store adds its own hash tag after it, so the prefix must not contain
    /// <c>{</c> or <c>}</c>.
    /// </summary>
    public string KeyPrefix
    {
        get => _keyPrefix;
        set
        {
            ArgumentNullException.ThrowIfNull(value, nameof(KeyPrefix));
            if (value.Length > MaxKeyPrefixLength)
            {
                throw new ArgumentOutOfRangeException(nameof(KeyPrefix), value, $"KeyPrefix must be at most {MaxKeyPrefixLength} characters long.");
            }
            if (value.AsSpan().IndexOfAny('{', '}') >= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(KeyPrefix), value, "KeyPrefix must not contain '{' or '}': the store puts the policy in a hash tag after the prefix so all keys of a policy share one Redis Cluster slot.");
            }
            _keyPrefix = value;
        }
    }

    /// <summary>
    /// How long a connection slot stays counted without renewal (30 s by default): the store renews the slots of its
    /// live connections every third of it, so this is how long the connections of a crashed instance keep counting.
    /// Must be at least three times <see cref="OperationTimeout"/>, at most one hour.
    /// </summary>
    public TimeSpan LeaseTime
    {
        get => _leaseTime;
        set
        {
            if (value <= TimeSpan.Zero || value > MaxLeaseTime)
            {
                throw new ArgumentOutOfRangeException(nameof(LeaseTime), value, $"LeaseTime must be positive and at most {MaxLeaseTime}.");
            }
            _leaseTime = value;
        }
    }

    /// <summary>What the store answers while Redis cannot be reached in time (<see cref="ClusterFailureMode.FailLocal"/> by default).</summary>
    public ClusterFailureMode FailureMode
    {
        get => _failureMode;
        set
        {
            if (value is not (ClusterFailureMode.FailLocal or ClusterFailureMode.FailOpen or ClusterFailureMode.FailClosed))
            {
                throw new ArgumentOutOfRangeException(nameof(FailureMode), value, "FailureMode must be FailLocal, FailOpen or FailClosed.");
            }
            _failureMode = value;
        }
    }

    /// <summary>
    /// How long one Redis call may take (250 ms by default): a slower call counts as a failure and is answered with the
    /// <see cref="FailureMode"/>. Positive, at most one minute.
    /// </summary>
    public TimeSpan OperationTimeout
    {
        get => _operationTimeout;
        set
        {
            if (value <= TimeSpan.Zero || value > MaxOperationTimeout)
            {
                throw new ArgumentOutOfRangeException(nameof(OperationTimeout), value, $"OperationTimeout must be positive and at most {MaxOperationTimeout}.");
            }
            _operationTimeout = value;
        }
    }

    /// <summary>How many failed Redis calls in a row open the circuit breaker (3 by default, at least 1).</summary>
    public int BreakAfterFailures
    {
        get => _breakAfterFailures;
        set
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(BreakAfterFailures), value, "BreakAfterFailures must be at least 1.");
            }
            _breakAfterFailures = value;
        }
    }

    /// <summary>
    /// How long an open circuit breaker answers the <see cref="FailureMode"/> without calling Redis (5 s by default)
    /// before one call probes Redis again. Positive, at most one hour.
    /// </summary>
    public TimeSpan BreakDuration
    {
        get => _breakDuration;
        set
        {
            if (value <= TimeSpan.Zero || value > MaxBreakDuration)
            {
                throw new ArgumentOutOfRangeException(nameof(BreakDuration), value, $"BreakDuration must be positive and at most {MaxBreakDuration}.");
            }
            _breakDuration = value;
        }
    }

    /// <summary>
    /// Names this store's slots in Redis (host name plus a short random suffix by default). Every store instance that
    /// runs at the same time needs its own.
    /// </summary>
    public string InstanceId
    {
        get => _instanceId;
        set
        {
            ArgumentNullException.ThrowIfNull(value, nameof(InstanceId));
            if (value.Length == 0 || value.Length > MaxInstanceIdLength)
            {
                throw new ArgumentOutOfRangeException(nameof(InstanceId), value, $"InstanceId must be 1 to {MaxInstanceIdLength} characters long.");
            }
            _instanceId = value;
        }
    }

    /// <summary>The clock for timeouts, the circuit breaker and lease renewal (<see cref="TimeProvider.System"/> by default); lease expiry itself is on Redis time.</summary>
    public TimeProvider TimeProvider
    {
        get => _timeProvider;
        set
        {
            ArgumentNullException.ThrowIfNull(value, nameof(TimeProvider));
            _timeProvider = value;
        }
    }

    /// <summary>Where the store logs circuit-breaker changes and failed releases (category <c>ProtocolSdk.Redis</c>); none by default.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Creates the <c>ProtocolSdk.Redis</c> meter (for dependency injection); a plain <see cref="Meter"/> when null.</summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>Checks the settings against each other (each one was checked when it was set).</summary>
    internal void Validate()
    {
        if (LeaseTime < 3 * OperationTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(LeaseTime), LeaseTime, $"LeaseTime must be at least three times OperationTimeout ({OperationTimeout}): leases are renewed every third of LeaseTime, and each renewal may take up to OperationTimeout.");
        }
    }

    private static string DefaultInstanceId()
    {
        string host;
        try
        {
            host = Environment.MachineName;
        }
        catch (InvalidOperationException)
        {
            host = "host";
        }
        return string.Concat(host, "-", Guid.NewGuid().ToString("N").AsSpan(0, 8));
    }
}
