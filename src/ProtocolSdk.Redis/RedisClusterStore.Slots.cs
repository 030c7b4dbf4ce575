using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using ProtocolSdk.Redis.Internal;
using StackExchange.Redis;

namespace ProtocolSdk.Redis;

// Connection slots: acquire (one Lua call per accepted connection) and release.
public sealed partial class RedisClusterStore
{
    private readonly string _memberPrefix;
    private readonly RedisValue _leaseMilliseconds;
    private readonly RedisValue _keyTimeToLiveMilliseconds;
    private readonly ConcurrentDictionary<long, SlotLease> _leases = new();
    private long _lastLeaseNumber;

    /// <summary>How many leases this store holds and renews (tests).</summary>
    internal int LiveLeaseCount => _leases.Count;

    /// <summary>
    /// Takes one slot under every limit at once (all or none), in one Lua script on Redis. Granted with a lease;
    /// Refused with the index of the first full limit; when Redis cannot answer: UseLocal with a lease (fail-local; the
    /// lease is added to the shared counts once Redis answers again), Granted with a lease (fail-open, likewise), or
    /// Refused with index -1 (fail-closed).
    /// </summary>
    public ValueTask<ClusterSlots> TryAcquireSlotsAsync(string policy, ReadOnlyMemory<ClusterLimit> limits, CancellationToken cancellationToken = default)
    {
        long started = _time.GetTimestamp();
        string keyPrefix = PolicyKeyPrefix(policy);
        if (limits.IsEmpty) throw new ArgumentException("At least one limit is needed.", nameof(limits));

        ReadOnlySpan<ClusterLimit> span = limits.Span;
        var keys = new RedisKey[span.Length];
        var values = new RedisValue[3 + span.Length];
        long number = Interlocked.Increment(ref _lastLeaseNumber);
        values[0] = string.Concat(_memberPrefix, number.ToString(CultureInfo.InvariantCulture));
        values[1] = _leaseMilliseconds;
        values[2] = _keyTimeToLiveMilliseconds;
        for (int i = 0; i < span.Length; i++)
        {
            ClusterLimit limit = span[i];
            if (string.IsNullOrEmpty(limit.Key)) throw new ArgumentException($"Limit {i} has no key.", nameof(limits));
            if (limit.Limit <= 0) throw new ArgumentOutOfRangeException(nameof(limits), limit.Limit, $"Limit {i} ('{limit.Key}') must be positive.");
            keys[i] = string.Concat(keyPrefix, limit.Key);
            values[3 + i] = limit.Limit;
        }
        var lease = new SlotLease(this, number, keys, values);

        if (Volatile.Read(ref _disposed) != 0) return new(Admitted(started, SlotsFallback(lease, FallbackReason.Disposed, mayBeInRedis: false)));
        if (!_breaker.TryEnter()) return new(Admitted(started, SlotsFallback(lease, FallbackReason.CircuitOpen, mayBeInRedis: false)));
        return AcquireFromRedisAsync(lease, started, cancellationToken);
    }

    private async ValueTask<ClusterSlots> AcquireFromRedisAsync(SlotLease lease, long started, CancellationToken cancellationToken)
    {
        Task<RedisResult> call;
        try
        {
            call = SlotScripts.Acquire.EvaluateAsync(_database, lease.Keys, lease.ScriptValues);
        }
        catch (Exception e)
        {
            OnCallFailed(StoreOperation.Slots, e);
            return Admitted(started, SlotsFallback(lease, FallbackReason.Error, mayBeInRedis: false));
        }

        ClusterSlots answer;
        try
        {
            int firstFullLimit = (int)(await call.WaitAsync(_operationTimeout, _time, cancellationToken).ConfigureAwait(false));
            _breaker.OnSuccess();
            _metrics.Call(StoreOperation.Slots, CallOutcome.Ok);
            if (firstFullLimit == 0)
            {
                lease.Sync = LeaseSync.InRedis;
                Track(lease);
                answer = new ClusterSlots(ClusterDecision.Granted, lease);
            }
            else
            {
                answer = new ClusterSlots(ClusterDecision.Refused, null, firstFullLimit - 1);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _breaker.OnAbandoned();
            ReleaseIfGrantedLate(call, lease);
            throw;
        }
        catch (TimeoutException)
        {
            OnCallTimedOut(StoreOperation.Slots, call);
            answer = SlotsFallback(lease, FallbackReason.Timeout, mayBeInRedis: true);
            if (answer.Lease is null) ReleaseIfGrantedLate(call, lease);
        }
        catch (Exception e)
        {
            OnCallFailed(StoreOperation.Slots, e);
            answer = SlotsFallback(lease, FallbackReason.Error, mayBeInRedis: false);
        }
        return Admitted(started, answer);
    }

    private ClusterSlots Admitted(long started, ClusterSlots answer)
    {
        _metrics.Admission(_time.GetElapsedTime(started), answer.Decision);
        return answer;
    }

    /// <summary>
    /// The failure mode's answer. Fail-local and fail-open keep a lease: its connection is open, so it is renewed like
    /// any other, and the first renewal Redis answers adds it to the shared counts (resynchronisation).
    /// </summary>
    private ClusterSlots SlotsFallback(SlotLease lease, FallbackReason reason, bool mayBeInRedis)
    {
        _metrics.Fallback(StoreOperation.Slots, reason);
        if (_failureMode == ClusterFailureMode.FailClosed) return new ClusterSlots(ClusterDecision.Refused, null, -1);
        lease.Sync = mayBeInRedis ? LeaseSync.Unknown : LeaseSync.NotInRedis;
        if (reason != FallbackReason.Disposed) Track(lease);
        return new ClusterSlots(_failureMode == ClusterFailureMode.FailOpen ? ClusterDecision.Granted : ClusterDecision.UseLocal, lease);
    }

    private void Track(SlotLease lease) => _leases[lease.Number] = lease;

    /// <summary>
    /// Gives back a lease: removes its member from every set in one script call, without waiting for it (a failed
    /// removal is counted, logged at Debug, and retried with the next renewal; the member expires within LeaseTime
    /// anyway). A lease Redis never saw is just forgotten. Never throws; a second release of the same lease does nothing.
    /// </summary>
    public void ReleaseSlots(ClusterSlots slots)
    {
        if (slots.Lease is not SlotLease lease || !ReferenceEquals(lease.Owner, this)) return;
        lock (lease)
        {
            if (lease.Released) return;
            lease.Released = true;
            _leases.TryRemove(lease.Number, out _);
            if (lease.Sync == LeaseSync.NotInRedis) return;
            // While the breaker is open nothing goes to Redis; the next renewal round that Redis answers sends it.
            if (!_breaker.IsClosed) _pendingReleases.Add(lease);
            else SendRelease(lease); // inside the lock: ordered after any renewal of this lease
        }
    }

    private void SendRelease(SlotLease lease)
    {
        Task<RedisResult> call;
        try
        {
            call = SlotScripts.Release.EvaluateAsync(_database, lease.Keys, lease.ScriptValues);
        }
        catch (Exception e)
        {
            OnReleaseFailed(lease, e);
            return;
        }
        // Nobody waits for a release; the multiplexer's own timeout bounds it.
        call.ContinueWith(static (done, state) =>
        {
            var released = (SlotLease)state!;
            if (done.IsCompletedSuccessfully) released.Owner.OnReleaseSent();
            else released.Owner.OnReleaseFailed(released, done.Exception?.InnerException ?? new TaskCanceledException());
        }, lease, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void OnReleaseSent()
    {
        _metrics.Call(StoreOperation.Release, CallOutcome.Ok);
        _breaker.OnSuccess();
    }

    private void OnReleaseFailed(SlotLease lease, Exception error)
    {
        string reason = Describe(error);
        _metrics.Call(StoreOperation.Release, CallOutcome.Error);
        _breaker.OnFailure(reason);
        StoreLog.ReleaseFailed(_logger, reason);
        if (Volatile.Read(ref _disposed) == 0) _pendingReleases.Add(lease);
    }

    /// <summary>
    /// An acquire we stopped waiting for (timed out while fail-closed refused, or cancelled) may still run on Redis and
    /// add the member for a connection that was never admitted: take it out again if it does.
    /// </summary>
    private void ReleaseIfGrantedLate(Task<RedisResult> call, SlotLease lease)
    {
        call.ContinueWith(static (done, state) =>
        {
            if (!done.IsCompletedSuccessfully)
            {
                _ = done.Exception;
                return;
            }
            var orphan = (SlotLease)state!;
            if ((int)done.Result != 0) return;
            lock (orphan)
            {
                if (orphan.Released) return;
                orphan.Released = true;
                orphan.Owner.SendRelease(orphan);
            }
        }, lease, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
