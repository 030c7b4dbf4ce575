using System;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading;
using ProtocolSdk.Internal;

namespace ProtocolSdk.Sockets.Epoll;

/// <summary>
/// The process's epoll loops (one per core, started on first use and kept for the life of the process, like the
/// runtime's own socket engine) and their stall watchdog. Connections are spread over the loops round-robin.
/// </summary>
internal sealed class EpollEngine
{
    /// <summary>How long a loop may run one batch of callbacks before the watchdog reports a stall.</summary>
    internal static readonly TimeSpan StallThreshold = TimeSpan.FromMilliseconds(200);

    private static readonly Lazy<EpollEngine> SharedEngine = new(() => new EpollEngine(Environment.ProcessorCount), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly EpollLoop[] _loops;
    private readonly long[] _reportedBatch; // per loop: the BusySince of the stall already reported (one report per stall)
    private readonly Timer _watchdog;
    private uint _next;

    private EpollEngine(int loops)
    {
        _loops = new EpollLoop[Math.Clamp(loops, 1, ushort.MaxValue)]; // a connection keeps its loop's index in 16 bits
        for (int i = 0; i < _loops.Length; i++) _loops[i] = new EpollLoop(i);
        _reportedBatch = new long[_loops.Length];
        var period = StallThreshold / 2; // a stall is reported 200-300 ms in; 10 wake-ups a second while idle
        _watchdog = new Timer(static state => ((EpollEngine)state!).CheckStalls(), this, period, period);
    }

    public static EpollEngine Shared => SharedEngine.Value;

    /// <summary>Whether the engine can run here (Linux, and epoll could be set up).</summary>
    public static bool IsAvailable
    {
        get
        {
            if (!OperatingSystem.IsLinux()) return false;
            try
            {
                _ = Shared;
                return true;
            }
            catch (Exception ex) when (ex is SocketException or DllNotFoundException or EntryPointNotFoundException)
            {
                return false;
            }
        }
    }

    /// <summary>A medium for a connected <paramref name="socket"/> (a client's) on the next loop.</summary>
    public EpollMedium CreateMedium(Socket socket) => new(socket, NextLoop());

    /// <summary>The loop with <see cref="EpollLoop.Index"/> <paramref name="index"/>.</summary>
    public EpollLoop Loop(int index) => _loops[index];

    /// <summary>The loop the next connection goes to (round-robin).</summary>
    public EpollLoop NextLoop() => _loops[Interlocked.Increment(ref _next) % (uint)_loops.Length];

    private void CheckStalls()
    {
        long now = Stopwatch.GetTimestamp();
        for (int i = 0; i < _loops.Length; i++)
        {
            var loop = _loops[i];
            long since = loop.BusySince;
            if (since == 0 || since == _reportedBatch[i]) continue;
            var stalled = Stopwatch.GetElapsedTime(since, now);
            if (stalled < StallThreshold) continue;
            _reportedBatch[i] = since;
            var transport = (loop.Running as EpollMedium)?.Owner;
            string protocol = transport?.CurrentProtocol?.GetType().Name ?? "(unknown)";
            ProtocolMetrics.Instance.LoopStalled(protocol);
            if (transport is not null) Log.LoopStalled(transport.Host.Logger, loop.Index, (long)stalled.TotalMilliseconds, protocol);
        }
    }
}
