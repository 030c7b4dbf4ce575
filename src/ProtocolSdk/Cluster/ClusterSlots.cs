namespace ProtocolSdk;

/// <summary>The answer of <see cref="IClusterStore.TryAcquireSlotsAsync"/>: the decision, and what to give back.</summary>
public readonly struct ClusterSlots
{
    /// <summary>Creates an answer; <paramref name="lease"/> is the store's own handle (null when refused).</summary>
    public ClusterSlots(ClusterDecision decision, object? lease, int refusedLimit = -1)
    {
        Decision = decision;
        Lease = lease;
        RefusedLimit = refusedLimit;
    }

    /// <summary>Granted, refused, or fall back to the per-instance limit.</summary>
    public ClusterDecision Decision { get; }

    /// <summary>The store's handle for <see cref="IClusterStore.ReleaseSlots"/>; null when nothing is held.</summary>
    public object? Lease { get; }

    /// <summary>When refused: the index of the first full limit in the request, or -1 (refused without asking the store).</summary>
    public int RefusedLimit { get; }
}
