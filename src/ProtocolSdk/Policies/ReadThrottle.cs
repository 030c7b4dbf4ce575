using System;
using ProtocolSdk.Internal;
using ProtocolSdk.Timers;

namespace ProtocolSdk.Policies;

/// <summary>
/// The read side of <c>[Throttle]</c> for one connection. Each received chunk is charged to the bucket; when
/// the bucket is in debt, socket reads pause (TCP backpressure reaches the sender) until the debt is repaid.
/// The receive size is also capped at the available budget so reads stay smooth rather than bursty.
/// </summary>
internal sealed class ReadThrottle : TimerEntry, IDisposable
{
    private const int MinimumReadSize = 512;

    private readonly TokenBucket _bucket;
    private readonly Transport _transport;
    private readonly TimerWheel _wheel;
    private readonly ProtocolMetrics _metrics;
    private volatile bool _disposed;
    private long _wireSeen, _plainSeen, _overhead; // receive loop only: wire bytes beyond the plaintext delivered

    public ReadThrottle(TokenBucket bucket, Transport transport)
    {
        _bucket = bucket;
        _transport = transport;
        _wheel = transport.Timers;
        _metrics = ProtocolMetrics.Instance;
        bucket.AddUser();
        _wireSeen = transport.WireBytesReceived; // a TLS handshake before ConnectionMade is not charged
        _plainSeen = transport.BytesReceived;
        UpdateReadSize(bucket.Available);
    }

    public void OnReceived(int bytes)
    {
        double balance = _bucket.Consume(WireCharge(bytes), _transport.PolicyNow());
        if (balance < 0)
        {
            _metrics.ThrottlePaused();
            _transport.SetReadPause(ReadPauseReason.Throttle, true);
            if (!IsScheduled) _wheel.Schedule(this, _wheel.DeadlineAfter(_bucket.TimeUntil(0)));
        }
        else
        {
            UpdateReadSize(balance);
        }
    }

    /// <summary>
    /// What a delivered chunk costs in wire bytes. On plaintext that is the chunk. Over TLS the ciphertext that came
    /// in since the last chunk is charged (record overhead included): a decrypted record may arrive with the next
    /// one already read, so one chunk can cost more than its plaintext and the next one less; the sum is the wire.
    /// </summary>
    private int WireCharge(int bytes)
    {
        long wire = _transport.WireBytesReceived, plain = _transport.BytesReceived;
        _overhead += (wire - _wireSeen) - (plain - _plainSeen);
        _wireSeen = wire;
        _plainSeen = plain;
        long charge = bytes + _overhead;
        if (charge < 0)
        {
            _overhead = charge; // charged ahead already: this chunk is free, and the credit carries on
            return 0;
        }
        _overhead = 0;
        return (int)Math.Min(charge, int.MaxValue);
    }

    internal override void Fire()
    {
        // Fire runs on the wheel's thread after the wheel unfiled the entry, so Dispose (connection lost, on another
        // thread) may run at any point in here; its Cancel then finds nothing filed. Re-filing after it would keep a
        // dead connection in the wheel (and the wheel ticking) until the bucket refills, so check both before and
        // after: Dispose sets the flag before it cancels, hence one of the two always sees the other.
        if (_disposed) return;
        double available = _bucket.Available;
        if (available < 0)
        {
            _wheel.Schedule(this, _wheel.DeadlineAfter(_bucket.TimeUntil(0)));
            if (_disposed) _wheel.Cancel(this);
            return;
        }
        UpdateReadSize(available);
        _transport.SetReadPause(ReadPauseReason.Throttle, false);
    }

    private void UpdateReadSize(double available)
    {
        // Ask the socket for no more than the budget, so the limit is met by many small reads rather than a few
        // big ones. A shared budget gives every connection the same quantum (a tenth of a second's worth split
        // between them), so the order in which connections wake does not decide who gets more.
        int users = _bucket.Users;
        double size = users > 1
            ? Math.Min(_bucket.BurstBytes, _bucket.BytesPerSecond * 0.1) / users
            : available;
        _transport.ReadSizeLimit = (int)Math.Min(int.MaxValue, Math.Max(MinimumReadSize, size));
    }

    public void Dispose()
    {
        _disposed = true;
        _wheel.Cancel(this);
        _bucket.RemoveUser();
    }
}
