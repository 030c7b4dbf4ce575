using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ProtocolSdk.Redis.Internal;
using StackExchange.Redis;

namespace ProtocolSdk.Redis;

/// <summary>
/// An <see cref="IClusterStore"/> on Redis: connection slots are leased members of sorted sets, throttle budgets are
/// token buckets, both in atomic Lua scripts on Redis server time; every instance of a fleet that uses the same Redis
/// and <see cref="RedisClusterStoreOptions.KeyPrefix"/> shares them. See docs/cluster.md.
/// <para>
/// No method throws for a Redis failure or blocks on Redis: every call is bounded by
/// <see cref="RedisClusterStoreOptions.OperationTimeout"/>, failures feed a circuit breaker, and a call that cannot be
/// answered by Redis is answered by <see cref="RedisClusterStoreOptions.FailureMode"/>. The store does not own the
/// multiplexer; dispose the store (it stops renewing and gives back its slots) before the multiplexer.
/// </para>
/// </summary>
public sealed partial class RedisClusterStore : IClusterStore, IAsyncDisposable, IDisposable
{
    // Policy names are few (one per ClusterWide policy of each protocol); the bound only guards against misuse.
    private const int MaxCachedPolicies = 1024;

    private readonly IDatabase _database;
    private readonly string _keyPrefix;
    private readonly ClusterFailureMode _failureMode;
    private readonly TimeSpan _operationTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly StoreMetrics _metrics;
    private readonly CircuitBreaker _breaker;
    private readonly ConcurrentDictionary<string, string> _policyKeyPrefixes = new(StringComparer.Ordinal);
    private int _disposed;

    /// <summary>Creates a store on <paramref name="redis"/> (not owned: dispose it after the store).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The options do not fit together (see <see cref="RedisClusterStoreOptions.LeaseTime"/>).</exception>
    public RedisClusterStore(IConnectionMultiplexer redis, RedisClusterStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        options ??= new RedisClusterStoreOptions();
        options.Validate();

        _database = redis.GetDatabase();
        _keyPrefix = options.KeyPrefix;
        _failureMode = options.FailureMode;
        _operationTimeout = options.OperationTimeout;
        _time = options.TimeProvider;
        InstanceId = options.InstanceId;
        LeaseTime = options.LeaseTime;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("ProtocolSdk.Redis");
        _breaker = new CircuitBreaker(_time, options.BreakAfterFailures, options.BreakDuration,
            new CircuitLog(_logger, _time, _failureMode, options.BreakDuration));
        _metrics = new StoreMetrics(options.MeterFactory, _failureMode, () => _leases.Count, () => !_breaker.IsClosed);
        _memberPrefix = InstanceId + ":";
        _leaseMilliseconds = (long)Math.Ceiling(LeaseTime.TotalMilliseconds);
        // Live members are re-scored every third of LeaseTime and refresh the key's TTL with it, so a key outlives
        // its newest member and vanishes on its own once every instance using it is gone.
        _keyTimeToLiveMilliseconds = 2 * (long)Math.Ceiling(LeaseTime.TotalMilliseconds);
        _renewalPeriod = LeaseTime / 3;
        _pendingReleases = new PendingReleases(_time, LeaseTime);
        _renewalTimer = _time.CreateTimer(static state => ((RedisClusterStore)state!).OnRenewalTimer(), this, _renewalPeriod, _renewalPeriod);
    }

    /// <summary>The name of this store's slots in Redis (<see cref="RedisClusterStoreOptions.InstanceId"/>).</summary>
    public string InstanceId { get; }

    /// <summary>How long a slot stays counted without renewal (<see cref="RedisClusterStoreOptions.LeaseTime"/>).</summary>
    public TimeSpan LeaseTime { get; }

    /// <summary>The meter of this store's instruments (tests listen to this one only).</summary>
    internal System.Diagnostics.Metrics.Meter Meter => _metrics.Meter;

    /// <summary>
    /// Takes up to <paramref name="wanted"/> bytes of the shared budget <paramref name="key"/> of
    /// <paramref name="policy"/>, a token bucket refilling at <paramref name="bytesPerSecond"/> up to
    /// <paramref name="burstBytes"/> on Redis time. Granted with the bytes taken (possibly fewer than asked, or none,
    /// with <see cref="ClusterBudgetGrant.RetryAfter"/> saying when min(wanted, burst) bytes are there again); when Redis
    /// cannot answer: UseLocal with 0 bytes (fail-local), Granted with <paramref name="wanted"/> (fail-open), or Refused
    /// with 0 bytes (fail-closed).
    /// </summary>
    public ValueTask<ClusterBudgetGrant> TakeBudgetAsync(string policy, string key, double bytesPerSecond, double burstBytes, long wanted, CancellationToken cancellationToken = default)
    {
        string keyPrefix = PolicyKeyPrefix(policy);
        ArgumentNullException.ThrowIfNull(key);
        if (!(bytesPerSecond > 0) || double.IsInfinity(bytesPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(bytesPerSecond), bytesPerSecond, "The rate must be positive and finite.");
        }
        if (!(burstBytes >= 1) || double.IsInfinity(burstBytes))
        {
            throw new ArgumentOutOfRangeException(nameof(burstBytes), burstBytes, "The burst must be at least one byte and finite.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(wanted);
        if (wanted == 0) return new(new ClusterBudgetGrant(ClusterDecision.Granted, 0));
        if (Volatile.Read(ref _disposed) != 0) return new(BudgetFallback(wanted, FallbackReason.Disposed));
        if (!_breaker.TryEnter()) return new(BudgetFallback(wanted, FallbackReason.CircuitOpen));

        RedisKey[] keys = [string.Concat(keyPrefix, key)];
        RedisValue[] values = [bytesPerSecond, burstBytes, wanted];
        return TakeBudgetFromRedisAsync(keys, values, wanted, cancellationToken);
    }

    private async ValueTask<ClusterBudgetGrant> TakeBudgetFromRedisAsync(RedisKey[] keys, RedisValue[] values, long wanted, CancellationToken cancellationToken)
    {
        Task<RedisResult> call;
        try
        {
            call = BudgetScript.Take.EvaluateAsync(_database, keys, values);
        }
        catch (Exception e)
        {
            OnCallFailed(StoreOperation.Budget, e);
            return BudgetFallback(wanted, FallbackReason.Error);
        }
        try
        {
            RedisResult reply = await call.WaitAsync(_operationTimeout, _time, cancellationToken).ConfigureAwait(false);
            long[] grantedAndRetry = (long[])reply!;
            _breaker.OnSuccess();
            _metrics.Call(StoreOperation.Budget, CallOutcome.Ok);
            return new ClusterBudgetGrant(ClusterDecision.Granted, grantedAndRetry[0], TimeSpan.FromMicroseconds(grantedAndRetry[1]));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _breaker.OnAbandoned();
            TaskObservation.ObserveFault(call);
            throw;
        }
        catch (TimeoutException)
        {
            OnCallTimedOut(StoreOperation.Budget, call);
            return BudgetFallback(wanted, FallbackReason.Timeout);
        }
        catch (Exception e)
        {
            OnCallFailed(StoreOperation.Budget, e);
            return BudgetFallback(wanted, FallbackReason.Error);
        }
    }

    private ClusterBudgetGrant BudgetFallback(long wanted, FallbackReason reason)
    {
        _metrics.Fallback(StoreOperation.Budget, reason);
        return _failureMode switch
        {
            ClusterFailureMode.FailOpen => new ClusterBudgetGrant(ClusterDecision.Granted, wanted),
            ClusterFailureMode.FailClosed => new ClusterBudgetGrant(ClusterDecision.Refused, 0),
            _ => new ClusterBudgetGrant(ClusterDecision.UseLocal, 0),
        };
    }

    /// <summary>
    /// As <see cref="DisposeAsync"/>, for callers that cannot await (a service container disposed synchronously): waits
    /// for it at most a renewal period plus two operation timeouts; what is not given back by then expires within LeaseTime.
    /// </summary>
    public void Dispose()
    {
        var disposing = DisposeAsync().AsTask(); // its awaits do not capture a context, so waiting here cannot deadlock
        try
        {
            disposing.Wait(_renewalPeriod + _operationTimeout + _operationTimeout);
        }
        catch (AggregateException)
        {
            // DisposeAsync is best effort and swallows Redis failures; nothing else can fail here.
        }
    }

    /// <summary>
    /// Stops renewal and gives back every slot this store still holds (best effort, bounded by
    /// <see cref="RedisClusterStoreOptions.OperationTimeout"/>; what is not removed expires within LeaseTime). Later
    /// calls are answered by the failure mode without Redis. Does not dispose the multiplexer.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _renewalTimer.DisposeAsync().ConfigureAwait(false);
        try
        {
            await Volatile.Read(ref _renewalRound).WaitAsync(_renewalPeriod, _time).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A round that failed or hangs was counted already; dispose gives up waiting for it.
        }

        var releases = new List<Task>();
        bool redisUsable = _breaker.IsClosed;
        foreach (KeyValuePair<long, SlotLease> entry in _leases)
        {
            SlotLease lease = entry.Value;
            lock (lease)
            {
                if (lease.Released) continue;
                lease.Released = true;
                if (!redisUsable || lease.Sync == LeaseSync.NotInRedis) continue;
                try
                {
                    releases.Add(SlotScripts.Release.EvaluateAsync(_database, lease.Keys, lease.ScriptValues));
                }
                catch (Exception)
                {
                    redisUsable = false; // the multiplexer is gone: the rest expire within LeaseTime
                }
            }
        }
        _leases.Clear();
        if (releases.Count > 0)
        {
            Task all = Task.WhenAll(releases);
            try
            {
                await all.WaitAsync(_operationTimeout, _time).ConfigureAwait(false);
                _metrics.Call(StoreOperation.Release, CallOutcome.Ok, releases.Count);
            }
            catch (Exception)
            {
                TaskObservation.ObserveFault(all);
                _metrics.Call(StoreOperation.Release, CallOutcome.Error, releases.Count);
            }
        }
        _metrics.Dispose();
    }

    /// <summary>
    /// "<c>{prefix}{{policy}}:</c>", cached per policy. The policy is the key's hash tag, so every key of a policy lives
    /// on one Redis Cluster slot and one script may touch them all.
    /// </summary>
    private string PolicyKeyPrefix(string policy)
    {
        ArgumentException.ThrowIfNullOrEmpty(policy);
        if (_policyKeyPrefixes.TryGetValue(policy, out string? cached)) return cached;
        if (policy.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new ArgumentException("A policy name must not contain '{' or '}': it becomes the keys' Redis Cluster hash tag.", nameof(policy));
        }
        string keyPrefix = string.Concat(_keyPrefix, "{", policy, "}:");
        if (_policyKeyPrefixes.Count < MaxCachedPolicies) _policyKeyPrefixes.TryAdd(policy, keyPrefix);
        return keyPrefix;
    }

    private void OnCallTimedOut(StoreOperation operation, Task call)
    {
        TaskObservation.ObserveFault(call);
        _metrics.Call(operation, CallOutcome.Timeout);
        _breaker.OnFailure("timed out");
    }

    private void OnCallFailed(StoreOperation operation, Exception error)
    {
        _metrics.Call(operation, CallOutcome.Error);
        _breaker.OnFailure(Describe(error));
    }

    private static string Describe(Exception error) => string.Concat(error.GetType().Name, ": ", error.Message);
}
