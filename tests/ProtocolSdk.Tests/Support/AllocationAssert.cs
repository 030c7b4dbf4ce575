namespace ProtocolSdk.Tests.Support;

/// <summary>
/// Zero-allocation assertions on the current thread. A round holds thousands of events, so any per-event allocation
/// (24 bytes at least) shows in every round; rare runtime housekeeping that is not per event (seen once: 7.7 KB in
/// 20,000 events on a loaded CI run) lands in one round at most. So: the quietest of a few rounds must be exactly 0.
/// </summary>
internal static class AllocationAssert
{
    public static void NothingAllocatedPerEvent(Action round, int rounds = 3)
    {
        var measured = new long[rounds];
        for (int i = 0; i < rounds; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            round();
            measured[i] = GC.GetAllocatedBytesForCurrentThread() - before;
            if (measured[i] == 0) return;
        }
        Assert.Fail($"every round allocated: {string.Join(", ", measured)} bytes");
    }
}
