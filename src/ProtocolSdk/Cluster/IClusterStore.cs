using System;
using System.Threading;
using System.Threading.Tasks;

namespace ProtocolSdk;

/// <summary>
/// A store shared by every server instance of a fleet, for the policies declared with <c>ClusterWide = true</c>
/// (<see cref="MaxConnectionsAttribute.ClusterWide"/>, <see cref="ThrottleAttribute.ClusterWide"/>). Set it as
/// <see cref="ProtocolServerOptions.ClusterStore"/>; <c>ProtocolSdk.Redis</c> implements it on Redis.
/// <para>
/// The core calls it only off the hot path: once per accepted connection (<see cref="TryAcquireSlotsAsync"/>), once
/// when it closes (<see cref="ReleaseSlots"/>), and when a throttle's locally held slice of a shared budget runs low
/// (<see cref="TakeBudgetAsync"/>); a received chunk never calls it. Its methods must not throw for store failures
/// (unreachable, slow, broken): they answer with the store's failure mode instead (see <see cref="ClusterDecision"/>),
/// so no protocol callback ever sees a store exception.
/// </para>
/// </summary>
public interface IClusterStore
{
    /// <summary>
    /// Takes one connection slot under every limit in <paramref name="limits"/> atomically (all or none): granted only
    /// if each key holds fewer than its limit. <paramref name="policy"/> names the policy the keys belong to (protocol
    /// type and limits); the store keeps all keys of one policy together (one Redis Cluster slot).
    /// </summary>
    /// <returns>
    /// <see cref="ClusterDecision.Granted"/> with a lease to give back through <see cref="ReleaseSlots"/>;
    /// <see cref="ClusterDecision.Refused"/> with the index of the first full limit (or -1 when the store's fail-closed
    /// mode refused it); or <see cref="ClusterDecision.UseLocal"/> when the store cannot answer and falls back to the
    /// per-instance limit (the lease is still given back, and the store counts it once it can).
    /// </returns>
    ValueTask<ClusterSlots> TryAcquireSlotsAsync(string policy, ReadOnlyMemory<ClusterLimit> limits, CancellationToken cancellationToken = default);

    /// <summary>Gives back what <see cref="TryAcquireSlotsAsync"/> granted (or noted locally); returns at once, never throws.</summary>
    void ReleaseSlots(ClusterSlots slots);

    /// <summary>
    /// Leases up to <paramref name="wanted"/> bytes of a shared budget that refills at <paramref name="bytesPerSecond"/>
    /// up to <paramref name="burstBytes"/>, on the store's clock. <paramref name="policy"/> names the throttle,
    /// <paramref name="key"/> the budget within it (a peer, or all connections).
    /// </summary>
    ValueTask<ClusterBudgetGrant> TakeBudgetAsync(string policy, string key, double bytesPerSecond, double burstBytes, long wanted, CancellationToken cancellationToken = default);
}
