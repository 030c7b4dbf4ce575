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
    /// <summary>Creates the policy; zero means no limit of that kind.</summary>
    public MaxConnectionsPolicy(int total, int perPeer, int ipv6PrefixLength = 0)
    {
        if (total < 0) throw new ArgumentOutOfRangeException(nameof(total), total, "Must be zero (unlimited) or positive.");
        if (perPeer < 0) throw new ArgumentOutOfRangeException(nameof(perPeer), perPeer, "Must be zero (unlimited) or positive.");
        if (ipv6PrefixLength is < 0 or > 128) throw new ArgumentOutOfRangeException(nameof(ipv6PrefixLength), ipv6PrefixLength, "Must be 0..128.");
        if (total == 0 && perPeer == 0) throw new ArgumentException("A connection limit needs Total or PerPeer.");
        Total = total;
        PerPeer = perPeer;
        IPv6PrefixLength = ipv6PrefixLength;
    }

    /// <summary>Maximum live connections (0 = unlimited).</summary>
    public int Total { get; }

    /// <summary>Maximum live connections per peer (0 = unlimited).</summary>
    public int PerPeer { get; }

    /// <summary>IPv6 prefix that counts as one peer (0 = whole address).</summary>
    public int IPv6PrefixLength { get; }

    /// <summary>
    /// Decides on a new connection: accept (counted), or over a limit: reject, or when <paramref name="createOverflow"/>
    /// is given, overflow (counted toward Total only). The ticket remembers what to release.
    /// </summary>
    public ConnectionAdmission Admit(Transport transport, ref MaxConnectionsTicket ticket, Func<Protocol>? createOverflow = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var counts = Counts(transport);
        var peer = PeerKey.Of(transport.RemoteEndPoint.Address, IPv6PrefixLength);
        string? refusal = counts.TryAcquire(peer);
        if (refusal is null)
        {
            ticket = new MaxConnectionsTicket(counts, peer, countedPerPeer: true);
            return ConnectionAdmission.Accept;
        }
        if (createOverflow is null)
        {
            return ConnectionAdmission.Reject(refusal);
        }
        counts.AcquireOverflow();
        ticket = new MaxConnectionsTicket(counts, peer, countedPerPeer: false);
        return ConnectionAdmission.Overflow(createOverflow(), refusal);
    }

    /// <summary>Live connections counted on the transport's server (for tests and metrics).</summary>
    public int CountTotal(Transport transport) => Counts(transport).Total;

    internal LimitCounts Counts(Transport transport) =>
        transport.Host.GetSharedState(this, static (policy, _) => new LimitCounts(policy));

    internal sealed class LimitCounts
    {
        private readonly MaxConnectionsPolicy _policy;
        private readonly Dictionary<PeerKey, int> _perPeer = new();
        private int _total;

        public LimitCounts(MaxConnectionsPolicy policy) => _policy = policy;

        public int Total
        {
            get { lock (_perPeer) return _total; }
        }

        public int Peers
        {
            get { lock (_perPeer) return _perPeer.Count; }
        }

        public int CountFor(PeerKey peer)
        {
            lock (_perPeer) return _perPeer.TryGetValue(peer, out int n) ? n : 0;
        }

        public string? TryAcquire(PeerKey peer)
        {
            lock (_perPeer)
            {
                if (_policy.Total > 0 && _total >= _policy.Total) return "total connection limit";
                _perPeer.TryGetValue(peer, out int count);
                if (_policy.PerPeer > 0 && count >= _policy.PerPeer) return "per-peer connection limit";
                _total++;
                _perPeer[peer] = count + 1;
                return null;
            }
        }

        public void AcquireOverflow()
        {
            lock (_perPeer) _total++;
        }

        public void Release(PeerKey peer, bool countedPerPeer)
        {
            lock (_perPeer)
            {
                _total--;
                if (!countedPerPeer) return;
                int count = _perPeer[peer];
                if (count <= 1) _perPeer.Remove(peer);
                else _perPeer[peer] = count - 1;
            }
        }
    }
}

/// <summary>What a connection holds of a <see cref="MaxConnectionsPolicy"/>'s counts; released once.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct MaxConnectionsTicket
{
    private MaxConnectionsPolicy.LimitCounts? _counts;
    private readonly PeerKey _peer;
    private readonly bool _countedPerPeer;

    internal MaxConnectionsTicket(MaxConnectionsPolicy.LimitCounts counts, PeerKey peer, bool countedPerPeer)
    {
        _counts = counts;
        _peer = peer;
        _countedPerPeer = countedPerPeer;
    }

    /// <summary>Releases the counts; the second and later calls do nothing.</summary>
    public void Release()
    {
        var counts = _counts;
        _counts = null;
        counts?.Release(_peer, _countedPerPeer);
    }
}
