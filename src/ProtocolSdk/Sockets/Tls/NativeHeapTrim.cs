using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace ProtocolSdk.Sockets.Tls;

/// <summary>
/// Gives the native heap's freed pages back to the system after bursts of TLS handshakes and closes on the SDK's own
/// engine. A handshake takes about 50 KB of OpenSSL state and keeps about 14 KB once it is idle (record buffers
/// released, see <see cref="OpenSslContext"/>); glibc keeps the freed rest resident between the connections that stay,
/// so after a burst the process stays as large as at its peak. One <c>malloc_trim(0)</c> returns those pages
/// (measured in docs/performance.md: 45 KB of RSS per idle TLS connection without it, 24 KB with it).
/// <para>
/// A trim is not free: glibc locks each arena while it trims it (10 to 27 ms measured with 5000 idle TLS connections
/// held), and OpenSSL allocates on every read burst. So it runs once handshakes and closes have been quiet for half
/// a second, and during steady churn at most once every 30 s. Nothing happens without glibc, or with the engine unused.
/// </para>
/// </summary>
internal static partial class NativeHeapTrim
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeProvider Time = TimeProvider.System;
    private static int s_requested;      // 1 while a trim is due (the timer is armed)
    private static long s_lastRequest;   // timestamp of the latest request
    private static long s_lastTrim = Time.GetTimestamp();
    private static bool s_unsupported;   // no malloc_trim here (not glibc)
    private static ITimer? s_timer;

    /// <summary>Whether a trim is due (tests wait for it to run).</summary>
    internal static bool IsPending => Volatile.Read(ref s_requested) != 0;

    /// <summary>Memory was freed in bulk (a handshake ended, a session was freed): trim once things are quiet.</summary>
    public static void Request()
    {
        if (s_unsupported) return;
        Volatile.Write(ref s_lastRequest, Time.GetTimestamp());
        if (Volatile.Read(ref s_requested) != 0 || Interlocked.Exchange(ref s_requested, 1) != 0) return;
        var timer = Volatile.Read(ref s_timer) ?? CreateTimer();
        timer.Change(Quiet, Timeout.InfiniteTimeSpan);
    }

    private static ITimer CreateTimer()
    {
        var timer = Time.CreateTimer(static _ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var existing = Interlocked.CompareExchange(ref s_timer, timer, null);
        if (existing is null) return timer;
        timer.Dispose();
        return existing;
    }

    private static void OnTimer()
    {
        TimeSpan quietFor = Time.GetElapsedTime(Volatile.Read(ref s_lastRequest));
        if (quietFor < Quiet && Time.GetElapsedTime(s_lastTrim) < MaxInterval)
        {
            s_timer!.Change(Quiet - quietFor, Timeout.InfiniteTimeSpan); // still busy: look again when it may be quiet
            return;
        }
        Volatile.Write(ref s_requested, 0); // what is freed from here on asks for the next trim
        s_lastTrim = Time.GetTimestamp();
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
