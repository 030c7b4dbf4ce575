using System;
using ProtocolSdk.Timers;

namespace ProtocolSdk.Policies;

/// <summary>
/// The write side of <c>[Throttle]</c> for one connection: the transport takes tokens before sending and,
/// when none are left, keeps the bytes buffered and parks its send loop until this wakes it. Nothing is dropped;
/// the high-water mark pauses the producer while output waits.
/// </summary>
internal sealed class WriteThrottle : TimerEntry, IDisposable
{
    private readonly TokenBucket _bucket;
    private readonly TimerWheel _wheel;
    private Transport? _transport;

    public WriteThrottle(TokenBucket bucket, TimerWheel wheel)
    {
        _bucket = bucket;
        _wheel = wheel;
        bucket.AddUser();
    }

    /// <summary>Takes up to <paramref name="wanted"/> tokens at <paramref name="now"/> (the transport's <see cref="Transport.PolicyNow"/>).</summary>
    public int Take(int wanted, long now) => _bucket.Take(wanted, now);

    public void Refund(int bytes) => _bucket.Refund(bytes);

    /// <summary>Charges wire bytes sent beyond the tokens taken (TLS record overhead); may run the bucket into debt.</summary>
    public void Charge(long bytes) => _bucket.Consume((int)Math.Min(bytes, int.MaxValue));

    /// <summary>Schedules a wake-up of the transport's send loop for when a useful amount of tokens is back.</summary>
    public void WakeWhenAvailable(Transport transport)
    {
        _transport = transport;
        if (IsScheduled) return;
        double quantum = Math.Min(1024, _bucket.BurstBytes);
        _wheel.Schedule(this, _wheel.DeadlineAfter(_bucket.TimeUntil(quantum)));
    }

    internal override void Fire() => _transport?.WakeOutput();

    public void Dispose()
    {
        _wheel.Cancel(this);
        _bucket.RemoveUser();
        _transport = null;
    }
}
