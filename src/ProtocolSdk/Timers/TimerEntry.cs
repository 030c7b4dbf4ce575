using System.Threading;

namespace ProtocolSdk.Timers;

/// <summary>
/// One deadline in a <see cref="TimerWheel"/>. Entries are long-lived (one per connection and purpose), so
/// scheduling, resetting and cancelling allocate nothing. The deadline is read lazily by the wheel: moving it
/// later (<see cref="TimerWheel.Postpone"/>) is a single volatile write, and the wheel re-files the entry when
/// its old slot comes round.
/// </summary>
internal abstract class TimerEntry
{
    private long _deadline = long.MaxValue;

    // Intrusive list links and slot index; guarded by the wheel's lock.
    internal TimerEntry? Next;
    internal TimerEntry? Previous;
    internal int Slot = -1;

    /// <summary>Deadline as a <see cref="System.TimeProvider.GetTimestamp"/> value; <see cref="long.MaxValue"/> when not scheduled.</summary>
    internal long Deadline
    {
        get => Volatile.Read(ref _deadline);
        set => Volatile.Write(ref _deadline, value);
    }

    /// <summary>True while the entry is filed in the wheel.</summary>
    internal bool IsScheduled => Volatile.Read(ref Slot) >= 0;

    /// <summary>Runs on the wheel's timer thread when the deadline has passed; must not block.</summary>
    internal abstract void Fire();
}
