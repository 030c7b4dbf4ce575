using System;
using System.Globalization;
using System.IO;
using System.Threading;

namespace ProtocolSdk.Internal;

/// <summary>
/// Keeps the process below its descriptor limit (RLIMIT_NOFILE, read once from /proc/self/limits on Linux): accepted
/// sockets of all servers together may use the limit minus what the process held when the first server started minus
/// a reserve. The .NET runtime itself needs descriptors to start thread-pool threads; at the hard limit it fails
/// (measured: "Out of memory." and an abort under <c>ulimit -n 256</c>), so the accept loop pauses before the kernel
/// would say EMFILE, and the backlog holds or refuses new clients until sockets close.
/// </summary>
internal sealed class DescriptorBudget
{
    /// <summary>Descriptors always left to the runtime and the application (threads, files, logs, outbound sockets).</summary>
    public const int MinimumReserve = 64;

    public static readonly DescriptorBudget Process = Create();

    /// <summary>Below this many sockets the first server's start logs a warning: a high [MaxConnections] Total cannot hold.</summary>
    public const int WarnBelow = 4096;

    private int _inUse;
    private int _warned;

    private DescriptorBudget(int capacity, long limit = -1)
    {
        Capacity = capacity;
        Limit = limit;
    }

    /// <summary>The soft descriptor limit the budget was made from, or -1 when unknown.</summary>
    public long Limit { get; }

    /// <summary>Once per process: warns when the budget is small, naming the limit and the connections it allows.</summary>
    public void WarnIfSmall(Microsoft.Extensions.Logging.ILogger logger)
    {
        if (Capacity >= WarnBelow || Interlocked.Exchange(ref _warned, 1) != 0) return;
        Log.DescriptorBudgetSmall(logger, Limit, Capacity);
    }

    /// <summary>Sockets the servers may hold at once; <see cref="int.MaxValue"/> when the limit is unknown.</summary>
    public int Capacity { get; }

    public int InUse => Volatile.Read(ref _inUse);

    /// <summary>Takes one descriptor for an accepted socket; false (nothing taken) when the budget is spent.</summary>
    public bool TryTake()
    {
        if (Interlocked.Increment(ref _inUse) <= Capacity) return true;
        Interlocked.Decrement(ref _inUse);
        return false;
    }

    public void Return() => Interlocked.Decrement(ref _inUse);

    /// <summary>True when one more socket fits now (the accept loop checks before it accepts).</summary>
    public bool HasRoom => Volatile.Read(ref _inUse) < Capacity;

    /// <summary>A budget of a fixed size (tests).</summary>
    internal static DescriptorBudget WithCapacity(int capacity) => new(capacity);

    internal static DescriptorBudget Create()
    {
        long limit = ReadSoftLimit();
        if (limit <= 0) return new DescriptorBudget(int.MaxValue);
        int held = CountOpenDescriptors();
        long reserve = Math.Max(MinimumReserve, limit / 8);
        long capacity = Math.Max(1, limit - held - reserve);
        return new DescriptorBudget((int)Math.Min(capacity, int.MaxValue), limit);
    }

    /// <summary>The soft "Max open files" limit, or -1 when unknown (not Linux, unlimited, unreadable).</summary>
    private static long ReadSoftLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
                var fields = line.Substring("Max open files".Length).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long soft) ? soft : -1;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // not Linux: no budget
        }
        return -1;
    }

    private static int CountOpenDescriptors()
    {
        try
        {
            return Directory.GetFileSystemEntries("/proc/self/fd").Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return 0;
        }
    }
}
