using System;
using System.Collections.Concurrent;
using System.Threading;

namespace ProtocolSdk.Redis.Internal;

/// <summary>
/// Releases that could not be sent (breaker open, or the release call failed): sent again with the next renewal round.
/// One older than LeaseTime is dropped instead, because its member has expired in Redis by then (nothing renewed it
/// since it was queued). Bounded by <see cref="MaxWaiting"/>, beyond which releases are dropped and counted.
/// </summary>
internal sealed class PendingReleases
{
    public const int MaxWaiting = 100_000;

    private readonly ConcurrentQueue<(SlotLease Lease, long QueuedAt)> _queue = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _leaseTime;
    private int _count;
    private int _dropped;

    public PendingReleases(TimeProvider time, TimeSpan leaseTime)
    {
        _time = time;
        _leaseTime = leaseTime;
    }

    public bool IsEmpty => Volatile.Read(ref _count) == 0;

    public void Add(SlotLease lease)
    {
        if (Interlocked.Increment(ref _count) > MaxWaiting)
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Increment(ref _dropped);
            return;
        }
        _queue.Enqueue((lease, _time.GetTimestamp()));
    }

    /// <summary>Takes the next release still worth sending; false when none is left.</summary>
    public bool TryTake(out SlotLease lease)
    {
        while (_queue.TryDequeue(out var pending))
        {
            Interlocked.Decrement(ref _count);
            if (_time.GetElapsedTime(pending.QueuedAt) < _leaseTime)
            {
                lease = pending.Lease;
                return true;
            }
        }
        lease = null!;
        return false;
    }

    /// <summary>How many releases were dropped at the bound since the last call.</summary>
    public int TakeDroppedCount() => Interlocked.Exchange(ref _dropped, 0);
}
