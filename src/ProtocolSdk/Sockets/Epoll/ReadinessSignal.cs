using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace ProtocolSdk.Sockets.Epoll;

/// <summary>
/// One direction (readable or writable) of an epoll-registered socket, as an allocation-free awaitable with a single
/// waiter. The event loop calls <see cref="Notify"/> for every edge epoll reports; a waiter parked at that moment is
/// resumed <b>inline on the loop thread</b> (that is the point of the engine: no hop to the thread pool). "Ready" is a
/// state, not a token: a wait that finds it returns at once and leaves it set; only an operation that is about to
/// show whether the socket is still ready (<see cref="Consume"/> before a read or send) clears it. So a wait that is
/// not followed by a read (the reader paused meanwhile) loses nothing. Only the loop completes waiters inline:
/// <see cref="Close"/> and cancellation resume them on the thread pool, so a thread that aborts a connection never
/// runs that connection's code on its own stack.
/// </summary>
internal sealed class ReadinessSignal : IValueTaskSource<int>
{
    private const int Idle = 0, Waiting = 1, Ready = 2, Closed = 3;

    private ManualResetValueTaskSourceCore<int> _core;
    private int _state;

    /// <summary>Whether the socket is known to be ready (an edge came since the last <see cref="Consume"/>).</summary>
    public bool IsReady => Volatile.Read(ref _state) == Ready;

    /// <summary>Completes when the socket is ready (at once if it is known to be); fails once closed.</summary>
    public ValueTask<int> WaitAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<int>(cancellationToken);
        if (cancellationToken.CanBeCanceled) return WaitCancellableAsync(cancellationToken);
        return Wait();
    }

    private ValueTask<int> Wait()
    {
        int state = Volatile.Read(ref _state);
        if (state == Ready) return new ValueTask<int>(0);
        if (state == Closed) return ClosedResult();
        _core.Reset();
        _core.RunContinuationsAsynchronously = false;
        state = Interlocked.CompareExchange(ref _state, Waiting, Idle);
        if (state == Idle) return new ValueTask<int>(this, _core.Version);
        return state == Ready ? new ValueTask<int>(0) : ClosedResult(); // an edge (or the close) came meanwhile
    }

    // Only the handshake path passes cancellable tokens: the registration it allocates is off the steady state.
    private async ValueTask<int> WaitCancellableAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.UnsafeRegister(static state => ((ReadinessSignal)state!).Cancel(), this);
        int result = await Wait().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return result;
    }

    private static ValueTask<int> ClosedResult() =>
        ValueTask.FromException<int>(new SocketException((int)SocketError.OperationAborted));

    /// <summary>An edge from epoll (loop thread): the socket is ready; resume the waiter here.</summary>
    public void Notify()
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            if (state is Ready or Closed) return;
            if (state == Waiting)
            {
                if (Interlocked.CompareExchange(ref _state, Ready, Waiting) == Waiting)
                {
                    _core.SetResult(0); // runs the waiter's continuation inline
                    return;
                }
            }
            else if (Interlocked.CompareExchange(ref _state, Ready, Idle) == Idle)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Forgets that the socket is ready, before an operation that will show whether it still is (a read or a send).
    /// Cleared first, then tried: an edge that arrives during the try sets it again, so none is lost.
    /// </summary>
    public void Consume() => Interlocked.CompareExchange(ref _state, Idle, Ready);

    /// <summary>The try showed the socket still ready (it filled the whole buffer): remember that, without waking anyone.</summary>
    public void MarkReady() => Interlocked.CompareExchange(ref _state, Ready, Idle);

    /// <summary>The socket is closed: a parked waiter fails (on the thread pool), and every later wait fails at once.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _state, Closed) == Waiting)
        {
            _core.RunContinuationsAsynchronously = true;
            _core.SetException(new SocketException((int)SocketError.OperationAborted));
        }
    }

    private void Cancel()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
        {
            _core.RunContinuationsAsynchronously = true;
            _core.SetException(new OperationCanceledException());
        }
    }

    int IValueTaskSource<int>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
