using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ProtocolSdk.Redis.Internal;
using StackExchange.Redis;

namespace ProtocolSdk.Redis;

// Lease renewal: every third of LeaseTime, one pipelined round re-scores every live lease of this store.
public sealed partial class RedisClusterStore
{
    private readonly TimeSpan _renewalPeriod;
    private readonly PendingReleases _pendingReleases;
    private readonly ITimer _renewalTimer;
    private Task _renewalRound = Task.CompletedTask;
    private int _renewing;

    private void OnRenewalTimer()
    {
        if (Volatile.Read(ref _disposed) != 0) return;
        if (Interlocked.CompareExchange(ref _renewing, 1, 0) != 0) return; // the previous round is still out
        Volatile.Write(ref _renewalRound, RenewAsync());
    }

    /// <summary>Runs one renewal round now (tests; the timer runs them every third of LeaseTime).</summary>
    internal Task RenewNowAsync()
    {
        if (Interlocked.CompareExchange(ref _renewing, 1, 0) != 0) return Volatile.Read(ref _renewalRound);
        Task round = RenewAsync();
        Volatile.Write(ref _renewalRound, round);
        return round;
    }

    /// <summary>
    /// Sends every waiting release, then one Renew script per live lease, all at once (the multiplexer pipelines them
    /// on its connection), and waits for them together, up to one renewal period. Renew re-adds a member Redis does not
    /// hold, which is how leases noted while Redis was unreachable join the shared counts. Never throws.
    /// </summary>
    private async Task RenewAsync()
    {
        try
        {
            if (_leases.IsEmpty && _pendingReleases.IsEmpty) return;
            if (!_breaker.TryEnter()) return; // open: leases wait; Renew adds them back once Redis answers

            ReportDroppedReleases();
            bool sentAny = false;
            while (_pendingReleases.TryTake(out SlotLease released))
            {
                SendRelease(released);
                sentAny = true;
            }

            var renewing = new List<SlotLease>(_leases.Count);
            var calls = new List<Task>(_leases.Count);
            Exception? issueFailure = null;
            foreach (KeyValuePair<long, SlotLease> entry in _leases)
            {
                SlotLease lease = entry.Value;
                lock (lease)
                {
                    if (lease.Released) continue;
                    try
                    {
                        calls.Add(SlotScripts.Renew.EvaluateAsync(_database, lease.Keys, lease.ScriptValues));
                    }
                    catch (Exception e)
                    {
                        issueFailure = e;
                        break;
                    }
                    renewing.Add(lease);
                    if (lease.Sync == LeaseSync.NotInRedis) lease.Sync = LeaseSync.Unknown; // sent: it may land
                }
            }

            if (issueFailure is not null)
            {
                foreach (Task issued in calls) TaskObservation.ObserveFault(issued);
                OnCallFailed(StoreOperation.Renew, issueFailure);
                StoreLog.RenewalFailed(_logger, _leases.Count, Describe(issueFailure));
                return;
            }
            if (calls.Count == 0)
            {
                if (!sentAny) _breaker.OnAbandoned(); // nothing asked Redis: let the next call probe
                return;
            }

            Task all = Task.WhenAll(calls);
            try
            {
                await all.WaitAsync(_renewalPeriod, _time).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                TaskObservation.ObserveFault(all);
                bool timedOut = e is TimeoutException;
                _metrics.Call(StoreOperation.Renew, timedOut ? CallOutcome.Timeout : CallOutcome.Error, calls.Count);
                string reason = timedOut ? "timed out" : Describe(e);
                _breaker.OnFailure(reason);
                StoreLog.RenewalFailed(_logger, calls.Count, reason);
                return;
            }
            _breaker.OnSuccess();
            _metrics.Call(StoreOperation.Renew, CallOutcome.Ok, calls.Count);
            foreach (SlotLease lease in renewing)
            {
                lock (lease)
                {
                    if (!lease.Released) lease.Sync = LeaseSync.InRedis;
                }
            }
        }
        catch (Exception e)
        {
            // Never let a timer round fault unobserved; the failure was either counted above or is a bug worth a line.
            StoreLog.RenewalFailed(_logger, _leases.Count, Describe(e));
        }
        finally
        {
            Volatile.Write(ref _renewing, 0);
        }
    }

    private void ReportDroppedReleases()
    {
        int dropped = _pendingReleases.TakeDroppedCount();
        if (dropped > 0) StoreLog.PendingReleasesDropped(_logger, dropped, PendingReleases.MaxWaiting);
    }
}
