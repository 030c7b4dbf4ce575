using System.Net.Sockets;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

public class BackpressureTests
{
    /// <summary>
    /// The bound: an echo connection buffers at most the high-water mark (64 KiB) plus the chunk that crossed it
    /// (at most one receive: 64 KiB by default), because reading pauses as soon as the mark is passed.
    /// </summary>
    private const int BufferedOutputBound = Transport.DefaultHighWaterMark + ProtocolServerOptions.DefaultReceiveBufferSize;

    [Fact]
    public async Task Echo_to_a_client_that_never_reads_keeps_buffered_output_bounded_and_loses_nothing()
    {
        var collector = new ProtocolCollector<MeasuringEcho>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, collector.Wrap(() => new MeasuringEcho()));
        using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        client.ReceiveBufferSize = 64 * 1024;
        client.SendBufferSize = 64 * 1024;

        // Send far more than all the buffers on the path can hold, without reading: the server must pause reading.
        const int total = 24 * 1024 * 1024;
        var payload = new byte[total];
        new Random(7).NextBytes(payload);
        int sent = 0;
        var sending = Task.Run(async () =>
        {
            while (sent < total)
            {
                sent += await client.SendAsync(payload.AsMemory(sent, Math.Min(65536, total - sent)), SocketFlags.None);
            }
        });
        await Loopback.WaitUntilAsync(() => collector.All.TryPeek(out var p) && p.PausedSeen, "server paused reading");
        var protocol = collector.All.Single();
        Assert.False(sending.IsCompleted, "the client should be blocked by TCP backpressure");
        Assert.InRange(protocol.MaxBuffered, Transport.DefaultHighWaterMark, BufferedOutputBound);

        // Now the client reads everything: nothing is lost, bytes are exact.
        var echoed = await Loopback.ReadExactlyAsync(client, total);
        await sending;
        Assert.True(payload.AsSpan().SequenceEqual(echoed));
        Assert.InRange(protocol.MaxBuffered, 0, BufferedOutputBound);
    }

    private sealed class MeasuringEcho : Protocol
    {
        public long MaxBuffered;
        public volatile bool PausedSeen;

        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            Transport.Write(data);
            long buffered = Transport.BufferedBytes;
            if (buffered > MaxBuffered) MaxBuffered = buffered;
            if (Transport.IsReadingPaused) PausedSeen = true;
        }
    }
}
