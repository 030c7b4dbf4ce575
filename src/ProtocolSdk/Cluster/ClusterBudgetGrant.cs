using System;

namespace ProtocolSdk;

/// <summary>The answer of <see cref="IClusterStore.TakeBudgetAsync"/>.</summary>
public readonly struct ClusterBudgetGrant
{
    /// <summary>Creates an answer.</summary>
    public ClusterBudgetGrant(ClusterDecision decision, long bytes, TimeSpan retryAfter = default)
    {
        Decision = decision;
        Bytes = bytes;
        RetryAfter = retryAfter;
    }

    /// <summary>
    /// <see cref="ClusterDecision.Granted"/>: <see cref="Bytes"/> were taken from the shared budget (possibly fewer than
    /// asked, or none); <see cref="ClusterDecision.UseLocal"/>: the store cannot answer, refill locally at the
    /// per-instance rate until it can; <see cref="ClusterDecision.Refused"/>: nothing now (fail-closed).
    /// </summary>
    public ClusterDecision Decision { get; }

    /// <summary>Bytes granted.</summary>
    public long Bytes { get; }

    /// <summary>When the shared budget will have tokens again, if the store knows (zero when unknown or now).</summary>
    public TimeSpan RetryAfter { get; }
}
