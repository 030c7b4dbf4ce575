using System;
using System.Buffers;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using ProtocolSdk.Internal;
using ProtocolSdk.Sockets.Epoll;

namespace ProtocolSdk.Sockets;

/// <summary>
/// The receive side driven by the epoll loop's callbacks (a server's plaintext connection on the epoll engine): the
/// same reads, deliveries and close path as <see cref="RunAsync(Protocol)"/>'s receive loop, but run by whoever
/// wakes the connection instead of by an awaiting method, so an idle connection keeps no state machine, and no
/// receive signal. A readable edge runs the pump inline on the loop thread; any other wake-up (reading resumed, a
/// close, our FIN sent) runs it on the thread pool, never on the waker's stack. One pump runs at a time: a wake-up
/// that comes while it runs makes it go round once more.
/// </summary>
internal sealed partial class SocketTransport : IThreadPoolWorkItem
{
    private const int PumpIdle = 0, PumpRunning = 1, PumpAgain = 2;

    private int _pumpState;
    private bool _pumped;    // the receive side is the pump's (until STARTTLS hands it back to RunAsync)
    private bool _pumpEnded; // the pump ran Finish and the server's bookkeeping: nothing more to do
    private bool _started;   // the first work item ran: the server's start (ConnectionHost.ConnectionStarting)

    /// <summary>
    /// Queues the start of a server's connection (<see cref="ConnectionHost.ConnectionStarting"/>: the protocol's
    /// factory, admission, ConnectionMade) on the thread pool, so a slow start never holds up accepting. The transport
    /// is the work item itself: nothing is allocated for it.
    /// </summary>
    internal void QueueStart() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    /// <summary>Hands the receive side to the pump, and runs it once here (bytes may be waiting already).</summary>
    private void StartPumping(EpollMedium medium)
    {
        Volatile.Write(ref _pumped, true);
        medium.PumpReads = true; // from here on a readable edge calls OnReadable
        // TryEnterPump's interlocked operation fences this write before the pump reads the medium's readiness: an edge
        // that came before it was recorded there (the loop saw PumpReads false), one after it calls OnReadable.
        if (TryEnterPump()) Pump();
    }

    /// <summary>A readable edge (on the loop thread): read and deliver inline.</summary>
    internal void OnReadable()
    {
        if (TryEnterPump()) Pump();
    }

    /// <summary>Something the receive side waits for changed: wake the receive loop, or run the pump on the thread pool.</summary>
    private void WakeReceiver()
    {
        if (!Volatile.Read(ref _pumped)) ReceiveSignal.Set();
        else if (TryEnterPump()) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        if (!_started)
        {
            _started = true; // every later run is the pump's: it starts only once the connection is made
            Host.ConnectionStarting!(this);
            return;
        }
        Pump();
    }

    /// <summary>True when the caller now runs the pump; false when it runs already (it will go round once more).</summary>
    private bool TryEnterPump()
    {
        while (true)
        {
            int state = Volatile.Read(ref _pumpState);
            if (state == PumpIdle)
            {
                if (Interlocked.CompareExchange(ref _pumpState, PumpRunning, PumpIdle) == PumpIdle) return true;
            }
            else if (state == PumpAgain || Interlocked.CompareExchange(ref _pumpState, PumpAgain, PumpRunning) == PumpRunning)
            {
                return false;
            }
        }
    }

    private void Pump()
    {
        while (true)
        {
            Volatile.Write(ref _pumpState, PumpRunning); // a wake-up from here on makes this go round again
            if (!PumpOnce()) return; // done for good (ended, or handed to RunAsync): stay "running" so no pump starts again
            if (Interlocked.CompareExchange(ref _pumpState, PumpIdle, PumpRunning) == PumpRunning) return;
        }
    }

    /// <summary>
    /// Reads and delivers until the socket has nothing more or input must wait (paused, half-closed, flushing). False
    /// once the pump has nothing more to do: the connection ended, or STARTTLS gave the receive side to RunAsync.
    /// </summary>
    private bool PumpOnce()
    {
        if (Volatile.Read(ref _pumpEnded)) return false;
        var medium = (EpollMedium)_medium;
        byte[]? buffer = null;
        try
        {
            while (Volatile.Read(ref _mediumClosed) == 0)
            {
                if (Volatile.Read(ref _tlsSession)?.StartRequested is not null)
                {
                    // STARTTLS: RunAsync's receive loop runs the handshake and reads TLS from here on. Whatever is left
                    // of the chunk that carried the command was not delivered; it is dropped with the buffer.
                    ReturnBuffer(ref buffer);
                    medium.PumpReads = false;
                    Volatile.Write(ref _pumped, false);
                    _ = RunAsync(protocol: null, resumed: true);
                    ReceiveSignal.Set(); // a wake-up that reached the pump meanwhile: the receive loop looks again
                    return false;
                }
                if (!ShouldTakeInput) return true; // paused, half-closed by the peer, or flushing after its FIN: a wake-up comes back
                // No edge since the last read drained the socket (or since it was registered, which reports data already
                // there as an edge): nothing to read, and the next edge comes back here. Checked before renting a buffer,
                // so a connection that sends nothing never takes one from the pool.
                if (!medium.IsReadable) return true;

                // Input being discarded during a close is read in whole buffers (a read throttle no longer applies).
                int limit = ShouldRead ? Math.Min(_receiveBufferSize, ReadSizeLimit) : _receiveBufferSize;
                buffer ??= ArrayPool<byte>.Shared.Rent(_receiveBufferSize);
                int n = medium.Receive(buffer.AsSpan(0, limit), out SocketError error);
                if (error == SocketError.WouldBlock) return true; // drained: the next edge comes back here
                if (error != SocketError.Success)
                {
                    OnMediumError(new SocketException((int)error)); // a reset mid-linger ends the close at once
                    break;
                }
                if (n == 0)
                {
                    // End of stream: the protocol hears ReadConnectionLost (half-close), or a lingering close completes.
                    OnPeerClosed();
                    continue;
                }
                Volatile.Write(ref _plainReceived, _plainReceived + n);
                Deliver(buffer.AsSpan(0, n));
                // A short read drained the socket: the loop's top returns then, unless an edge came since.
            }
        }
        catch (Exception ex) when (IsMediumFailure(ex))
        {
            if (!IsClosed) OnMediumError(ex);
        }
        catch (Exception ex)
        {
            // A server's connection never takes the server (or the loop) down: log it and close.
            Log.AcceptFailed(Host.Logger, ex);
            Abort();
        }
        finally
        {
            ReturnBuffer(ref buffer);
        }
        // A failure while a close is under way leaves the socket to that close (it wakes the pump when it closes it).
        if (Volatile.Read(ref _mediumClosed) == 0) return true;
        return !TryEndPumped();
    }

    /// <summary>
    /// The socket is closed: run ConnectionLost and the server's bookkeeping, once the send loop (if any) has let go of
    /// its chunk, so Finish never returns an output block a send still reads. False when that has to wait for the send
    /// loop (it wakes the pump when it exits).
    /// </summary>
    private bool TryEndPumped()
    {
        if (Volatile.Read(ref _sendLoop) is { } sendLoop && !sendLoop.Exited.Task.IsCompleted)
        {
            sendLoop.Exited.Task.ContinueWith(static (_, state) => ((SocketTransport)state!).OnReadable(), this,
                CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return false;
        }
        Volatile.Write(ref _pumpEnded, true);
        try
        {
            Finish();
        }
        finally
        {
            Host.ConnectionEnded?.Invoke(this);
        }
        return true;
    }
}
