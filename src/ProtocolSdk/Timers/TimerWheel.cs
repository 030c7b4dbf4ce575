using System;
using System.Collections.Generic;
using System.Threading;

namespace ProtocolSdk.Timers;

/// <summary>
/// A hashed timing wheel driven by one <see cref="ITimer"/> from a <see cref="TimeProvider"/>.
/// It serves every per-connection deadline of a server (idle timeouts, throttle wake-ups) with O(1),
/// allocation-free schedule, postpone and cancel, and fires entries within one tick (10 ms) of their
/// deadline plus thread-pool latency. The timer is armed for the next tick whose slot holds an entry, not every
/// tick: a server whose only deadlines are idle timeouts minutes away does not wake up (and wake a thread-pool
/// worker, which then spins looking for more work) 100 times a second, and an idle one not at all.
/// </summary>
internal sealed class TimerWheel : IDisposable
{
    /// <summary>Resolution of the wheel.</summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(10);

    private const int SlotCount = 512; // 5.12 s per revolution; later deadlines wait for further rounds.
    private const int SlotMask = SlotCount - 1;

    private readonly TimeProvider _time;
    private readonly TimerEntry?[] _slots = new TimerEntry?[SlotCount];
    private readonly object _lock = new();
    private readonly object _tickLock = new();
    private readonly List<TimerEntry> _due = new();
    private readonly long _origin;
    private readonly long _timestampsPerTick;
    private readonly ITimer _timer;
    private long _processedTick;
    private long _armedTick = long.MaxValue; // the tick the timer is armed for; MaxValue: not armed
    private bool _inTick;                    // OnTick is filing entries: it arms the timer once it is done
    private bool _tickRequested;             // the timer fired: a tick is owed (run by whoever holds _tickLock)
    private int _count;
    private bool _running;

    public TimerWheel(TimeProvider time)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _origin = time.GetTimestamp();
        _timestampsPerTick = Math.Max(1, (long)(TickInterval.TotalSeconds * time.TimestampFrequency));
        _timer = time.CreateTimer(static state => ((TimerWheel)state!).OnTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public TimeProvider TimeProvider => _time;

    /// <summary>Entries currently filed (for tests and metrics).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>True while the periodic timer runs (some entry is filed).</summary>
    public bool IsTicking
    {
        get { lock (_lock) return _running; }
    }

    public long Now => _time.GetTimestamp();

    public long DeadlineAfter(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero) return Now;
        double units = delay.TotalSeconds * _time.TimestampFrequency;
        return units >= long.MaxValue / 2 ? long.MaxValue - 1 : Now + (long)units;
    }

    /// <summary>Files <paramref name="entry"/> to fire at <paramref name="deadline"/> (a timestamp), replacing any earlier deadline.</summary>
    public void Schedule(TimerEntry entry, long deadline)
    {
        lock (_lock)
        {
            entry.Deadline = deadline;
            if (entry.Slot >= 0) Unlink(entry);
            Link(entry, TickFor(deadline));
        }
    }

    /// <summary>
    /// Moves a scheduled entry's deadline later without touching the wheel: one volatile write.
    /// Does nothing when the entry is not scheduled (it fired or was cancelled), as in Twisted's resetTimeout.
    /// </summary>
    public static void Postpone(TimerEntry entry, long deadline)
    {
        if (entry.IsScheduled) entry.Deadline = deadline;
    }

    /// <summary>
    /// Files an entry that could not run now (its connection was inside a callback) for the next tick. Does nothing
    /// when the entry was scheduled again meanwhile (that deadline wins). Allocation-free.
    /// </summary>
    public void RetryNextTick(TimerEntry entry)
    {
        lock (_lock)
        {
            if (entry.Slot >= 0) return;
            long now = Now;
            entry.Deadline = now;
            Link(entry, TickFor(now));
        }
    }

    /// <summary>Removes the entry; harmless when it is not scheduled.</summary>
    public void Cancel(TimerEntry entry)
    {
        if (!entry.IsScheduled) return;
        lock (_lock)
        {
            if (entry.Slot >= 0) Unlink(entry);
            entry.Deadline = long.MaxValue;
        }
    }

    private long TickFor(long deadline) => Math.Max((deadline - _origin) / _timestampsPerTick, _processedTick + 1);

    private void Link(TimerEntry entry, long tick)
    {
        if (!_running)
        {
            // First entry after an idle spell: nothing was filed meanwhile, so no tick needs catching up.
            _running = true;
            _processedTick = Math.Max(_processedTick, (_time.GetTimestamp() - _origin) / _timestampsPerTick);
            if (tick <= _processedTick) tick = _processedTick + 1;
        }
        int slot = (int)(tick & SlotMask);
        // The slot is next looked at on its first tick after the processed one (a later revolution re-files the entry).
        long visit = _processedTick + 1 + ((slot - (_processedTick + 1)) & SlotMask);
        if (!_inTick && visit < _armedTick) Arm(visit);
        var head = _slots[slot];
        entry.Previous = null;
        entry.Next = head;
        if (head is not null) head.Previous = entry;
        _slots[slot] = entry;
        Volatile.Write(ref entry.Slot, slot);
        _count++;
    }

    private void Unlink(TimerEntry entry)
    {
        if (entry.Previous is not null) entry.Previous.Next = entry.Next;
        else _slots[entry.Slot] = entry.Next;
        if (entry.Next is not null) entry.Next.Previous = entry.Previous;
        entry.Next = entry.Previous = null;
        Volatile.Write(ref entry.Slot, -1);
        _count--;
    }

    private void OnTick()
    {
        // One tick at a time. The timer is one-shot and re-armed inside a tick, before the due entries fire, so it can
        // fire again while those still run: that call records the tick it owes and the running one goes round again
        // (after releasing the lock, so a request made just then is never lost), or the caller runs it.
        Volatile.Write(ref _tickRequested, true);
        while (Volatile.Read(ref _tickRequested) && Monitor.TryEnter(_tickLock))
        {
            try
            {
                Volatile.Write(ref _tickRequested, false);
                Tick();
            }
            finally
            {
                Monitor.Exit(_tickLock);
            }
        }
    }

    private void Tick()
    {
        long now = _time.GetTimestamp();
        long nowTick = (now - _origin) / _timestampsPerTick;
        lock (_lock)
        {
            _inTick = true;
            long from = _processedTick + 1;
            if (nowTick - from >= SlotCount) from = nowTick - SlotCount + 1; // far behind: every slot once
            for (long tick = from; tick <= nowTick; tick++)
            {
                CollectDue(tick, now);
            }
            if (nowTick > _processedTick) _processedTick = nowTick;
            _inTick = false;
            _armedTick = long.MaxValue;
            if (_count == 0)
            {
                _running = false; // idle: no wake-up until the next Schedule
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
            else
            {
                ArmNextOccupiedTick();
            }
        }

        foreach (var entry in _due)
        {
            entry.Fire();
        }
        _due.Clear();
    }

    private void CollectDue(long tick, long now)
    {
        int slot = (int)(tick & SlotMask);
        var entry = _slots[slot];
        while (entry is not null)
        {
            var next = entry.Next;
            long deadline = entry.Deadline;
            if (deadline <= now)
            {
                Unlink(entry);
                entry.Deadline = long.MaxValue;
                _due.Add(entry);
            }
            else
            {
                long deadlineTick = (deadline - _origin) / _timestampsPerTick;
                if (deadlineTick <= tick)
                {
                    // Due within this tick but after 'now': fire on the next tick.
                    deadlineTick = tick + 1;
                }
                int target = (int)(deadlineTick & SlotMask);
                if (target != slot)
                {
                    // Postponed since it was filed: move it to the slot of its new deadline.
                    Unlink(entry);
                    Link(entry, deadlineTick);
                }
            }
            entry = next;
        }
    }

    /// <summary>Arms the timer for the first tick after the processed one whose slot holds an entry (under the lock).</summary>
    private void ArmNextOccupiedTick()
    {
        for (long tick = _processedTick + 1; tick <= _processedTick + SlotCount; tick++)
        {
            if (_slots[(int)(tick & SlotMask)] is not null)
            {
                Arm(tick);
                return;
            }
        }
    }

    /// <summary>
    /// Arms the one-shot timer for the start of <paramref name="tick"/> (under the lock), rounded up so it never fires
    /// before the tick began; a tick that began already fires after the smallest delay (never inline in this call).
    /// </summary>
    private void Arm(long tick)
    {
        _armedTick = tick;
        long due = _origin + tick * _timestampsPerTick - _time.GetTimestamp();
        long dueTicks = due <= 0 ? 1 : Math.Max(1, (long)Math.Ceiling(due * (double)TimeSpan.TicksPerSecond / _time.TimestampFrequency));
        _timer.Change(TimeSpan.FromTicks(dueTicks), Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timer.Dispose();
}
