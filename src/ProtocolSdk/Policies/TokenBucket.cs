using System;

namespace ProtocolSdk.Policies;

/// <summary>
/// A thread-safe token bucket measured in bytes, refilled lazily from a monotonic clock: no timer per bucket,
/// no lease objects. Reads may run it into debt (the bytes already arrived) and then wait until it is repaid;
/// writes take only what is available. When several connections share one bucket, each take is capped at a
/// fair share of the burst so one busy connection cannot starve the others.
/// </summary>
public sealed partial class TokenBucket
{
    private const int MinimumShare = 1024;

    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly double _tokensPerTimestamp;
    private double _tokens;
    private long _lastRefill;
    private int _users;

    /// <summary>Creates a full bucket.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate or burst is not positive and finite.</exception>
    public TokenBucket(double bytesPerSecond, double burstBytes, TimeProvider time)
    {
        if (!(bytesPerSecond > 0) || double.IsInfinity(bytesPerSecond))
            throw new ArgumentOutOfRangeException(nameof(bytesPerSecond), bytesPerSecond, "The rate must be positive and finite.");
        if (!(burstBytes > 0) || double.IsInfinity(burstBytes))
            throw new ArgumentOutOfRangeException(nameof(burstBytes), burstBytes, "The burst must be positive and finite.");
        _time = time ?? throw new ArgumentNullException(nameof(time));
        BytesPerSecond = bytesPerSecond;
        BurstBytes = burstBytes;
        _tokensPerTimestamp = bytesPerSecond / time.TimestampFrequency;
        _tokens = burstBytes;
        _lastRefill = time.GetTimestamp();
    }

    /// <summary>The refill rate.</summary>
    public double BytesPerSecond { get; }

    /// <summary>The bucket's capacity.</summary>
    public double BurstBytes { get; }

    /// <summary>Tokens available now (negative while in debt).</summary>
    public double Available
    {
        get { lock (_lock) { Refill(); return _tokens; } }
    }

    /// <summary>Connections currently sharing the bucket.</summary>
    public int Users
    {
        get { lock (_lock) return _users; }
    }

    internal void AddUser()
    {
        lock (_lock) _users++;
    }

    internal void RemoveUser()
    {
        lock (_lock) _users--;
    }

    /// <summary>Takes up to <paramref name="wanted"/> bytes' worth of tokens, never into debt; returns how many were taken.</summary>
    public int Take(int wanted) => Take(wanted, _time.GetTimestamp());

    /// <summary><see cref="Take(int)"/> at a time the caller already read from this bucket's clock.</summary>
    internal int Take(int wanted, long now)
    {
        lock (_lock)
        {
            Refill(now);
            double cap = _tokens;
            if (_users > 1) cap = Math.Min(cap, Math.Max(BurstBytes / _users, Math.Min(MinimumShare, BurstBytes)));
            int taken = (int)Math.Min(wanted, Math.Floor(cap));
            if (taken <= 0) return 0;
            _tokens -= taken;
            return taken;
        }
    }

    /// <summary>Consumes <paramref name="bytes"/> tokens, running into debt if needed; returns the balance after.</summary>
    public double Consume(int bytes) => Consume(bytes, _time.GetTimestamp());

    /// <summary><see cref="Consume(int)"/> at a time the caller already read from this bucket's clock.</summary>
    internal double Consume(int bytes, long now)
    {
        lock (_lock)
        {
            Refill(now);
            _tokens -= bytes;
            return _tokens;
        }
    }

    /// <summary>Gives back tokens taken but not used.</summary>
    public void Refund(int bytes)
    {
        lock (_lock)
        {
            _tokens = Math.Min(BurstBytes, _tokens + bytes);
        }
    }

    /// <summary>How long until at least <paramref name="tokens"/> are available (zero if they are now).</summary>
    public TimeSpan TimeUntil(double tokens)
    {
        lock (_lock)
        {
            Refill();
            double missing = Math.Min(tokens, BurstBytes) - _tokens;
            if (missing <= 0) return TimeSpan.Zero;
            // A shared budget refills when a slice arrives: the fleet-wide rate gives the earliest time worth looking again.
            return TimeSpan.FromSeconds(missing / BytesPerSecond);
        }
    }

    private void Refill() => Refill(_time.GetTimestamp());

    private void Refill(long now)
    {
        if (_feed is not null && !_feed.RefillsLocally)
        {
            _feed.TopUpIfLow(_tokens); // shared budget: tokens come only from slices leased from the cluster store
            return;
        }
        RefillFromClock(now);
        _feed?.ProbeIfDue();
    }

    private void RefillFromClock(long now)
    {
        // A time older than the last refill (another thread refilled with a later one) adds nothing.
        long elapsed = now - _lastRefill;
        if (elapsed <= 0) return;
        _lastRefill = now;
        _tokens = Math.Min(BurstBytes, _tokens + elapsed * _tokensPerTimestamp);
    }
}
