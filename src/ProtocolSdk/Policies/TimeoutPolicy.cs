using System;
using ProtocolSdk.Timers;

namespace ProtocolSdk.Policies;

/// <summary>
/// The idle timeout behind <c>[Timeout]</c> and Twisted's TimeoutMixin (<see cref="Protocol.SetTimeout"/>): one timer
/// entry per protocol, reused for every reset, so a reset is O(1) and allocation-free.
/// </summary>
internal sealed class TimeoutPolicy : TimerEntry
{
    private readonly Protocol _owner;
    private readonly TimerWheel _wheel;
    private long _periodTimestamps;
    private volatile bool _cancelled;

    public TimeoutPolicy(Protocol owner, TimerWheel wheel)
    {
        _owner = owner;
        _wheel = wheel;
    }

    public TimeSpan? Period { get; set; }

    public void Start(TimeSpan period)
    {
        Period = period;
        _cancelled = false;
        _periodTimestamps = (long)(period.TotalSeconds * _wheel.TimeProvider.TimestampFrequency);
        _wheel.Schedule(this, _wheel.Now + _periodTimestamps);
    }

    public void Reset()
    {
        long now = _owner.TransportOrNull is { } transport ? transport.PolicyNow() : _wheel.Now;
        TimerWheel.Postpone(this, now + _periodTimestamps);
    }

    public void Cancel()
    {
        _cancelled = true;
        _wheel.Cancel(this);
    }

    internal override void Fire()
    {
        var transport = _owner.TransportOrNull;
        transport?.RunTimeout(_owner, this);
    }

    /// <summary>Called under the connection's callback lock: true when the deadline really passed (no reset raced the wheel).</summary>
    internal bool ConfirmExpired()
    {
        if (_cancelled) return false;
        long deadline = Deadline;
        if (deadline == long.MaxValue)
        {
            return true; // the wheel unfiled it as due; nothing restarted it since
        }
        _wheel.Schedule(this, deadline); // postponed after the wheel picked it: wait for the new deadline
        return false;
    }
}
