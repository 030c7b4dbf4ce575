using Microsoft.Extensions.Time.Testing;
using ProtocolSdk.Timers;

namespace ProtocolSdk.Tests.Unit;

public class TimerWheelTests
{
    private sealed class Probe(FakeTimeProvider clock) : TimerEntry
    {
        public readonly List<DateTimeOffset> Fired = new();
        internal override void Fire() => Fired.Add(clock.GetUtcNow());
    }

    private static void Advance(FakeTimeProvider clock, TimeSpan by)
    {
        for (var left = by; left > TimeSpan.Zero; left -= TimeSpan.FromMilliseconds(5))
        {
            clock.Advance(left < TimeSpan.FromMilliseconds(5) ? left : TimeSpan.FromMilliseconds(5));
        }
    }

    [Fact]
    public void Thousands_of_entries_fire_within_50ms_of_their_deadlines()
    {
        var clock = new FakeTimeProvider();
        using var wheel = new TimerWheel(clock);
        var start = clock.GetUtcNow();
        var random = new Random(3);
        var probes = Enumerable.Range(0, 5000).Select(_ => new Probe(clock)).ToArray();
        var deadlines = new TimeSpan[probes.Length];
        for (int i = 0; i < probes.Length; i++)
        {
            deadlines[i] = TimeSpan.FromMilliseconds(random.Next(1, 12_000));
            wheel.Schedule(probes[i], wheel.DeadlineAfter(deadlines[i]));
        }
        Assert.Equal(5000, wheel.Count);
        Advance(clock, TimeSpan.FromSeconds(12.1));
        for (int i = 0; i < probes.Length; i++)
        {
            var fired = Assert.Single(probes[i].Fired) - start;
            Assert.InRange(fired, deadlines[i], deadlines[i] + TimeSpan.FromMilliseconds(50));
        }
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Postpone_moves_the_deadline_without_refiling_and_cancel_stops_it()
    {
        var clock = new FakeTimeProvider();
        using var wheel = new TimerWheel(clock);
        var start = clock.GetUtcNow();
        var postponed = new Probe(clock);
        var cancelled = new Probe(clock);
        wheel.Schedule(postponed, wheel.DeadlineAfter(TimeSpan.FromSeconds(1)));
        wheel.Schedule(cancelled, wheel.DeadlineAfter(TimeSpan.FromSeconds(1)));
        Advance(clock, TimeSpan.FromMilliseconds(800));
        TimerWheel.Postpone(postponed, wheel.DeadlineAfter(TimeSpan.FromSeconds(7))); // past a wheel revolution
        wheel.Cancel(cancelled);
        wheel.Cancel(cancelled); // twice: harmless
        Advance(clock, TimeSpan.FromSeconds(8));
        Assert.Empty(cancelled.Fired);
        var firedAt = Assert.Single(postponed.Fired) - start;
        Assert.InRange(firedAt, TimeSpan.FromSeconds(7.8), TimeSpan.FromSeconds(7.85));
    }

    [Fact]
    public void Postpone_of_an_entry_that_is_not_scheduled_does_nothing()
    {
        var clock = new FakeTimeProvider();
        using var wheel = new TimerWheel(clock);
        var probe = new Probe(clock);
        TimerWheel.Postpone(probe, wheel.DeadlineAfter(TimeSpan.FromSeconds(1)));
        Advance(clock, TimeSpan.FromSeconds(2));
        Assert.Empty(probe.Fired);
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Postpone_is_allocation_free()
    {
        var clock = new FakeTimeProvider();
        using var wheel = new TimerWheel(clock);
        var probe = new Probe(clock);
        wheel.Schedule(probe, wheel.DeadlineAfter(TimeSpan.FromSeconds(1)));
        for (int i = 0; i < 100; i++) TimerWheel.Postpone(probe, wheel.DeadlineAfter(TimeSpan.FromSeconds(1)));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) TimerWheel.Postpone(probe, wheel.DeadlineAfter(TimeSpan.FromSeconds(1)));
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>A clock whose timers count how often they fire: the wheel's wake-ups.</summary>
    private sealed class CountingClock : FakeTimeProvider
    {
        public int Fired;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            base.CreateTimer(s => { Fired++; callback(s); }, state, dueTime, period);
    }

    [Fact]
    public void A_far_deadline_wakes_the_wheel_once_per_revolution_not_every_tick_and_still_fires_on_time()
    {
        var clock = new CountingClock();
        using var wheel = new TimerWheel(clock);
        var start = clock.GetUtcNow();
        var idle = new Probe(clock);
        wheel.Schedule(idle, wheel.DeadlineAfter(TimeSpan.FromSeconds(12))); // an idle timeout: more than two revolutions away
        Advance(clock, TimeSpan.FromSeconds(11));
        Assert.Empty(idle.Fired);
        // 1,100 ticks went by; the wheel looked at the entry's slot once per 5.12 s revolution, not at every tick.
        Assert.InRange(clock.Fired, 1, 3);

        var soon = new Probe(clock);
        wheel.Schedule(soon, wheel.DeadlineAfter(TimeSpan.FromMilliseconds(40))); // an earlier entry re-arms the timer
        Advance(clock, TimeSpan.FromMilliseconds(100));
        var soonAfter = Assert.Single(soon.Fired) - start - TimeSpan.FromSeconds(11);
        Assert.InRange(soonAfter, TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(60));

        Advance(clock, TimeSpan.FromSeconds(1));
        var idleAfter = Assert.Single(idle.Fired) - start;
        Assert.InRange(idleAfter, TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(12.02));
    }

    [Fact]
    public void An_idle_wheel_stops_ticking_and_restarts_on_time_after_a_long_idle_spell()
    {
        var clock = new FakeTimeProvider();
        using var wheel = new TimerWheel(clock);
        Assert.False(wheel.IsTicking);
        var start = clock.GetUtcNow();
        var first = new Probe(clock);
        wheel.Schedule(first, wheel.DeadlineAfter(TimeSpan.FromMilliseconds(100)));
        Assert.True(wheel.IsTicking);
        Advance(clock, TimeSpan.FromMilliseconds(150));
        Assert.Single(first.Fired);
        Assert.False(wheel.IsTicking); // nothing filed: no more wake-ups

        clock.Advance(TimeSpan.FromMinutes(7)); // idle, far more than a wheel revolution
        var second = new Probe(clock);
        var scheduledAt = clock.GetUtcNow();
        wheel.Schedule(second, wheel.DeadlineAfter(TimeSpan.FromMilliseconds(30)));
        Advance(clock, TimeSpan.FromMilliseconds(100));
        var firedAfter = Assert.Single(second.Fired) - scheduledAt;
        Assert.InRange(firedAfter, TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(80));
        Assert.True(start < scheduledAt);
    }

    /// <summary>Re-files itself with RetryNextTick while 'busy' (as a timer whose connection is inside a callback).</summary>
    private sealed class BusyProbe(FakeTimeProvider clock, TimerWheel wheel) : TimerEntry
    {
        public int BusyFor;
        public readonly List<DateTimeOffset> Ran = new();

        internal override void Fire()
        {
            if (BusyFor-- > 0) wheel.RetryNextTick(this);
            else Ran.Add(clock.GetUtcNow());
        }
    }

    [Fact]
    public void RetryNextTick_runs_the_entry_one_tick_later_and_other_entries_are_not_held_up()
    {
        var clock = new FakeTimeProvider();
        using var wheel = new TimerWheel(clock);
        var start = clock.GetUtcNow();
        var busy = new BusyProbe(clock, wheel) { BusyFor = 3 };
        var other = new Probe(clock);
        wheel.Schedule(busy, wheel.DeadlineAfter(TimeSpan.FromMilliseconds(50)));
        wheel.Schedule(other, wheel.DeadlineAfter(TimeSpan.FromMilliseconds(60)));
        Advance(clock, TimeSpan.FromMilliseconds(200));
        Assert.InRange(Assert.Single(other.Fired) - start, TimeSpan.FromMilliseconds(60), TimeSpan.FromMilliseconds(80));
        // Three retries, a tick (10 ms) each, after its 50 ms deadline.
        Assert.InRange(Assert.Single(busy.Ran) - start, TimeSpan.FromMilliseconds(80), TimeSpan.FromMilliseconds(110));
        Assert.Equal(0, wheel.Count);
        Assert.False(wheel.IsTicking);
    }

    [Fact]
    public void RetryNextTick_leaves_an_entry_that_was_scheduled_again_meanwhile_alone()
    {
        var clock = new FakeTimeProvider();
        using var wheel = new TimerWheel(clock);
        var start = clock.GetUtcNow();
        var probe = new Probe(clock);
        wheel.Schedule(probe, wheel.DeadlineAfter(TimeSpan.FromSeconds(1)));
        wheel.RetryNextTick(probe); // e.g. a new SetTimeout raced the retry: the new deadline wins
        Advance(clock, TimeSpan.FromMilliseconds(500));
        Assert.Empty(probe.Fired);
        Advance(clock, TimeSpan.FromMilliseconds(550));
        Assert.InRange(Assert.Single(probe.Fired) - start, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1030));
    }

    [Fact]
    public void RetryNextTick_allocates_nothing()
    {
        var clock = new FakeTimeProvider();
        using var wheel = new TimerWheel(clock);
        var keeper = new Probe(clock); // keeps the wheel ticking, as the connection's other timers would
        wheel.Schedule(keeper, wheel.DeadlineAfter(TimeSpan.FromMinutes(1)));
        var probe = new Probe(clock);
        for (int i = 0; i < 100; i++) { wheel.RetryNextTick(probe); wheel.Cancel(probe); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) { wheel.RetryNextTick(probe); wheel.Cancel(probe); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
