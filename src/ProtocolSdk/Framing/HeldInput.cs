using System;
using System.Buffers;
using System.Threading;
using ProtocolSdk.Timers;

namespace ProtocolSdk.Framing;

/// <summary>Told when the protocol resumes reading with <see cref="Transport.ResumeReading"/>.</summary>
internal interface IReadResumeListener
{
    void ProtocolResumedReading();
}

/// <summary>A framer's message splitting, run by <see cref="HeldInput"/> on fresh and on held-back input alike.</summary>
internal interface IMessageSplitter
{
    /// <summary>
    /// Delivers the messages in <paramref name="data"/> until it is used up (a partial message is buffered by the
    /// framer), the connection closes, or the protocol pauses reading. Leaves <paramref name="data"/> at the first byte
    /// it did not consume: empty unless it stopped at a pause or a close.
    /// </summary>
    void Split(Protocol protocol, ref ReadOnlySpan<byte> data);

    /// <summary>Drops a partial message (STARTTLS: plaintext after the command must never join TLS input).</summary>
    void DiscardBuffered();
}

/// <summary>
/// Makes a framer honour <see cref="Transport.PauseReading"/> as Twisted's <c>LineReceiver</c> does: when
/// <see cref="Protocol.MessageReceived"/> pauses reading, the rest of the chunk is kept here (pooled) instead of being
/// delivered, and replayed, ahead of anything received later, when the protocol resumes. Created on a connection's
/// first pause and reused, so pausing and resuming allocate nothing afterwards.
/// </summary>
/// <remarks>
/// Everything but <see cref="ProtocolResumedReading"/> and <see cref="Fire"/> runs under the connection's callback
/// lock. A resume from another thread replays through <see cref="Transport.RunSerialized"/>; when that connection is
/// busy in a callback at that moment, the replay is retried on the next timer tick instead of waiting for it.
/// </remarks>
internal sealed class HeldInput : TimerEntry, IReadResumeListener
{
    private readonly IMessageSplitter _splitter;
    private readonly Protocol _protocol;
    private readonly Transport _transport;
    private byte[]? _array;
    private int _start;
    private int _length;
    private int _feedingThread; // managed thread id while Feed or a replay runs (0 otherwise)

    private HeldInput(IMessageSplitter splitter, Protocol protocol, Transport transport)
    {
        _splitter = splitter;
        _protocol = protocol;
        _transport = transport;
        transport.ReadResumeListener = this;
    }

    /// <summary>Bytes held back since the pause.</summary>
    public int Length => _length;

    /// <summary>Feeds a received chunk: held bytes first, then <paramref name="data"/>; holds what is left at a pause.</summary>
    public static void Feed(ref HeldInput? held, IMessageSplitter splitter, Protocol protocol, ReadOnlySpan<byte> data)
    {
        if (held is null)
        {
            splitter.Split(protocol, ref data);
            if (DroppedForTls(protocol, splitter, held: null)) return;
            if (data.IsEmpty || !IsOpen(protocol)) return;
            held = new HeldInput(splitter, protocol, protocol.Transport); // the connection's first pause
        }
        held.Feed(data);
    }

    private void Feed(ReadOnlySpan<byte> data)
    {
        _feedingThread = Environment.CurrentManagedThreadId;
        try
        {
            if (_length == 0)
            {
                _splitter.Split(_protocol, ref data);
                if (DroppedForTls(_protocol, _splitter, this)) return;
                if (data.IsEmpty || !IsOpen(_protocol)) return;
            }
            Append(data); // after held bytes, so the order of the stream is kept
            Drain();
        }
        finally
        {
            _feedingThread = 0;
        }
    }

    /// <summary>Delivers held bytes while the protocol is not paused.</summary>
    private void Drain()
    {
        while (true)
        {
            // Pairs with the interlocked clear of the pause in ResumeReading on another thread: either that thread sees
            // the held bytes (and replays them) or this one sees the resume (and goes on here). Never neither.
            Interlocked.MemoryBarrier();
            if (_length == 0 || !IsOpen(_protocol) || _transport.IsReadingPausedByProtocol) return;
            var rest = new ReadOnlySpan<byte>(_array, _start, _length);
            int before = rest.Length;
            _splitter.Split(_protocol, ref rest);
            if (DroppedForTls(_protocol, _splitter, this)) return;
            if (!IsOpen(_protocol)) return; // closing: nothing more is delivered; Dispose returns the buffer
            Consume(before - rest.Length);
        }
    }

    /// <summary>The protocol called <see cref="Transport.ResumeReading"/>, on any thread.</summary>
    public void ProtocolResumedReading()
    {
        // Inside this connection's own Feed on this thread (MessageReceived paused and resumed): the loop there sees
        // the resume when MessageReceived returns, so nothing is replayed nested in the callback.
        if (Volatile.Read(ref _feedingThread) == Environment.CurrentManagedThreadId) return;
        TryReplay();
    }

    /// <summary>A replay retried by the timer wheel.</summary>
    internal override void Fire() => TryReplay();

    private void TryReplay()
    {
        if (!_transport.RunSerialized(static held => held.ReplayUnderLock(), this, nameof(Protocol.MessageReceived)))
        {
            _transport.Timers.RetryNextTick(this); // busy in another callback: never wait for it
        }
    }

    private void ReplayUnderLock()
    {
        if (_length == 0 || !ReferenceEquals(_protocol.TransportOrNull, _transport)) return;
        _feedingThread = Environment.CurrentManagedThreadId;
        try
        {
            Drain();
        }
        finally
        {
            _feedingThread = 0;
        }
    }

    /// <summary>
    /// After a message called <see cref="Transport.StartTls(System.Net.Security.SslServerAuthenticationOptions)"/>: the
    /// rest of the input (this chunk, held bytes, a partial message) was received in plaintext after the command and is
    /// dropped, never delivered (the STARTTLS injection of CVE-2011-0411). True when that happened.
    /// </summary>
    private static bool DroppedForTls(Protocol protocol, IMessageSplitter splitter, HeldInput? held)
    {
        if (!protocol.IsConnected || !protocol.Transport.IsTlsStarting) return false;
        splitter.DiscardBuffered();
        held?.Clear();
        return true;
    }

    private static bool IsOpen(Protocol protocol) => protocol.IsConnected && !protocol.Transport.IsClosing;

    private void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        int needed = _length + data.Length;
        if (_array is null || needed > _array.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(needed, 2L * _length)));
            if (_array is not null)
            {
                _array.AsSpan(_start, _length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_array);
            }
            _array = bigger;
            _start = 0;
        }
        else if (_start + needed > _array.Length)
        {
            _array.AsSpan(_start, _length).CopyTo(_array); // slide the rest to the front, once per wrap, not per message
            _start = 0;
        }
        data.CopyTo(_array.AsSpan(_start + _length));
        _length = needed;
    }

    private void Consume(int count)
    {
        _start += count;
        _length -= count;
        if (_length == 0) Clear();
    }

    private void Clear()
    {
        if (_array is not null) ArrayPool<byte>.Shared.Return(_array);
        _array = null;
        _start = 0;
        _length = 0;
    }

    /// <summary>Returns the buffer and stops any retry; from the framer's Dispose (connection lost).</summary>
    public void Dispose()
    {
        Clear();
        _transport.Timers.Cancel(this);
        _transport.ReadResumeListener = null;
    }
}
