using System;
using System.Threading;
using System.Threading.Tasks;

namespace ProtocolSdk.Policies;

public sealed partial class TokenBucket
{
    private readonly ClusterFeed? _feed;

    /// <summary>
    /// A bucket whose tokens are slices of a budget shared through <paramref name="store"/>: it starts empty, asks for a
    /// slice at once and again whenever it runs below half a slice. While the store cannot answer
    /// (<see cref="ClusterDecision.UseLocal"/>) it refills from the clock at the full rate, as a per-instance bucket,
    /// and asks the store again once a second.
    /// </summary>
    internal TokenBucket(double bytesPerSecond, double burstBytes, TimeProvider time, IClusterStore store, string policy, string key)
        : this(bytesPerSecond, burstBytes, time)
    {
        _tokens = 0;
        _feed = new ClusterFeed(this, store, policy, key);
        lock (_lock) _feed.TopUpIfLow(_tokens);
    }

    /// <summary>Whether tokens come from a cluster store's shared budget (false: refilling locally, or not shared).</summary>
    internal bool IsLeasingFromCluster => _feed is { RefillsLocally: false };

    /// <summary>Whether an ask for a slice is in flight (for tests that wait for answers to land).</summary>
    internal bool IsAskingCluster
    {
        get { lock (_lock) return _feed is { IsAsking: true }; }
    }

    /// <summary>
    /// Leases slices of a shared budget. Asks run on the thread pool (queued without allocating), never on the thread
    /// that charged the bucket, so a received chunk costs no store call; at most one ask is in flight.
    /// All fields are guarded by the bucket's lock.
    /// </summary>
    private sealed class ClusterFeed : IThreadPoolWorkItem
    {
        private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);
        private static readonly TimeSpan MinimumRetry = TimeSpan.FromMilliseconds(10);
        private const double MinimumSlice = 4096;

        private readonly TokenBucket _bucket;
        private readonly IClusterStore _store;
        private readonly string _policy;
        private readonly string _key;
        private readonly long _slice;
        private bool _asking;
        private long _nextAskAt; // timestamp before which no new ask starts (after a short grant, a refusal or UseLocal)

        public ClusterFeed(TokenBucket bucket, IClusterStore store, string policy, string key)
        {
            _bucket = bucket;
            _store = store;
            _policy = policy;
            _key = key;
            // About a tenth of a second of the fleet-wide rate: few store calls, and an overshoot bound of about one
            // slice per instance (docs/cluster.md).
            _slice = (long)Math.Min(bucket.BurstBytes, Math.Max(MinimumSlice, bucket.BytesPerSecond / 10));
        }

        public bool IsAsking => _asking;

        /// <summary>True while the store cannot answer: the bucket refills from its clock at the full rate.</summary>
        public bool RefillsLocally { get; private set; }

        public void TopUpIfLow(double tokens)
        {
            if (tokens < _slice / 2.0) AskIfDue();
        }

        public void ProbeIfDue() => AskIfDue();

        private void AskIfDue()
        {
            if (_asking || _bucket._time.GetTimestamp() < _nextAskAt) return;
            _asking = true;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        void IThreadPoolWorkItem.Execute() => _ = AskAsync();

        private async Task AskAsync()
        {
            ClusterBudgetGrant grant;
            try
            {
                grant = await _store.TakeBudgetAsync(_policy, _key, _bucket.BytesPerSecond, _bucket.BurstBytes, _slice).ConfigureAwait(false);
            }
            catch (Exception)
            {
                grant = new ClusterBudgetGrant(ClusterDecision.UseLocal, 0); // a store must not throw; treat it as down
            }
            lock (_bucket._lock)
            {
                _asking = false;
                var time = _bucket._time;
                long now = time.GetTimestamp();
                switch (grant.Decision)
                {
                    case ClusterDecision.Granted:
                        if (RefillsLocally)
                        {
                            RefillsLocally = false; // the store is back: shared budget again
                        }
                        _bucket._tokens = Math.Min(Math.Max(_bucket.BurstBytes, _slice), _bucket._tokens + grant.Bytes);
                        if (grant.Bytes < _slice) _nextAskAt = now + Ticks(time, grant.RetryAfter > MinimumRetry ? grant.RetryAfter : MinimumRetry);
                        break;
                    case ClusterDecision.UseLocal:
                        if (!RefillsLocally)
                        {
                            RefillsLocally = true;
                            _bucket._lastRefill = now; // refill from now on, at the per-instance rate
                        }
                        _nextAskAt = now + Ticks(time, ProbeInterval);
                        break;
                    default: // Refused (fail-closed): nothing until the store answers again
                        _nextAskAt = now + Ticks(time, grant.RetryAfter > MinimumRetry ? grant.RetryAfter : TimeSpan.FromMilliseconds(100));
                        break;
                }
            }
        }

        private static long Ticks(TimeProvider time, TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);
    }
}
