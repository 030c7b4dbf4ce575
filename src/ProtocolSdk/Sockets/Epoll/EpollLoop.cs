using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;

namespace ProtocolSdk.Sockets.Epoll;

/// <summary>
/// One event loop: a thread blocked in <c>epoll_wait</c> on its own epoll set, resuming the code that waits on each
/// socket that became readable or writable, inline. Sockets are added edge-triggered once (no re-arming per wait) and
/// known by a slot in a table plus a token, so an edge that was already fetched for a socket closed meanwhile finds a
/// different token in its slot and is dropped.
/// </summary>
internal sealed unsafe class EpollLoop
{
    private const int MaxEvents = 256;
    private const int ChunkBits = 10, ChunkSize = 1 << ChunkBits, MaxChunks = 4096; // up to 4 M sockets per loop

    private readonly int _epfd;
    private readonly IEpollRegistrant?[]?[] _chunks = new IEpollRegistrant?[MaxChunks][];
    private readonly Stack<int> _freeSlots = new();
    private int _nextSlot;
    private uint _nextToken;
    private long _busySince;          // Stopwatch timestamp at which the current batch of edges started; 0 while waiting
    private IEpollRegistrant? _running; // the socket whose waiter the loop is resuming (read by the watchdog)

    /// <summary>The loop threads' names: this plus the loop's index.</summary>
    public const string ThreadNamePrefix = "PSDK epoll ";

    public EpollLoop(int index)
    {
        Index = index;
        _epfd = LibC.EpollCreate1(LibC.EPOLL_CLOEXEC);
        if (_epfd < 0) throw new SocketException(Marshal.GetLastPInvokeError());
        // Linux shows 15 characters of a thread's name (top -H, ps -L): "PSDK epoll 0" fits.
        var thread = new Thread(Run) { IsBackground = true, Name = ThreadNamePrefix + index };
        thread.UnsafeStart();
    }

    public int Index { get; }

    /// <summary>When the loop started the batch it is still running (Stopwatch ticks), or 0 while it waits for edges.</summary>
    public long BusySince => Volatile.Read(ref _busySince);

    public IEpollRegistrant? Running => Volatile.Read(ref _running);

    /// <summary>Adds the descriptor to the set with <paramref name="events"/> (edge-triggered ones: registered once).</summary>
    public void Register(IEpollRegistrant medium, uint events)
    {
        int slot;
        uint token;
        lock (_freeSlots)
        {
            if (!_freeSlots.TryPop(out slot))
            {
                slot = _nextSlot++;
                if (slot >= MaxChunks * ChunkSize) throw new SocketException((int)SocketError.TooManyOpenSockets);
                _chunks[slot >> ChunkBits] ??= new IEpollRegistrant?[ChunkSize];
            }
            token = ++_nextToken == 0 ? ++_nextToken : _nextToken;
            Volatile.Write(ref _chunks[slot >> ChunkBits]![slot & (ChunkSize - 1)], medium);
        }
        medium.Key = ((ulong)token << 32) | (uint)slot;
        int fd = medium.AddRef();
        if (fd < 0)
        {
            FreeSlot(medium);
            throw new ObjectDisposedException(nameof(Socket));
        }
        try
        {
            if (LibC.Add(_epfd, fd, events, medium.Key) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                FreeSlot(medium);
                throw new SocketException(errno);
            }
        }
        finally
        {
            medium.Release();
        }
    }

    /// <summary>Stops edges for the socket (before it is closed). Safe from any thread; an edge already fetched is dropped by its token.</summary>
    public void Unregister(IEpollRegistrant medium)
    {
        int fd = medium.AddRef(); // -1: closed already, and the kernel dropped it from the set with the descriptor
        if (fd >= 0)
        {
            LibC.Remove(_epfd, fd); // fails harmlessly if already gone
            medium.Release();
        }
        FreeSlot(medium);
    }

    private void FreeSlot(IEpollRegistrant medium)
    {
        int slot = (int)(uint)medium.Key;
        lock (_freeSlots)
        {
            ref var entry = ref _chunks[slot >> ChunkBits]![slot & (ChunkSize - 1)];
            if (!ReferenceEquals(entry, medium)) return;
            Volatile.Write(ref entry, null);
            _freeSlots.Push(slot);
        }
    }

    private void Run()
    {
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * LibC.EventSize));
        int size = LibC.EventSize, dataOffset = LibC.EventDataOffset;
        while (true)
        {
            int n = LibC.EpollWait(_epfd, events, MaxEvents, -1);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == LibC.EINTR) continue;
                Environment.FailFast("epoll_wait failed with errno " + Marshal.GetLastPInvokeError()); // cannot happen with a valid set
            }
            Volatile.Write(ref _busySince, Stopwatch.GetTimestamp());
            for (int i = 0; i < n; i++)
            {
                byte* evt = events + i * size;
                uint flags = *(uint*)evt;
                ulong key = *(ulong*)(evt + dataOffset);
                int slot = (int)(uint)key;
                var medium = Volatile.Read(ref _chunks[slot >> ChunkBits]![slot & (ChunkSize - 1)]);
                if (medium is null || medium.Key != key) continue; // closed since the edge was fetched
                Volatile.Write(ref _running, medium);
                try
                {
                    medium.OnEvents(flags);
                }
                catch (Exception ex)
                {
                    // The resumed code is an async method, which keeps its own exceptions; anything else must not end the loop.
                    Trace.TraceError("ProtocolSdk epoll loop: " + ex);
                }
            }
            Volatile.Write(ref _running, null);
            Volatile.Write(ref _busySince, 0);
        }
    }
}
