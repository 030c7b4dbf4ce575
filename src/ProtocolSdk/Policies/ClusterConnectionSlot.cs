using System;
using System.Threading.Tasks;
using ProtocolSdk.Internal;

namespace ProtocolSdk.Policies;

/// <summary>
/// What one connection holds of a ClusterWide <c>[MaxConnections]</c>: its local counts (taken synchronously, so an
/// instance never holds more than the limit itself) and its slot in the cluster store (asked once, asynchronously,
/// before the connection is admitted). Released exactly once, whichever comes first: the connection's end, a later
/// admission policy's rejection, or the store's refusal; a release that comes before the store answered gives the
/// slot back when the answer arrives.
/// </summary>
internal sealed class ClusterConnectionSlot : Transport.DeferredAdmission
{
    private readonly MaxConnectionsPolicy.LimitCounts _counts;
    private readonly PeerKey _peer;
    private readonly IClusterStore _store;
    private readonly ReadOnlyMemory<ClusterLimit> _limits;
    private readonly Func<Protocol>? _createOverflow;
    private readonly Task<ClusterSlots> _answer;
    private readonly object _lock = new();
    private bool _released;       // the connection let go (its end, or a rejection)
    private bool _localHeld = true;
    private bool _overflow;       // refused by the cluster, then given an overflow slot
    private bool _answered;       // the store answered: _slots holds its answer
    private ClusterSlots _slots;

    public ClusterConnectionSlot(MaxConnectionsPolicy policy, MaxConnectionsPolicy.LimitCounts counts, PeerKey peer, IClusterStore store, Func<Protocol>? createOverflow, Transport transport)
    {
        _counts = counts;
        _peer = peer;
        _store = store;
        _createOverflow = createOverflow;
        _limits = policy.ClusterLimitsFor(peer);
        _answer = AskAsync(policy.ClusterPolicyName!, transport);
    }

    private async Task<ClusterSlots> AskAsync(string policyName, Transport transport)
    {
        ClusterSlots slots;
        try
        {
            slots = await _store.TryAcquireSlotsAsync(policyName, _limits).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The contract says a store never throws; one that does must not take the connection or the server down.
            Log.ClusterStoreFailed(transport.Logger, ex);
            slots = new ClusterSlots(ClusterDecision.UseLocal, lease: null);
        }
        bool giveBack;
        lock (_lock)
        {
            // Under the lock with Release: exactly one of the two gives the slot back.
            _answered = true;
            _slots = slots;
            giveBack = _released;
        }
        if (giveBack && slots.Decision != ClusterDecision.Refused) _store.ReleaseSlots(slots);
        return slots;
    }

    public override async ValueTask<ConnectionAdmission> VerdictAsync()
    {
        var slots = await _answer.ConfigureAwait(false);
        if (slots.Decision != ClusterDecision.Refused) return ConnectionAdmission.Accept;

        string refusal = slots.RefusedLimit >= 0 && slots.RefusedLimit < _limits.Length
            ? "cluster-wide " + (_limits.Span[slots.RefusedLimit].Key == MaxConnectionsPolicy.TotalKey ? "total" : "per-peer") +
              " connection limit (" + _limits.Span[slots.RefusedLimit].Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")"
            : "cluster store unavailable (fail-closed)";
        lock (_lock)
        {
            if (_released) return ConnectionAdmission.Reject(refusal);
            _counts.Release(_peer, overflow: false);
            _localHeld = false;
            if (_createOverflow is not null && _counts.TryAcquireOverflow(_peer))
            {
                _overflow = true;
                _localHeld = true;
            }
        }
        if (!_overflow) return ConnectionAdmission.Reject(refusal);
        try
        {
            return ConnectionAdmission.Overflow(_createOverflow!(), refusal);
        }
        catch
        {
            Release();
            throw;
        }
    }

    /// <summary>Gives back the local counts and the cluster slot (now, or when the store answers); once.</summary>
    public void Release()
    {
        bool local, answered;
        ClusterSlots slots;
        lock (_lock)
        {
            if (_released) return;
            _released = true;
            local = _localHeld;
            _localHeld = false;
            answered = _answered;
            slots = _slots;
        }
        if (local) _counts.Release(_peer, _overflow);
        // Not answered yet: AskAsync sees _released and gives the slot back itself.
        if (answered && slots.Decision != ClusterDecision.Refused) _store.ReleaseSlots(slots);
    }
}
