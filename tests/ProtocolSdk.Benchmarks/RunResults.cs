using System;
using System.Collections.Generic;
using System.Text.Json;

namespace ProtocolSdk.Benchmarks;

/// <summary>What every load driver (load, tls, cluster) does with loadgen's answers: reject invalid runs, group results.</summary>
internal static class RunResults
{
    /// <summary>False (and says why on stderr) when the run lost or corrupted bytes or did not open every connection.</summary>
    public static bool CheckEcho(string json, Scenario sc)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        long mismatch = root.GetProperty("mismatch_bytes").GetInt64();
        long errors = root.GetProperty("errors").GetInt64();
        long ok = root.GetProperty("conns_ok").GetInt64();
        if (mismatch != 0 || errors != 0 || ok != sc.Conns)
        {
            Console.Error.WriteLine($"  INVALID RUN: mismatch_bytes={mismatch} errors={errors} conns_ok={ok}");
            return false;
        }
        return true;
    }

    /// <summary>Appends <paramref name="value"/> to the list under <paramref name="key"/>, creating it.</summary>
    public static void Add<TKey, TValue>(Dictionary<TKey, List<TValue>> results, TKey key, TValue value) where TKey : notnull
    {
        if (!results.TryGetValue(key, out var list)) results[key] = list = new();
        list.Add(value);
    }
}
