using System;
using System.Threading;

namespace ProtocolSdk.Redis.Internal;

/// <summary>
/// Stops calling Redis after <c>BreakAfterFailures</c> failed calls in a row: while open, every call is answered with the
/// failure mode at once; after <c>BreakDuration</c> one call (the probe) may try Redis again, and its outcome closes or
/// re-opens the breaker. Lock-free: the state is one int changed by compare-and-swap.
/// </summary>
internal sealed class CircuitBreaker
{
    private const int Closed = 0;
    private const int Open = 1;
    private const int HalfOpen = 2;

    private readonly TimeProvider _time;
    private readonly int _breakAfterFailures;
    private readonly TimeSpan _breakDuration;
    private readonly CircuitLog _log;
    private int _state = Closed;
    private int _consecutiveFailures;
    private long _openedAt; // TimeProvider timestamp of the last (re)opening

    public CircuitBreaker(TimeProvider time, int breakAfterFailures, TimeSpan breakDuration, CircuitLog log)
    {
        _time = time;
        _breakAfterFailures = breakAfterFailures;
        _breakDuration = breakDuration;
        _log = log;
    }

    /// <summary>True while calls go to Redis without restriction.</summary>
    public bool IsClosed => Volatile.Read(ref _state) == Closed;

    /// <summary>
    /// May this call go to Redis? Closed: yes. Open: no, until <c>BreakDuration</c> has passed; then exactly one caller
    /// gets yes (the probe) and the breaker is half-open until that caller reports back. Every yes must be followed
    /// by <see cref="OnSuccess"/>, <see cref="OnFailure"/> or <see cref="OnAbandoned"/>.
    /// </summary>
    public bool TryEnter()
    {
        int state = Volatile.Read(ref _state);
        if (state == Closed) return true;
        if (state == HalfOpen) return false;
        if (_time.GetElapsedTime(Volatile.Read(ref _openedAt)) < _breakDuration) return false;
        return Interlocked.CompareExchange(ref _state, HalfOpen, Open) == Open;
    }

    /// <summary>A call answered in time: Redis works, so close (also when a late call succeeds while open).</summary>
    public void OnSuccess()
    {
        Volatile.Write(ref _consecutiveFailures, 0);
        int previous = Interlocked.Exchange(ref _state, Closed);
        if (previous != Closed) _log.Closed(_time.GetElapsedTime(Volatile.Read(ref _openedAt)));
    }

    /// <summary>A call failed or timed out: count it, and open at the threshold (or re-open after a failed probe).</summary>
    public void OnFailure(string reason)
    {
        if (Interlocked.CompareExchange(ref _state, Open, HalfOpen) == HalfOpen)
        {
            Volatile.Write(ref _openedAt, _time.GetTimestamp());
            _log.ProbeFailed(reason);
            return;
        }
        if (Interlocked.Increment(ref _consecutiveFailures) < _breakAfterFailures) return;
        // Written before the state so no caller sees Open with a stale time; a late failure of a call that entered
        // before the opening moves it by at most OperationTimeout.
        Volatile.Write(ref _openedAt, _time.GetTimestamp());
        if (Interlocked.CompareExchange(ref _state, Open, Closed) == Closed) _log.Opened(_breakAfterFailures, reason);
    }

    /// <summary>A call that entered gave up without an answer (its caller cancelled): let the next call probe at once.</summary>
    public void OnAbandoned()
    {
        if (Interlocked.CompareExchange(ref _state, Open, HalfOpen) == HalfOpen)
        {
            Volatile.Write(ref _openedAt, _time.GetTimestamp() - (long)(_breakDuration.TotalSeconds * _time.TimestampFrequency) - 1);
        }
    }
}
