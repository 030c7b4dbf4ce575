using System.Diagnostics;

namespace ProtocolSdk.Redis.Tests.Support;

public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> (every 20 ms) until it holds; fails with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task<TimeSpan> HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            if (await condition()) return elapsed.Elapsed;
            if (elapsed.Elapsed > timeout) throw new Xunit.Sdk.XunitException($"Within {timeout}: {what} never held.");
            await Task.Delay(20); // poll interval, bounded by timeout
        }
    }
}
