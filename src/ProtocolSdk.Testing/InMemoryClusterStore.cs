using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ProtocolSdk.Testing;

/// <summary>
/// An <see cref="IClusterStore"/> in memory, for tests of ClusterWide policies without Redis: give the same instance
/// to several <see cref="ProtocolTestHost"/>s (or servers) and they share its counts and budgets, as a fleet shares
/// Redis. Budgets refill on the given clock. <see cref="IsAvailable"/> simulates an outage (answers follow
/// <see cref="FailureMode"/>), and <see cref="HoldAnswers"/> keeps answers pending to test what happens meanwhile.
/// Thread-safe.
/// </summary>
public sealed class InMemoryClusterStore : IClusterStore
{
    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double Tokens, long Last)> _budgets = new(StringComparer.Ordinal);
    private TaskCompletionSource? _held;
    private long _slotCalls, _budgetCalls;

    /// <summary>Creates an empty store; budgets refill on <paramref name="time"/> (default the system clock).</summary>
    public InMemoryClusterStore(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>False simulates a store that cannot be reached: every answer follows <see cref="FailureMode"/>.</summary>
    public bool IsAvailable { get; set; } = true;

    /// <summary>What the store answers while it is not available. Default <see cref="ClusterFailureMode.FailLocal"/>.</summary>
    public ClusterFailureMode FailureMode { get; set; } = ClusterFailureMode.FailLocal;

    /// <summary>Calls of <see cref="TryAcquireSlotsAsync"/> so far.</summary>
    public long SlotCalls => Interlocked.Read(ref _slotCalls);

    /// <summary>Calls of <see cref="TakeBudgetAsync"/> so far.</summary>
    public long BudgetCalls => Interlocked.Read(ref _budgetCalls);

    /// <summary>Slots held under <paramref name="key"/> of <paramref name="policy"/> (as <see cref="ClusterLimit.Key"/> names it).</summary>
    public int SlotsHeld(string policy, string key)
    {
        lock (_lock) return _slots.TryGetValue(policy + "/" + key, out int n) ? n : 0;
    }

    /// <summary>Slots held in all.</summary>
    public int TotalSlotsHeld
    {
        get
        {
            lock (_lock)
            {
                int sum = 0;
                foreach (var n in _slots.Values) sum += n;
                return sum;
            }
        }
    }

    /// <summary>From now on answers wait until <see cref="ReleaseAnswers"/> (as a slow store would).</summary>
    public void HoldAnswers()
    {
        lock (_lock) _held ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Lets every held answer through, and answers at once again.</summary>
    public void ReleaseAnswers()
    {
        TaskCompletionSource? held;
        lock (_lock)
        {
            held = _held;
            _held = null;
        }
        held?.TrySetResult();
    }

    /// <inheritdoc />
    public ValueTask<ClusterSlots> TryAcquireSlotsAsync(string policy, ReadOnlyMemory<ClusterLimit> limits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        Interlocked.Increment(ref _slotCalls);
        Task? held;
        lock (_lock) held = _held?.Task;
        if (held is null) return new ValueTask<ClusterSlots>(AcquireNow(policy, limits));
        return AcquireLaterAsync(held, policy, limits);
    }

    private async ValueTask<ClusterSlots> AcquireLaterAsync(Task held, string policy, ReadOnlyMemory<ClusterLimit> limits)
    {
        await held.ConfigureAwait(false);
        return AcquireNow(policy, limits);
    }

    private ClusterSlots AcquireNow(string policy, ReadOnlyMemory<ClusterLimit> limits)
    {
        var keys = new string[limits.Length];
        for (int i = 0; i < keys.Length; i++) keys[i] = policy + "/" + limits.Span[i].Key;
        if (!IsAvailable)
        {
            return FailureMode switch
            {
                ClusterFailureMode.FailOpen => new ClusterSlots(ClusterDecision.Granted, new Lease(Array.Empty<string>())),
                ClusterFailureMode.FailClosed => new ClusterSlots(ClusterDecision.Refused, null, -1),
                _ => new ClusterSlots(ClusterDecision.UseLocal, new Lease(Array.Empty<string>())),
            };
        }
        lock (_lock)
        {
            for (int i = 0; i < keys.Length; i++)
            {
                _slots.TryGetValue(keys[i], out int held);
                if (held >= limits.Span[i].Limit) return new ClusterSlots(ClusterDecision.Refused, null, i);
            }
            foreach (var key in keys)
            {
                _slots.TryGetValue(key, out int held);
                _slots[key] = held + 1;
            }
        }
        return new ClusterSlots(ClusterDecision.Granted, new Lease(keys));
    }

    /// <inheritdoc />
    public void ReleaseSlots(ClusterSlots slots)
    {
        if (slots.Lease is not Lease lease || !lease.TryRelease()) return;
        lock (_lock)
        {
            foreach (var key in lease.Keys)
            {
                int held = _slots[key];
                if (held <= 1) _slots.Remove(key);
                else _slots[key] = held - 1;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<ClusterBudgetGrant> TakeBudgetAsync(string policy, string key, double bytesPerSecond, double burstBytes, long wanted, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(key);
        Interlocked.Increment(ref _budgetCalls);
        if (!IsAvailable)
        {
            return new ValueTask<ClusterBudgetGrant>(FailureMode switch
            {
                ClusterFailureMode.FailOpen => new ClusterBudgetGrant(ClusterDecision.Granted, wanted),
                ClusterFailureMode.FailClosed => new ClusterBudgetGrant(ClusterDecision.Refused, 0),
                _ => new ClusterBudgetGrant(ClusterDecision.UseLocal, 0),
            });
        }
        string name = policy + "/" + key;
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            var (tokens, last) = _budgets.TryGetValue(name, out var state) ? state : (burstBytes, now);
            tokens = Math.Min(burstBytes, tokens + (now - last) * bytesPerSecond / _time.TimestampFrequency);
            long granted = (long)Math.Min(wanted, Math.Max(0, Math.Floor(tokens)));
            tokens -= granted;
            _budgets[name] = (tokens, now);
            var retry = granted < wanted ? TimeSpan.FromSeconds((wanted - granted - tokens) / bytesPerSecond) : TimeSpan.Zero;
            return new ValueTask<ClusterBudgetGrant>(new ClusterBudgetGrant(ClusterDecision.Granted, granted, retry));
        }
    }

    private sealed class Lease(string[] keys)
    {
        private int _released;

        public string[] Keys { get; } = keys;

        public bool TryRelease() => Interlocked.Exchange(ref _released, 1) == 0;
    }
}
