using System;
using System.Collections.Generic;
using System.ComponentModel;

namespace ProtocolSdk.Policies;

/// <summary>
/// The configuration of a <c>[MaxConnections]</c>, held in a static field of the generated code. Counts live
/// per server and are released exactly once per admitted connection, however it ends.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class MaxConnectionsPolicy
{
    /// <summary>
    /// Creates the policy; zero means no limit of that kind. With <paramref name="clusterWide"/> the limits hold across
    /// every server sharing the <see cref="ProtocolServerOptions.ClusterStore"/>; <paramref name="clusterName"/> (the
    /// protocol type's full name) then names its keys there.
    /// </summary>
    public MaxConnectionsPolicy(int total, int perPeer, int ipv6PrefixLength = PolicyDefaults.IPv6PrefixLength, bool clusterWide = false, string? clusterName = null)
    {
        if (clusterWide && string.IsNullOrWhiteSpace(clusterName)) throw new ArgumentException("A ClusterWide limit needs the name its keys are stored under.", nameof(clusterName));
        if (total < 0) throw new ArgumentOutOfRangeException(nameof(total), total, "Must be zero (unlimited) or positive.");
        if (perPeer < 0) throw new ArgumentOutOfRangeException(nameof(perPeer), perPeer, "Must be zero (unlimited) or positive.");
        if (ipv6PrefixLength is < 0 or > 128) throw new ArgumentOutOfRangeException(nameof(ipv6PrefixLength), ipv6PrefixLength, "Must be 0..128.");
        if (total == 0 && perPeer == 0) throw new ArgumentException("A connection limit needs Total or PerPeer.");
        Total = total;
        PerPeer = perPeer;
        IPv6PrefixLength = ipv6PrefixLength;
        // Built once: a refusal names the limit (it is logged and is the metric's reason tag) without allocating.
        TotalRefusal = "total connection limit (" + total.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";
        PerPeerRefusal = "per-peer connection limit (" + perPeer.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";
        ClusterWide = clusterWide;
        if (clusterWide)
        {
            var invariant = System.Globalization.CultureInfo.InvariantCulture;
            // The protocol and its limits name the keys: two protocols, or two different limits, never share counts.
            ClusterPolicyName = clusterName + ":connections:t" + total.ToString(invariant) + ":p" + perPeer.ToString(invariant);
            _totalLimit = total > 0 ? new[] { new ClusterLimit(TotalKey, total) } : Array.Empty<ClusterLimit>();
        }
    }

    /// <summary>The key of the Total count in the cluster store.</summary>
    internal const string TotalKey = "total";

    private readonly ClusterLimit[] _totalLimit = Array.Empty<ClusterLimit>();

    /// <summary>Whether the limits hold across the servers sharing a cluster store.</summary>
    public bool ClusterWide { get; }

    /// <summary>The policy's name in the cluster store (protocol type and limits); null unless <see cref="ClusterWide"/>.</summary>
    public string? ClusterPolicyName { get; }

    private int _storeMissingLogged;

    /// <summary>The cluster limits a connection from <paramref name="peer"/> takes a slot under (Total first).</summary>
    internal ReadOnlyMemory<ClusterLimit> ClusterLimitsFor(PeerKey peer)
    {
        if (PerPeer == 0) return _totalLimit;
        var perPeer = new ClusterLimit(PeerKey.StoreKey(peer, IPv6PrefixLength), PerPeer);
        return Total > 0 ? new[] { _totalLimit[0], perPeer } : new[] { perPeer };
    }

    private string TotalRefusal { get; }

    private int _descriptorBudgetChecked;

    private string PerPeerRefusal { get; }

    /// <summary>Maximum live connections (0 = unlimited).</summary>
    public int Total { get; }

    /// <summary>Maximum live connections per peer (0 = unlimited).</summary>
    public int PerPeer { get; }

    /// <summary>IPv6 prefix that counts as one peer (default 64; 0 or 128 = whole address).</summary>
    public int IPv6PrefixLength { get; }

    /// <summary>
    /// Decides on a new connection: accept (counted), or over a limit: reject, or when <paramref name="createOverflow"/>
    /// is given and the overflow pool has room, overflow. Overflow connections count toward Total (so they keep it
    /// full) and have a pool of their own of the same size: at most Total overflow connections in all and PerPeer per
    /// peer (where set). The ticket remembers what to release; a throwing overflow constructor releases it at once.
    /// </summary>
    public ConnectionAdmission Admit(Transport transport, ref MaxConnectionsTicket ticket, Func<Protocol>? createOverflow = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        if (_descriptorBudgetChecked == 0) WarnIfTotalExceedsDescriptorBudget(transport, Internal.DescriptorBudget.Process);
        var counts = Counts(transport);
        var peer = PeerKey.Of(transport.RemoteEndPoint.Address, IPv6PrefixLength);
        string? refusal = counts.TryAcquire(peer);
        if (refusal is null)
        {
            if (!ClusterWide)
            {
                ticket = new MaxConnectionsTicket(counts, peer, overflow: false);
                return ConnectionAdmission.Accept;
            }
            return AdmitClusterWide(transport, counts, peer, ref ticket, createOverflow);
        }
        if (createOverflow is null)
        {
            return ConnectionAdmission.Reject(refusal);
        }
        if (!counts.TryAcquireOverflow(peer))
        {
            return ConnectionAdmission.Reject(refusal + " (overflow pool full)");
        }
        ticket = new MaxConnectionsTicket(counts, peer, overflow: true);
        try
        {
            return ConnectionAdmission.Overflow(createOverflow(), refusal);
        }
        catch
        {
            ticket.Release();
            throw;
        }
    }

    /// <summary>
    /// Under the local limits: ask the cluster store (asynchronously: the transport admits the connection when it
    /// answers). Without a store the connection is refused, and the misconfiguration logged once.
    /// </summary>
    private ConnectionAdmission AdmitClusterWide(Transport transport, LimitCounts counts, PeerKey peer, ref MaxConnectionsTicket ticket, Func<Protocol>? createOverflow)
    {
        if (transport.Host.ClusterStore is not { } store)
        {
            counts.Release(peer, overflow: false);
            if (System.Threading.Interlocked.Exchange(ref _storeMissingLogged, 1) == 0) Internal.Log.ClusterStoreMissing(transport.Logger, ClusterPolicyName!);
            return ConnectionAdmission.Reject("ClusterWide [MaxConnections] without ProtocolServerOptions.ClusterStore");
        }
        var slot = new ClusterConnectionSlot(this, counts, peer, store, createOverflow, transport);
        ticket = new MaxConnectionsTicket(slot);
        transport.DeferAdmission(slot);
        return ConnectionAdmission.Accept;
    }

    /// <summary>
    /// Once per policy, at its first connection: a Total above what the process's descriptor limit lets it hold cannot
    /// be reached (the accept loop pauses first), so say so instead of letting the limit look enforced.
    /// </summary>
    internal void WarnIfTotalExceedsDescriptorBudget(Transport transport, Internal.DescriptorBudget budget)
    {
        if (System.Threading.Interlocked.Exchange(ref _descriptorBudgetChecked, 1) != 0) return;
        if (Total > budget.Capacity)
        {
            Internal.Log.TotalAboveDescriptorBudget(transport.Logger, Total, budget.Limit, budget.Capacity);
        }
    }

    /// <summary>Live connections counted on the transport's server, overflow connections included (for tests and metrics).</summary>
    public int CountTotal(Transport transport) => Counts(transport).Total;

    internal LimitCounts Counts(Transport transport) =>
        transport.Host.GetSharedState(this, static (policy, _) => new LimitCounts(policy));

    internal sealed class LimitCounts
    {
        private readonly MaxConnectionsPolicy _policy;
        private readonly Dictionary<PeerKey, int> _perPeer = new();
        private readonly Dictionary<PeerKey, int> _overflowPerPeer = new();
        private int _total;
        private int _overflowTotal;

        public LimitCounts(MaxConnectionsPolicy policy) => _policy = policy;

        public int Total
        {
            get { lock (_perPeer) return _total; }
        }

        public int Peers
        {
            get { lock (_perPeer) return _perPeer.Count + _overflowPerPeer.Count; }
        }

        public int Overflowing
        {
            get { lock (_perPeer) return _overflowTotal; }
        }

        public int CountFor(PeerKey peer)
        {
            lock (_perPeer) return _perPeer.TryGetValue(peer, out int n) ? n : 0;
        }

        public string? TryAcquire(PeerKey peer)
        {
            lock (_perPeer)
            {
                if (_policy.Total > 0 && _total >= _policy.Total) return _policy.TotalRefusal;
                _perPeer.TryGetValue(peer, out int count);
                if (_policy.PerPeer > 0 && count >= _policy.PerPeer) return _policy.PerPeerRefusal;
                _total++;
                _perPeer[peer] = count + 1;
                return null;
            }
        }

        public bool TryAcquireOverflow(PeerKey peer)
        {
            lock (_perPeer)
            {
                if (_policy.Total > 0 && _overflowTotal >= _policy.Total) return false;
                _overflowPerPeer.TryGetValue(peer, out int count);
                if (_policy.PerPeer > 0 && count >= _policy.PerPeer) return false;
                _total++;
                _overflowTotal++;
                _overflowPerPeer[peer] = count + 1;
                return true;
            }
        }

        public void Release(PeerKey peer, bool overflow)
        {
            lock (_perPeer)
            {
                _total--;
                if (overflow) _overflowTotal--;
                var table = overflow ? _overflowPerPeer : _perPeer;
                int count = table[peer];
                if (count <= 1) table.Remove(peer);
                else table[peer] = count - 1;
            }
        }
    }
}

/// <summary>What a connection holds of a <see cref="MaxConnectionsPolicy"/>'s counts; released once.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct MaxConnectionsTicket
{
    private MaxConnectionsPolicy.LimitCounts? _counts;
    private ClusterConnectionSlot? _clusterSlot;
    private readonly PeerKey _peer;
    private readonly bool _overflow;

    internal MaxConnectionsTicket(ClusterConnectionSlot slot)
    {
        _clusterSlot = slot;
        _counts = null;
        _peer = default;
        _overflow = false;
    }

    internal MaxConnectionsTicket(MaxConnectionsPolicy.LimitCounts counts, PeerKey peer, bool overflow)
    {
        _counts = counts;
        _peer = peer;
        _overflow = overflow;
    }

    /// <summary>Releases the counts; the second and later calls do nothing.</summary>
    public void Release()
    {
        var counts = _counts;
        _counts = null;
        counts?.Release(_peer, _overflow);
        var slot = _clusterSlot;
        _clusterSlot = null;
        slot?.Release();
    }
}
