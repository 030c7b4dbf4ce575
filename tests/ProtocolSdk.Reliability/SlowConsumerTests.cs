using System.Net.Sockets;
using ProtocolSdk.Reliability.Support;
using Xunit.Abstractions;

namespace ProtocolSdk.Reliability;

/// <summary>Writes a deterministic byte stream as fast as the transport lets it, pausing when told (scenario 3).</summary>
public sealed class Firehose : Protocol, IPushProducer
{
    public const int Chunk = 8192;
    private readonly long _total;
    private readonly byte[] _buffer = new byte[Chunk];
    private Transport? _transport;
    private long _produced;
    private volatile bool _paused, _stopped;
    private int _producing, _closed;
    public int Pauses, Resumes;
    public long MaxBuffered;
    public DisconnectReason? Reason;
    public readonly TaskCompletionSource Lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Firehose(long total) => _total = total;

    public long Produced => Interlocked.Read(ref _produced);

    public bool IsPaused => _paused;

    public static byte At(long offset) => (byte)(offset * 31 + (offset >> 11));

    public override void ConnectionMade()
    {
        _transport = Transport;
        _transport.RegisterProducer(this);
        ThreadPool.UnsafeQueueUserWorkItem(static p => p.Produce(), this, preferLocal: false);
    }

    private void Produce()
    {
        if (Interlocked.Exchange(ref _producing, 1) != 0) return;
        try
        {
            var t = _transport!;
            while (!_paused && !_stopped && _produced < _total)
            {
                int n = (int)Math.Min(Chunk, _total - _produced);
                for (int i = 0; i < n; i++) _buffer[i] = At(_produced + i);
                t.Write(_buffer.AsSpan(0, n));
                Interlocked.Add(ref _produced, n);
                long buffered = t.BufferedBytes;
                if (buffered > MaxBuffered) MaxBuffered = buffered;
            }
            if (_produced == _total && Interlocked.Exchange(ref _closed, 1) == 0) t.LoseConnection();
        }
        finally
        {
            Volatile.Write(ref _producing, 0);
        }
        if (!_paused && !_stopped && _produced < _total) ThreadPool.UnsafeQueueUserWorkItem(static p => p.Produce(), this, preferLocal: false);
    }

    public void PauseProducing()
    {
        _paused = true;
        Interlocked.Increment(ref Pauses);
    }

    public void ResumeProducing()
    {
        _paused = false;
        Interlocked.Increment(ref Resumes);
        ThreadPool.UnsafeQueueUserWorkItem(static p => p.Produce(), this, preferLocal: false);
    }

    public void StopProducing() => _stopped = true;

    public override void ConnectionLost(DisconnectReason reason)
    {
        Reason = reason;
        Lost.TrySetResult();
    }
}

/// <summary>Echo that records the largest buffered output seen right after a write (no producer: backpressure pauses reading).</summary>
public sealed class WatchedEcho : Protocol
{
    public long MaxBuffered;
    public int LargestChunk;

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        Transport.Write(data);
        LargestChunk = Math.Max(LargestChunk, data.Length);
        MaxBuffered = Math.Max(MaxBuffered, Transport.BufferedBytes);
    }
}

/// <summary>
/// Scenario 3. A client that stops reading must not make the server buffer without bound: with a producer, buffered
/// output stays at most HighWaterMark + the largest single write and the producer is paused; without one, reading is
/// paused. When the client finally reads, every byte arrives, in order.
/// </summary>
[Collection(Serial.Name)]
public class SlowConsumerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Producer_is_paused_output_is_bounded_and_nothing_is_dropped()
    {
        long total = Soak.Pick(16L << 20, 256L << 20);
        Firehose? protocol = null;
        await using var server = await ProtocolServer.ListenTcpAsync(Net.AnyPort, () => protocol = new Firehose(total));
        using var client = await Net.ConnectAsync(server.LocalEndPoint, Net.Honest, receiveBuffer: 16 * 1024);

        await Net.WaitUntilAsync(() => protocol is { IsPaused: true }, "producer paused while the client does not read");
        long producedAtPause = protocol!.Produced;
        // Observe for a moment that production really stops while paused (a measurement window, not synchronisation).
        await Task.Delay(200);
        Assert.True(protocol.IsPaused);
        Assert.Equal(producedAtPause, protocol.Produced);
        Assert.True(producedAtPause < total, "everything fit in kernel buffers; the test needs a bigger stream");

        // Now read everything and compare byte for byte.
        var buffer = new byte[64 * 1024];
        long offset = 0;
        using var cts = new CancellationTokenSource(Net.Timeout * 4);
        while (true)
        {
            int n = await client.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0) break;
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != Firehose.At(offset + i)) Assert.Fail($"byte {offset + i} differs");
            }
            offset += n;
        }
        await protocol.Lost.Task.WithTimeout("ConnectionLost");
        long highWater = Transport.DefaultHighWaterMark;
        output.WriteLine($"stream={total} B paused at {producedAtPause} B produced; pauses={protocol.Pauses} resumes={protocol.Resumes} " +
                         $"maxBuffered={protocol.MaxBuffered} B (bound {highWater + Firehose.Chunk} B) received={offset} B reason={protocol.Reason}");
        Assert.Equal(total, offset);
        Assert.Equal(DisconnectKind.LocalClosed, protocol.Reason!.Value.Kind);
        Assert.True(protocol.Pauses >= 1 && protocol.Resumes >= 1);
        Assert.True(protocol.MaxBuffered <= highWater + Firehose.Chunk, $"buffered {protocol.MaxBuffered} B");
    }

    [Fact]
    public async Task Echo_to_a_client_that_does_not_read_pauses_reading_and_stays_bounded()
    {
        long total = Soak.Pick(16L << 20, 128L << 20);
        WatchedEcho? protocol = null;
        await using var server = await ProtocolServer.ListenTcpAsync(Net.AnyPort, () => protocol = new WatchedEcho());
        using var client = await Net.ConnectAsync(server.LocalEndPoint, Net.Honest, receiveBuffer: 16 * 1024);

        var send = Task.Run(async () =>
        {
            var chunk = new byte[32 * 1024];
            for (long sent = 0; sent < total; sent += chunk.Length)
            {
                for (int i = 0; i < chunk.Length; i++) chunk[i] = Firehose.At(sent + i);
                await client.SendAsync(chunk, SocketFlags.None);
            }
            client.Shutdown(SocketShutdown.Send);
        });
        // The sender stalls once every buffer on the way is full: the server paused reading instead of buffering more.
        await Net.WaitUntilAsync(() => protocol is { } p && p.Transport is { IsReadingPaused: true }, "reading paused by backpressure");
        long bufferedWhilePaused = protocol!.Transport.BufferedBytes;

        var buffer = new byte[64 * 1024];
        long offset = 0;
        using var cts = new CancellationTokenSource(Net.Timeout * 4);
        while (true)
        {
            int n = await client.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0) break;
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != Firehose.At(offset + i)) Assert.Fail($"byte {offset + i} differs");
            }
            offset += n;
        }
        await send;
        output.WriteLine($"echoed {offset} B; buffered while paused={bufferedWhilePaused} B maxBuffered={protocol.MaxBuffered} B largest chunk={protocol.LargestChunk} B");
        Assert.Equal(total, offset);
        Assert.True(protocol.MaxBuffered <= Transport.DefaultHighWaterMark + protocol.LargestChunk, $"buffered {protocol.MaxBuffered} B");
    }
}
