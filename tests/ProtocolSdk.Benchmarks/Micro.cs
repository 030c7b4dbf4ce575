using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ProtocolSdk.Testing;

namespace ProtocolSdk.Benchmarks;

internal static class Micro
{
    public static int Run(string[] args)
    {
        // Short runs, in process: enough to show allocations (must be 0 B) and the order of magnitude of the cost.
        var job = Job.Default.WithWarmupCount(2).WithIterationCount(5).WithToolchain(InProcessEmitToolchain.Instance).WithId("short-inprocess");
        var config = DefaultConfig.Instance.AddJob(job);
        if (args.Length == 0) args = new[] { "--filter", "*" };
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Micro).Assembly).Run(args, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}

/// <summary>Consumes what it receives: the receive path up to the protocol callback.</summary>
public sealed class SinkProtocol : Protocol
{
    public long Received { get; private set; }

    public override void DataReceived(ReadOnlySpan<byte> data) => Received += data.Length;
}

/// <summary>
/// Per-chunk paths through the in-memory test transport (the same Transport base code the socket transport runs):
/// a received chunk delivered to DataReceived, a Transport.Write, and an echo (receive + write).
/// </summary>
[MemoryDiagnoser]
public class ChunkPathBenchmarks
{
    private ProtocolTestHost _host = null!;
    private TestConnection _sink = null!;
    private TestConnection _echo = null!;
    private SinkProtocol _writer = null!;
    private TestConnection _writerConnection = null!;
    private byte[] _chunk = null!;

    [Params(64, 16 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _host = new ProtocolTestHost();
        _chunk = new byte[Size];
        new Random(1).NextBytes(_chunk);
        _sink = _host.Connect(new SinkProtocol());
        _echo = _host.Connect(new SdkEcho());
        _writer = new SinkProtocol();
        _writerConnection = _host.Connect(_writer);
    }

    [GlobalCleanup]
    public void Cleanup() => _host.Dispose();

    [Benchmark(Description = "receive chunk -> DataReceived")]
    public void Receive() => _sink.Send(_chunk);

    [Benchmark(Description = "Transport.Write")]
    public void Write()
    {
        _writer.Transport.Write(_chunk);
        _writerConnection.Transport.ClearWritten();
    }

    [Benchmark(Description = "echo: receive + Write")]
    public void Echo()
    {
        _echo.Send(_chunk);
        _echo.Transport.ClearWritten();
    }
}

/// <summary>Twisted's resetTimeout on every event: must be O(1) and allocation-free.</summary>
[MemoryDiagnoser]
public class TimerBenchmarks
{
    private ProtocolTestHost _host = null!;
    private SinkProtocol _protocol = null!;

    [GlobalSetup]
    public void Setup()
    {
        _host = new ProtocolTestHost();
        _protocol = new SinkProtocol();
        _host.Connect(_protocol);
        _protocol.SetTimeout(TimeSpan.FromSeconds(300));
    }

    [GlobalCleanup]
    public void Cleanup() => _host.Dispose();

    [Benchmark(Description = "Protocol.ResetTimeout")]
    public void ResetTimeout() => _protocol.ResetTimeout();
}
