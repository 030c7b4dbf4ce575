using System.Diagnostics;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

/// <summary>A read throttle with a small burst, fed tiny TLS records (10 bytes of plaintext, about 32 on the wire).</summary>
[Throttle(ReadBytesPerSecond = 30_000, BurstBytes = 3_000)]
public sealed partial class WireThrottledSink : Protocol
{
    public const int Records = 2000, RecordSize = 10;
    private long _received;
    public readonly Stopwatch SinceConnected = new();
    public readonly TaskCompletionSource<TimeSpan> AllReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void ConnectionMade() => SinceConnected.Start();

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        _received += data.Length;
        if (_received >= Records * RecordSize) AllReceived.TrySetResult(SinceConnected.Elapsed);
    }
}

/// <summary>Echoes under a write throttle with a small burst: each echo of a ping-pong is one TLS record.</summary>
[Throttle(WriteBytesPerSecond = 20_000, BurstBytes = 2_000)]
public sealed partial class WireThrottledEcho : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}

/// <summary>Over TLS the throttles and the rate checks measure what the network carries: ciphertext.</summary>
// Rates measured on the wall clock over real sockets: run with the other timing-sensitive socket tests, alone.
[Collection(ProtocolSdk.Tests.Policies.TimingSensitiveSockets.Name)]
public class TlsWireBytesTests
{
    [Fact]
    public async Task A_read_throttle_over_TLS_charges_the_record_overhead()
    {
        var made = new ProtocolCollector<WireThrottledSink>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new WireThrottledSink()),
            new ProtocolServerOptions { Tls = TlsTestSupport.ServerOptions() });
        await using var ssl = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint);
        var record = new byte[WireThrottledSink.RecordSize];
        var send = Task.Run(async () =>
        {
            for (int i = 0; i < WireThrottledSink.Records; i++) await ssl.WriteAsync(record); // one record per write
        });

        await Loopback.WaitUntilAsync(() => !made.All.IsEmpty, "the connection");
        var sink = made.All.Single();
        var elapsed = await sink.AllReceived.Task.WithTimeout("the throttled upload");
        await send.WithTimeout("the upload's send");

        // 20 kB of plaintext is about 64 kB of TLS 1.3 records (5 header + 1 type + 16 tag bytes each): at 30 kB/s of
        // wire after a 3 kB burst that takes about 2 s. Charging plaintext would take 0.6 s.
        var transport = sink.Transport;
        double overhead = (double)transport.WireBytesReceived / transport.BytesReceived;
        Assert.InRange(overhead, 2.5, 4.0);
        double expected = (transport.WireBytesReceived - 3_000) / 30_000.0;
        // The lower bound is the point; a stall on a loaded machine only makes it slower.
        Assert.InRange(elapsed.TotalSeconds, expected * 0.8, expected * 3);
    }

    [Fact]
    public async Task A_write_throttle_over_TLS_charges_the_record_overhead()
    {
        var made = new ProtocolCollector<WireThrottledEcho>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new WireThrottledEcho()),
            new ProtocolServerOptions { Tls = TlsTestSupport.ServerOptions() });
        await using var ssl = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint);
        var ping = new byte[10];
        const int RoundTrips = 1000;
        var clock = Stopwatch.StartNew();
        await Task.Run(async () =>
        {
            for (int i = 0; i < RoundTrips; i++)
            {
                await ssl.WriteAsync(ping);
                await TlsTestSupport.ReadExactlyAsync(ssl, ping.Length);
            }
        }).WithTimeout("the ping-pong");
        var elapsed = clock.Elapsed;

        var transport = made.All.Single().Transport;
        Assert.Equal(RoundTrips * ping.Length, transport.BytesSent);
        // Each 10-byte echo is a record of about 32 bytes: 32 kB of wire at 20 kB/s after a 2 kB burst is about 1.5 s
        // (charging plaintext would allow it in 0.4 s).
        Assert.InRange(transport.WireBytesSent, RoundTrips * 30L, RoundTrips * 40L);
        double expected = (transport.WireBytesSent - 2_000) / 20_000.0;
        // The lower bound is the point (the round trips' own latency and stalls of a loaded machine only add to it, so
        // the upper bound is loose: CI saw 2.6x on 2 busy cores).
        Assert.InRange(elapsed.TotalSeconds, expected * 0.8, expected * 5);
    }

    [Fact]
    public async Task Wire_counters_equal_the_plaintext_counters_without_TLS()
    {
        var made = new ProtocolCollector<WireThrottledEcho>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new WireThrottledEcho()));
        using var socket = await Loopback.ConnectAsync(server.LocalEndPoint);
        await socket.SendAsync(new byte[100], System.Net.Sockets.SocketFlags.None);
        var buffer = new byte[100];
        int got = 0;
        while (got < 100) got += await socket.ReceiveAsync(buffer.AsMemory(got), System.Net.Sockets.SocketFlags.None).AsTask().WithTimeout("the echo");
        var transport = made.All.Single().Transport;
        Assert.Equal(100, transport.BytesReceived);
        Assert.Equal(transport.BytesReceived, transport.WireBytesReceived);
        Assert.Equal(transport.BytesSent, transport.WireBytesSent);
    }
}
