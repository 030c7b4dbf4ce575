using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

/// <summary>The close paths over real sockets: lingering close, half-close, deadlines, resets.</summary>
public class CloseTests
{
    private const int ReplySize = 4 * 1024 * 1024;
    private const int PipelinedSize = 256 * 1024;

    [Fact]
    public async Task A_4_MiB_reply_then_LoseConnection_arrives_complete_at_a_client_that_pipelined_256_KiB_the_server_never_read()
    {
        var collector = new ProtocolCollector<BigReplyThenClose>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, collector.Wrap(() => new BigReplyThenClose()));
        for (int round = 0; round < 5; round++)
        {
            using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
            // One request byte, then 256 KiB more "requests" the server never reads: it answers the first and closes.
            var pipelined = new byte[1 + PipelinedSize];
            var send = client.SendAsync(pipelined, SocketFlags.None);
            var (reply, cleanEnd) = await ReadToEndAsync(client);
            await send;

            Assert.True(cleanEnd, $"round {round}: the reply ended with a reset after {reply.Length} bytes");
            Assert.Equal(ReplySize, reply.Length);
            Assert.True(reply.AsSpan().SequenceEqual(BigReplyThenClose.Reply), $"round {round}: reply corrupted");
        }
        await Loopback.WaitUntilAsync(() => collector.All.Count == 5 && collector.All.All(p => p.Lost.Task.IsCompleted), "every ConnectionLost");
        Assert.All(collector.All, p =>
        {
            Assert.Equal(DisconnectKind.LocalClosed, p.Lost.Task.Result.Kind);
            Assert.Equal(1, p.Received); // the pipelined bytes were discarded, not delivered
            Assert.True(p.Discarded > 0, "the unread input was read and discarded while lingering");
        });
    }

    [Fact]
    public async Task A_client_that_sends_a_line_and_shuts_down_its_sending_side_gets_the_answer_a_timer_writes_300_ms_later()
    {
        var collector = new ProtocolCollector<AnswersLaterAfterHalfClose>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, collector.Wrap(() => new AnswersLaterAfterHalfClose()));
        using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        await client.SendAsync("question\n"u8.ToArray(), SocketFlags.None);
        var started = Stopwatch.StartNew();
        client.Shutdown(SocketShutdown.Send);

        var (reply, cleanEnd) = await ReadToEndAsync(client);
        Assert.True(cleanEnd);
        Assert.Equal("answer to question\n", Encoding.ASCII.GetString(reply));
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(250), $"answered after {started.ElapsedMilliseconds} ms: not from the timer");

        var protocol = collector.All.Single();
        var reason = await protocol.Lost.Task.WithTimeout("ConnectionLost");
        Assert.Equal(DisconnectKind.PeerClosed, reason.Kind); // the peer started the ending with its FIN
        Assert.Equal(1, protocol.ReadConnectionLostCalls);
    }

    [Fact]
    public async Task A_peer_that_keeps_sending_after_our_FIN_is_cut_at_the_linger_deadline()
    {
        var options = new ProtocolServerOptions { LingerTimeout = TimeSpan.FromMilliseconds(500) };
        var collector = new ProtocolCollector<CloseOnFirstData>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, collector.Wrap(() => new CloseOnFirstData()), options);
        using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        using var stop = new CancellationTokenSource();
        var flood = Task.Run(async () =>
        {
            var chunk = new byte[16 * 1024];
            try
            {
                while (!stop.IsCancellationRequested) await client.SendAsync(chunk, SocketFlags.None, stop.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                // cut by the server (reset), or the test ended
            }
        });
        await Loopback.WaitUntilAsync(() => collector.All.Count == 1, "connection made");
        var protocol = collector.All.Single();
        var reason = await protocol.Lost.Task.WithTimeout("ConnectionLost at the linger deadline");
        var lingered = protocol.LostAt - protocol.ClosedAt;
        stop.Cancel();
        await flood;

        Assert.Equal(DisconnectKind.LocalClosed, reason.Kind); // the reason that started the close
        Assert.InRange(lingered, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(3));
        Assert.True(protocol.Discarded > 0);
        Assert.Equal(0, server.ConnectionCount);
    }

    [Fact]
    public async Task A_peer_that_resets_mid_linger_ends_the_close_at_once()
    {
        var options = new ProtocolServerOptions { LingerTimeout = TimeSpan.FromSeconds(30) };
        var collector = new ProtocolCollector<CloseOnFirstData>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, collector.Wrap(() => new CloseOnFirstData()), options);
        var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        await client.SendAsync("x"u8.ToArray(), SocketFlags.None);
        Assert.True(await Loopback.WaitForCloseAsync(client)); // our FIN arrived: the server lingers now
        var protocol = collector.All.Single();
        Assert.False(protocol.Lost.Task.IsCompleted);

        var reset = Stopwatch.StartNew();
        client.LingerState = new LingerOption(true, 0);
        client.Dispose(); // RST
        var reason = await protocol.Lost.Task.WithTimeout("ConnectionLost after the reset");
        Assert.True(reset.Elapsed < TimeSpan.FromSeconds(5), $"took {reset.Elapsed}: the 30 s linger deadline was waited for");
        Assert.Equal(DisconnectKind.LocalClosed, reason.Kind);
    }

    [Fact]
    public async Task A_graceful_close_to_a_peer_that_never_reads_is_aborted_at_the_deadline_and_releases_its_slot()
    {
        var options = new ProtocolServerOptions { LingerTimeout = TimeSpan.FromMilliseconds(500) };
        var collector = new ProtocolCollector<BigReplyThenClose>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, collector.Wrap(() => new BigReplyThenClose()), options);
        using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        client.ReceiveBufferSize = 4096; // and never read: the 4 MiB reply cannot drain
        await client.SendAsync("x"u8.ToArray(), SocketFlags.None);

        await Loopback.WaitUntilAsync(() => collector.All.Count == 1, "connection made");
        var reason = await collector.All.Single().Lost.Task.WithTimeout("ConnectionLost at the close deadline");
        Assert.Equal(DisconnectKind.TimedOut, reason.Kind);
        Assert.Contains("LingerTimeout", reason.Message);
        await Loopback.WaitUntilAsync(() => server.ConnectionCount == 0, "slot released");
    }

    [Fact]
    public async Task Output_past_MaxBufferedBytes_to_a_client_that_never_reads_ends_the_connection()
    {
        var options = new ProtocolServerOptions { MaxBufferedBytes = 1024 * 1024 };
        var collector = new ProtocolCollector<CarelessPusher>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, collector.Wrap(() => new CarelessPusher()), options);
        using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        client.ReceiveBufferSize = 4096; // never reads

        await Loopback.WaitUntilAsync(() => collector.All.Count == 1, "connection made");
        var pusher = collector.All.Single();
        var reason = await pusher.Lost.Task.WithTimeout("ConnectionLost by the output cap");
        Assert.Equal(DisconnectKind.PolicyViolation, reason.Kind);
        Assert.Contains("MaxBufferedBytes (1048576 bytes)", reason.Message);
        Assert.InRange(pusher.MaxBuffered, 0, 1024 * 1024);
    }

    [Fact]
    public async Task DisposeAsync_flushes_pending_output_and_ends_each_connection_with_a_clean_FIN()
    {
        var collector = new ProtocolCollector<RecordingProtocol>();
        var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, collector.Wrap(() => new RecordingProtocol()));
        var clients = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Loopback.ConnectAsync(server.LocalEndPoint)));
        await Loopback.WaitUntilAsync(() => collector.All.Count == 10 && collector.All.All(p => p.Made == 1), "all connections made");
        foreach (var p in collector.All) p.Transport.Write(new byte[200_000]); // some of it is still queued at dispose

        // Each client reads to the end and closes, as a well-behaved peer does.
        var readers = clients.Select(async c => { var r = await ReadToEndAsync(c); c.Dispose(); return r; }).ToArray();
        var dispose = Stopwatch.StartNew();
        await server.DisposeAsync().AsTask().WithTimeout("server dispose");
        Assert.True(dispose.Elapsed < TimeSpan.FromSeconds(4), $"dispose took {dispose.Elapsed}: it waited for the shutdown timeout");

        foreach (var (bytes, cleanEnd) in await Task.WhenAll(readers))
        {
            Assert.True(cleanEnd);
            Assert.Equal(200_000, bytes.Length);
        }
        Assert.All(collector.All, p => Assert.Equal(DisconnectKind.ServerShutdown, p.LostReason!.Value.Kind));
    }

    [Fact]
    public async Task DisposeAsync_aborts_connections_that_do_not_finish_within_ShutdownTimeout()
    {
        var options = new ProtocolServerOptions { ShutdownTimeout = TimeSpan.FromMilliseconds(300), LingerTimeout = TimeSpan.FromSeconds(30) };
        var collector = new ProtocolCollector<RecordingProtocol>();
        var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, collector.Wrap(() => new RecordingProtocol()), options);
        using var client = await Loopback.ConnectAsync(server.LocalEndPoint); // never closes
        await Loopback.WaitUntilAsync(() => collector.All.Count == 1 && collector.All.Single().Made == 1, "connection made");

        var dispose = Stopwatch.StartNew();
        await server.DisposeAsync().AsTask().WithTimeout("server dispose");
        Assert.InRange(dispose.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.Equal(DisconnectKind.ServerShutdown, collector.All.Single().LostReason!.Value.Kind);
        Assert.Equal(0, server.ConnectionCount);
    }

    [Fact]
    public async Task ConnectionCount_counts_only_admitted_connections_during_a_flood_of_rejected_ones()
    {
        await using var server = await ProtocolServer.ListenTcpAsync<RejectAll>(Loopback.AnyPort);
        int maxSeen = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested) maxSeen = Math.Max(maxSeen, server.ConnectionCount);
        });
        for (int i = 0; i < 200; i++)
        {
            try
            {
                using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
                await Loopback.WaitForCloseAsync(client);
            }
            catch (SocketException)
            {
                // the refusal's reset can beat the handshake
            }
        }
        stop.Cancel();
        await sampler;
        Assert.Equal(0, maxSeen);
    }

    internal static async Task<(byte[] Bytes, bool CleanEnd)> ReadToEndAsync(Socket socket)
    {
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(Loopback.Timeout);
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0) return (received.ToArray(), true);
                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException)
        {
            return (received.ToArray(), false);
        }
    }

    /// <summary>Answers the first byte with 4 MiB and closes, leaving whatever else arrived unread.</summary>
    public sealed class BigReplyThenClose : Protocol
    {
        public static readonly byte[] Reply = Enumerable.Range(0, ReplySize).Select(i => (byte)(i * 31 + (i >> 12))).ToArray();
        public readonly TaskCompletionSource<DisconnectReason> Lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public long Received;
        public long Discarded;

        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            bool first = Received == 0;
            Received += data.Length > 0 ? 1 : 0;
            if (!first) return;
            for (int offset = 0; offset < Reply.Length; offset += 64 * 1024) Transport.Write(Reply.AsSpan(offset, 64 * 1024));
            Transport.LoseConnection();
        }

        public override void ConnectionLost(DisconnectReason reason)
        {
            Discarded = Transport.BytesDiscarded;
            Lost.TrySetResult(reason);
        }
    }

    /// <summary>Half-closeable: after the peer's FIN it answers from a timer 300 ms later, then closes.</summary>
    public sealed class AnswersLaterAfterHalfClose : Protocol
    {
        public readonly TaskCompletionSource<DisconnectReason> Lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int ReadConnectionLostCalls;
        private readonly StringBuilder _question = new();
        private ITimer? _timer;

        public override void DataReceived(ReadOnlySpan<byte> data) => _question.Append(Encoding.ASCII.GetString(data));

        public override void ReadConnectionLost()
        {
            ReadConnectionLostCalls++;
            var transport = Transport;
            var answer = Encoding.ASCII.GetBytes("answer to " + _question);
            _timer = transport.TimeProvider.CreateTimer(_ =>
            {
                transport.Write(answer);
                transport.LoseConnection();
            }, null, TimeSpan.FromMilliseconds(300), Timeout.InfiniteTimeSpan);
        }

        public override void ConnectionLost(DisconnectReason reason)
        {
            _timer?.Dispose();
            Lost.TrySetResult(reason);
        }
    }

    /// <summary>Closes gracefully at the first byte; records when the close started and when it ended.</summary>
    public sealed class CloseOnFirstData : Protocol
    {
        public readonly TaskCompletionSource<DisconnectReason> Lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TimeSpan ClosedAt = TimeSpan.MaxValue;
        public TimeSpan LostAt;
        public long Discarded;
        private static readonly Stopwatch Clock = Stopwatch.StartNew();

        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            if (ClosedAt != TimeSpan.MaxValue) return;
            ClosedAt = Clock.Elapsed;
            Transport.LoseConnection();
        }

        public override void ConnectionLost(DisconnectReason reason)
        {
            LostAt = Clock.Elapsed;
            Discarded = Transport.BytesDiscarded;
            Lost.TrySetResult(reason);
        }
    }

    /// <summary>A careless broadcast: 64 KiB every 10 ms from a timer, whatever the backpressure says.</summary>
    public sealed class CarelessPusher : Protocol
    {
        public readonly TaskCompletionSource<DisconnectReason> Lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public long MaxBuffered;
        private static readonly byte[] Chunk = new byte[64 * 1024];
        private ITimer? _timer;

        public override void ConnectionMade()
        {
            var transport = Transport;
            _timer = transport.TimeProvider.CreateTimer(_ =>
            {
                transport.Write(Chunk);
                MaxBuffered = Math.Max(MaxBuffered, transport.BufferedBytes);
            }, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(10));
        }

        public override void ConnectionLost(DisconnectReason reason)
        {
            _timer?.Dispose();
            Lost.TrySetResult(reason);
        }
    }
}

/// <summary>Every admission is refused (a [UsePolicy] gate in reject mode would be shared; this one always refuses).</summary>
[UsePolicy(typeof(RejectEveryone))]
public sealed partial class RejectAll : Protocol { }

public struct RejectEveryone : ProtocolSdk.Policies.IConnectionPolicy
{
    public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Reject("closed for maintenance");
    public void OnConnectionMade(Protocol protocol, Transport transport) { }
    public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data) { }
    public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) { }
    public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
}
