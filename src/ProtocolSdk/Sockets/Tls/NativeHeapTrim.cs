using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace ProtocolSdk.Sockets.Tls;

/// <summary>
/// Gives the native heap's freed pages back to the system after TLS handshakes and closes on the SDK's own engine.
/// A handshake takes about 50 KB of OpenSSL state and keeps about 14 KB once it is idle (read and write buffers
/// released, see <see cref="OpenSslContext"/>); glibc keeps the freed rest resident between the connections that
/// stay, so after a burst of handshakes (or of closes) the process stays as large as at its peak. One
/// <c>malloc_trim(0)</c> a second after the last of them, and at most one a second while they go on, returns those
/// pages (measured in docs/performance.md). Nothing happens without glibc, or with the engine unused.
/// </summary>
internal static partial class NativeHeapTrim
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);
    private static int s_requested;   // 1 while a trim is due
    private static bool s_unsupported; // no malloc_trim here (not glibc)
    private static ITimer? s_timer;

    /// <summary>Whether a trim is due (tests wait for it to run).</summary>
    internal static bool IsPending => Volatile.Read(ref s_requested) != 0;

    /// <summary>Memory was freed in bulk (a handshake ended, a session was freed): trim within a second.</summary>
    public static void Request()
    {
        if (s_unsupported || Volatile.Read(ref s_requested) != 0 || Interlocked.Exchange(ref s_requested, 1) != 0) return;
        var timer = Volatile.Read(ref s_timer) ?? CreateTimer();
        timer.Change(Delay, Timeout.InfiniteTimeSpan);
    }

    private static ITimer CreateTimer()
    {
        var timer = TimeProvider.System.CreateTimer(static _ => Trim(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var existing = Interlocked.CompareExchange(ref s_timer, timer, null);
        if (existing is null) return timer;
        timer.Dispose();
        return existing;
    }

    private static void Trim()
    {
        Volatile.Write(ref s_requested, 0); // what is freed from here on asks for the next trim
        try
        {
            MallocTrim(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            s_unsupported = true; // musl and others: nothing to do
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
