using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Net;
using System.Threading;
using ProtocolSdk.Internal;

namespace ProtocolSdk.Policies;

/// <summary>
/// The configuration of a <c>[Throttle]</c>, held in a static field of the generated code; <see cref="Start"/>
/// attaches it to a connection. Shared budgets (per peer, all connections) live per server.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class ThrottlePolicy
{
    /// <summary>
    /// Creates the policy; zero for a direction means unlimited; zero burst means one second's worth. With
    /// <paramref name="clusterWide"/> the budgets are shared through the <see cref="ProtocolServerOptions.ClusterStore"/>
    /// by every server using it (per peer, or for all connections; per connection means per peer there), and
    /// <paramref name="clusterName"/> (the protocol type's full name) names its keys.
    /// </summary>
    public ThrottlePolicy(long readBytesPerSecond, long writeBytesPerSecond, ThrottleScope scope, long burstBytes, int ipv6PrefixLength = PolicyDefaults.IPv6PrefixLength, bool clusterWide = false, string? clusterName = null)
    {
        if (clusterWide && string.IsNullOrWhiteSpace(clusterName)) throw new ArgumentException("A ClusterWide throttle needs the name its keys are stored under.", nameof(clusterName));
        if (ipv6PrefixLength is < 0 or > 128) throw new ArgumentOutOfRangeException(nameof(ipv6PrefixLength), ipv6PrefixLength, "Must be 0..128.");
        if (readBytesPerSecond < 0) throw new ArgumentOutOfRangeException(nameof(readBytesPerSecond), readBytesPerSecond, "Must be zero (unlimited) or positive.");
        if (writeBytesPerSecond < 0) throw new ArgumentOutOfRangeException(nameof(writeBytesPerSecond), writeBytesPerSecond, "Must be zero (unlimited) or positive.");
        if (burstBytes < 0) throw new ArgumentOutOfRangeException(nameof(burstBytes), burstBytes, "Must be zero (one second's worth) or positive.");
        if (readBytesPerSecond == 0 && writeBytesPerSecond == 0) throw new ArgumentException("A throttle needs a read or a write limit.");
        if (!Enum.IsDefined(scope)) throw new ArgumentOutOfRangeException(nameof(scope), scope, "Unknown scope.");
        ReadBytesPerSecond = readBytesPerSecond;
        WriteBytesPerSecond = writeBytesPerSecond;
        Scope = scope;
        BurstBytes = burstBytes;
        IPv6PrefixLength = ipv6PrefixLength;
        ClusterWide = clusterWide;
        // A connection lives on one instance: a per-connection budget shared by the fleet is the peer's budget.
        _sharing = clusterWide && scope == ThrottleScope.PerConnection ? ThrottleScope.PerPeer : scope;
        if (clusterWide)
        {
            var invariant = System.Globalization.CultureInfo.InvariantCulture;
            ClusterPolicyName = clusterName + ":throttle:r" + readBytesPerSecond.ToString(invariant) + ":w" + writeBytesPerSecond.ToString(invariant) +
                ":b" + burstBytes.ToString(invariant) + (_sharing == ThrottleScope.PerPeer ? ":peer" : ":all");
        }
    }

    private readonly ThrottleScope _sharing; // Scope, except that ClusterWide shares a per-connection budget per peer
    private int _storeMissingLogged;

    /// <summary>Whether the budgets are shared by the servers using one cluster store.</summary>
    public bool ClusterWide { get; }

    /// <summary>The throttle's name in the cluster store (protocol type, limits and scope); null unless <see cref="ClusterWide"/>.</summary>
    public string? ClusterPolicyName { get; }

    /// <summary>IPv6 prefix that counts as one peer for <see cref="ThrottleScope.PerPeer"/> (default 64; 0 or 128 = whole address).</summary>
    public int IPv6PrefixLength { get; }

    /// <summary>Read limit (0 = none).</summary>
    public long ReadBytesPerSecond { get; }

    /// <summary>Write limit (0 = none).</summary>
    public long WriteBytesPerSecond { get; }

    /// <summary>Who shares a budget.</summary>
    public ThrottleScope Scope { get; }

    /// <summary>Bucket capacity (0 = one second's worth).</summary>
    public long BurstBytes { get; }

    /// <summary>Attaches the throttle to a new connection; call from the connection-made hook.</summary>
    public ThrottleSession Start(Transport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var (readBucket, writeBucket, peerKey) = _sharing switch
        {
            ThrottleScope.PerConnection => (NewBucket(ReadBytesPerSecond, transport.TimeProvider), NewBucket(WriteBytesPerSecond, transport.TimeProvider), null),
            ThrottleScope.AllConnections => Shared(transport).ForAll(),
            _ => Shared(transport).ForPeer(PeerKey.Of(transport.RemoteEndPoint.Address, IPv6PrefixLength)),
        };
        var read = readBucket is null ? null : new ReadThrottle(readBucket, transport);
        WriteThrottle? write = null;
        if (writeBucket is not null)
        {
            write = new WriteThrottle(writeBucket, transport.Timers);
            transport.AttachWriteThrottle(write);
        }
        return new ThrottleSession(read, peerKey is null ? null : Shared(transport), peerKey);
    }

    private TokenBucket? NewBucket(long rate, TimeProvider time) =>
        rate == 0 ? null : new TokenBucket(rate, BurstBytes > 0 ? BurstBytes : rate, time);

    private SharedBudgets Shared(Transport transport) =>
        transport.Host.GetSharedState(this, static (policy, host) => new SharedBudgets(policy, host.Timers.TimeProvider, policy.StoreFor(host)));

    /// <summary>The store the shared budgets lease from; null (per-instance budgets) when not ClusterWide or none is set.</summary>
    private IClusterStore? StoreFor(Internal.ConnectionHost host)
    {
        if (!ClusterWide) return null;
        if (host.ClusterStore is null && Interlocked.Exchange(ref _storeMissingLogged, 1) == 0)
        {
            Log.ClusterStoreMissing(host.Logger, ClusterPolicyName!); // ListenTcpAsync refuses this; a test host may not
        }
        return host.ClusterStore;
    }

    private TokenBucket? NewSharedBucket(long rate, TimeProvider time, IClusterStore? store, string key)
    {
        if (rate == 0) return null;
        double burst = BurstBytes > 0 ? BurstBytes : rate;
        return store is null ? new TokenBucket(rate, burst, time) : new TokenBucket(rate, burst, time, store, ClusterPolicyName!, key);
    }

    /// <summary>Budgets shared per server: one pair for all connections, or one pair per peer with a use count.</summary>
    internal sealed class SharedBudgets
    {
        private readonly ThrottlePolicy _policy;
        private readonly TimeProvider _time;
        private readonly IClusterStore? _store;
        private readonly Dictionary<PeerKey, (TokenBucket? Read, TokenBucket? Write, int Users)> _peers = new();
        private (TokenBucket? Read, TokenBucket? Write)? _all;

        public SharedBudgets(ThrottlePolicy policy, TimeProvider time, IClusterStore? store)
        {
            _policy = policy;
            _time = time;
            _store = store;
        }

        public int PeerCount
        {
            get { lock (_peers) return _peers.Count; }
        }

        public (TokenBucket?, TokenBucket?, PeerKey?) ForAll()
        {
            lock (_peers)
            {
                _all ??= (_policy.NewSharedBucket(_policy.ReadBytesPerSecond, _time, _store, "read:all"), _policy.NewSharedBucket(_policy.WriteBytesPerSecond, _time, _store, "write:all"));
                return (_all.Value.Read, _all.Value.Write, null);
            }
        }

        public (TokenBucket?, TokenBucket?, PeerKey?) ForPeer(PeerKey peer)
        {
            lock (_peers)
            {
                if (!_peers.TryGetValue(peer, out var entry))
                {
                    string? peerName = _store is null ? null : PeerKey.StoreKey(peer, _policy.IPv6PrefixLength);
                    entry = (_policy.NewSharedBucket(_policy.ReadBytesPerSecond, _time, _store, "read:" + peerName), _policy.NewSharedBucket(_policy.WriteBytesPerSecond, _time, _store, "write:" + peerName), 0);
                }
                _peers[peer] = (entry.Read, entry.Write, entry.Users + 1);
                return (entry.Read, entry.Write, peer);
            }
        }

        public void ReleasePeer(PeerKey peer)
        {
            lock (_peers)
            {
                if (!_peers.TryGetValue(peer, out var entry)) return;
                if (entry.Users <= 1) _peers.Remove(peer);
                else _peers[peer] = (entry.Read, entry.Write, entry.Users - 1);
            }
        }
    }
}

/// <summary>A connection's throttle state, kept in a field of the generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct ThrottleSession
{
    private ReadThrottle? _read;
    private ThrottlePolicy.SharedBudgets? _shared;
    private readonly PeerKey? _peer;

    internal ThrottleSession(ReadThrottle? read, ThrottlePolicy.SharedBudgets? shared, PeerKey? peer)
    {
        _read = read;
        _shared = shared;
        _peer = peer;
    }

    /// <summary>Charges a received chunk to the read budget; pauses reading while it is in debt.</summary>
    public readonly void OnReceived(int bytes) => _read?.OnReceived(bytes);

    /// <summary>Detaches from the budgets; call from the connection-lost hook. Safe to call twice.</summary>
    public void Stop()
    {
        _read?.Dispose();
        _read = null;
        if (_shared is not null && _peer is { } peer)
        {
            _shared.ReleasePeer(peer);
        }
        _shared = null;
    }
}
