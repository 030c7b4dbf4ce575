using System.Diagnostics;
using ProtocolSdk.Fuzz;
using SharpFuzz;

// Modes (see docs/reliability.md):
//   ProtocolSdk.Fuzz --afl                      AFL++ target (stdin / shared memory via SharpFuzz), after `sharpfuzz` instrumentation
//   ProtocolSdk.Fuzz --corpus DIR               run every file of DIR once
//   ProtocolSdk.Fuzz --random N [--seed S] [--corpus DIR]   N random and corpus-mutated inputs in a plain loop (no coverage feedback)
//   ProtocolSdk.Fuzz --serve PORT [SECONDS]     the slowloris/flood-guarded echo server, for loadgen runs by hand
//   ProtocolSdk.Fuzz FILE                       run one input (reproduce a finding)
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: ProtocolSdk.Fuzz --afl | --corpus DIR | --random N [--seed S] [--corpus DIR] | FILE");
    return 2;
}

if (args[0] == "--serve")
{
    return await ProtocolSdk.Fuzz.Serve.RunAsync(int.Parse(args[1]), args.Length > 2 ? int.Parse(args[2]) : 60);
}

if (args[0] == "--afl")
{
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        Targets.Run(ms.ToArray());
    });
    return 0;
}

string? corpus = null;
long random = 0;
int seed = 1;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--corpus": corpus = args[++i]; break;
        case "--random": random = long.Parse(args[++i]); break;
        case "--seed": seed = int.Parse(args[++i]); break;
        default:
            Targets.Run(File.ReadAllBytes(args[i]));
            Console.WriteLine("ok " + args[i]);
            return 0;
    }
}

var seeds = corpus is null ? new List<byte[]>() : Directory.GetFiles(corpus).OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
var sw = Stopwatch.StartNew();
foreach (var s in seeds) Targets.Run(s);
Console.WriteLine($"corpus: {seeds.Count} inputs ok");

var rng = new Random(seed);
long bytes = 0;
for (long n = 0; n < random; n++)
{
    byte[] input = Mutate(rng, seeds);
    bytes += input.Length;
    try
    {
        Targets.Run(input);
    }
    catch (Exception ex)
    {
        var path = Path.Combine(Path.GetTempPath(), $"protocolsdk-fuzz-crash-{seed}-{n}.bin");
        File.WriteAllBytes(path, input);
        Console.Error.WriteLine($"FINDING at input {n} (saved to {path}): {ex}");
        return 1;
    }
    if ((n + 1) % 50_000 == 0) Console.WriteLine($"{n + 1} inputs, {bytes / 1e6:F1} MB, {sw.Elapsed.TotalSeconds:F0} s");
}
Console.WriteLine($"random: {random} inputs ({bytes / 1e6:F1} MB) ok in {sw.Elapsed.TotalSeconds:F1} s, seed {seed}");
return 0;

static byte[] Mutate(Random rng, List<byte[]> seeds)
{
    byte[] input;
    if (seeds.Count == 0 || rng.Next(4) == 0)
    {
        input = new byte[rng.Next(2, rng.Next(3) == 0 ? 4096 : 256)];
        rng.NextBytes(input);
    }
    else
    {
        input = (byte[])seeds[rng.Next(seeds.Count)].Clone();
        int edits = rng.Next(1, 8);
        for (int e = 0; e < edits && input.Length > 0; e++)
        {
            switch (rng.Next(5))
            {
                case 0: input[rng.Next(input.Length)] = (byte)rng.Next(256); break;
                case 1: input[rng.Next(input.Length)] ^= (byte)(1 << rng.Next(8)); break;
                case 2: input[rng.Next(input.Length)] = (byte)"\r\n\0\xff"[rng.Next(4)]; break;
                case 3: // duplicate a slice
                {
                    int a = rng.Next(input.Length), len = Math.Min(rng.Next(1, 64), input.Length - a);
                    input = [.. input, .. input.AsSpan(a, len)];
                    break;
                }
                default: // truncate
                    input = input[..Math.Max(2, rng.Next(input.Length + 1))];
                    break;
            }
        }
    }
    if (input.Length < 2) input = [0, 0];
    return input;
}
