using System.Text;
using Microsoft.Extensions.Time.Testing;
using ProtocolSdk.Testing;
using ProtocolSdk.Tests.Policies;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Unit;

/// <summary>Lingering close, half-close, close deadlines and the output cap, through the test kit and its fake clock.</summary>
public class GracefulCloseTests
{
    [Fact]
    public void LoseConnection_sends_FIN_then_discards_input_until_the_peer_closes()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Counting();
        var conn = host.Connect(protocol);
        conn.Transport.PeerClosesOnEndOfStream = false;

        protocol.Transport.Write("bye"u8);
        protocol.Transport.LoseConnection();
        Assert.True(conn.Transport.PeerReceivedEndOfStream);
        Assert.Equal("bye", conn.WrittenText);

        conn.Send("late input the server never reads");
        Assert.Equal(0, protocol.Received); // discarded: not protocol data
        Assert.Equal(33, conn.Transport.BytesDiscarded);
        Assert.Equal(0, conn.Transport.ConnectionLostCount); // lingering

        conn.Close();
        Assert.Equal(1, conn.Transport.ConnectionLostCount);
        Assert.False(conn.Transport.WasAborted);
        Assert.Equal(DisconnectKind.LocalClosed, conn.Transport.LostReason!.Value.Kind);
        Assert.Equal(0, host.PendingTimers); // the linger deadline was cancelled
    }

    [Fact]
    public void A_linger_that_the_peer_never_ends_is_cut_at_LingerTimeout_with_the_original_reason()
    {
        using var host = new ProtocolTestHost(NewClock(), new ProtocolServerOptions { LingerTimeout = TimeSpan.FromSeconds(2) });
        var protocol = new Counting();
        var conn = host.Connect(protocol);
        conn.Transport.PeerClosesOnEndOfStream = false;
        protocol.Transport.LoseConnection();

        for (int i = 0; i < 19; i++)
        {
            host.Advance(TimeSpan.FromMilliseconds(100));
            conn.Send(new byte[1000]); // keeps sending after our FIN
        }
        Assert.Equal(0, conn.Transport.ConnectionLostCount);
        host.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, conn.Transport.ConnectionLostCount);
        Assert.Equal(DisconnectKind.LocalClosed, conn.Transport.LostReason!.Value.Kind);
        Assert.Equal(0, protocol.Received);
    }

    [Fact]
    public void A_reset_mid_linger_ends_the_connection_at_once_keeping_the_reason()
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new Counting());
        conn.Transport.PeerClosesOnEndOfStream = false;
        conn.Transport.LoseConnection();
        conn.Reset();
        Assert.Equal(1, conn.Transport.ConnectionLostCount);
        Assert.Equal(DisconnectKind.LocalClosed, conn.Transport.LostReason!.Value.Kind);
    }

    [Fact]
    public void Abort_still_resets_at_once_and_ConnectionLost_runs_once()
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new Counting());
        conn.Transport.PeerClosesOnEndOfStream = false;
        conn.Transport.LoseConnection();
        conn.Transport.Abort();
        Assert.True(conn.Transport.WasAborted);
        conn.Close();
        host.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, conn.Transport.ConnectionLostCount);
        Assert.Equal(DisconnectKind.LocalClosed, conn.Transport.LostReason!.Value.Kind); // the output had been delivered
    }

    [Fact]
    public void A_graceful_close_whose_output_cannot_drain_is_aborted_at_the_deadline()
    {
        using var host = new ProtocolTestHost(NewClock(), new ProtocolServerOptions { LingerTimeout = TimeSpan.FromSeconds(1) });
        var conn = host.Connect(new Counting());
        conn.Transport.SetPeerReceiveWindow(0); // a zero-window peer
        conn.Transport.Write(new byte[10_000]);
        conn.Transport.LoseConnection();
        host.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Equal(0, conn.Transport.ConnectionLostCount);
        host.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, conn.Transport.ConnectionLostCount);
        Assert.True(conn.Transport.WasAborted);
        Assert.Equal(DisconnectKind.TimedOut, conn.Transport.LostReason!.Value.Kind);
        Assert.Contains("LingerTimeout (1 s)", conn.Transport.LostReason!.Value.Message);
    }

    [Fact]
    public void Writes_after_our_FIN_are_ignored_and_not_logged_as_sent()
    {
        var logs = new RecordingLoggerProvider();
        using var host = new ProtocolTestHost(logs);
        var protocol = new LoggedProtocol();
        var conn = host.Connect(protocol);
        conn.Transport.PeerClosesOnEndOfStream = false;
        conn.Send("ab");
        conn.Transport.LoseConnection();
        conn.Transport.Write("raced the close"u8);

        Assert.Equal("ab", conn.WrittenText);
        var sent = logs.Messages("ProtocolSdk.Tests.Policies.LoggedProtocol").Where(m => m.StartsWith("S ", StringComparison.Ordinal)).ToArray();
        Assert.Single(sent); // only the echo of "ab": bytes accepted for sending
    }

    [Fact]
    public void Half_close_calls_ReadConnectionLost_and_an_override_keeps_writing_until_it_closes()
    {
        using var host = new ProtocolTestHost();
        var protocol = new HalfCloseable();
        var conn = host.Connect(protocol);
        conn.Send("question");
        conn.ShutdownSend();
        Assert.Equal(1, protocol.ReadConnectionLostCalls);
        Assert.True(conn.Transport.IsPeerFinished);
        Assert.Equal(0, conn.Transport.ConnectionLostCount);

        host.Advance(TimeSpan.FromMilliseconds(300)); // the protocol's timer answers
        Assert.Equal("answer to question", conn.WrittenText);
        Assert.Equal(1, conn.Transport.ConnectionLostCount);
        Assert.Equal(DisconnectKind.PeerClosed, conn.Transport.LostReason!.Value.Kind);
    }

    [Fact]
    public void A_ReadConnectionLost_that_throws_closes_with_CallbackError_carrying_the_exception()
    {
        using var host = new ProtocolTestHost();
        var protocol = new ThrowsOnHalfClose();
        var conn = host.Connect(protocol);
        conn.ShutdownSend();
        Assert.Equal(1, conn.Transport.ConnectionLostCount);
        Assert.Equal(DisconnectKind.CallbackError, conn.Transport.LostReason!.Value.Kind);
        Assert.Same(protocol.Thrown, conn.Transport.LostReason!.Value.Exception);
    }

    [Fact]
    public void The_default_ReadConnectionLost_closes_like_before_through_generated_policy_code()
    {
        using var host = new ProtocolTestHost();
        var protocol = new TimedProtocol(); // [Timeout(1)]: generated hooks in the path
        var conn = host.Connect(protocol);
        conn.Send("x");
        conn.ShutdownSend();
        Assert.Equal(1, conn.Transport.ConnectionLostCount);
        Assert.Equal(DisconnectKind.PeerClosed, conn.Transport.LostReason!.Value.Kind);
        Assert.Equal(0, host.PendingTimers);
    }

    [Fact]
    public void Input_sent_before_the_FIN_is_delivered_before_ReadConnectionLost_even_after_a_pause()
    {
        using var host = new ProtocolTestHost();
        var protocol = new HalfCloseable();
        var conn = host.Connect(protocol);
        protocol.Transport.PauseReading();
        conn.Send("question");
        conn.ShutdownSend();
        Assert.Equal(0, protocol.ReadConnectionLostCalls); // the FIN waits behind the unread bytes
        protocol.Transport.ResumeReading();
        Assert.Equal(1, protocol.ReadConnectionLostCalls);
        host.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal("answer to question", conn.WrittenText);
    }

    [Fact]
    public void Output_past_MaxBufferedBytes_aborts_with_a_reason_naming_the_cap_and_is_logged_once()
    {
        var logs = new RecordingLoggerProvider();
        using var host = new ProtocolTestHost(NewClock(), new ProtocolServerOptions { LoggerFactory = logs, MaxBufferedBytes = 128 * 1024 });
        var conn = host.Connect(new Counting());
        conn.Transport.SetPeerReceiveWindow(0);
        for (int i = 0; i < 100 && !conn.IsClosed; i++) conn.Transport.Write(new byte[8 * 1024]);

        Assert.True(conn.IsClosed);
        Assert.True(conn.Transport.WasAborted);
        Assert.Equal(DisconnectKind.PolicyViolation, conn.Transport.LostReason!.Value.Kind);
        Assert.Equal("buffered output exceeded MaxBufferedBytes (131072 bytes): the peer does not read fast enough", conn.Transport.LostReason!.Value.Message);
        var warning = Assert.Single(logs.Entries, e => e.Message.Contains("MaxBufferedBytes"));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, warning.Level);
        Assert.Contains("127.0.0.1:", warning.Message); // the peer
    }

    [Fact]
    public void Producer_callbacks_run_outside_the_send_lock_so_a_producer_with_its_own_lock_cannot_deadlock()
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new Counting());
        var producer = new LockingProducer(conn.Transport);
        conn.Transport.RegisterProducer(producer);
        conn.Transport.SetPeerReceiveWindow(0);
        conn.Transport.Write(new byte[Transport.DefaultHighWaterMark + 1]); // crosses the mark: PauseProducing
        Assert.Equal(1, producer.Pauses);
        Assert.True(producer.OtherThreadGotThrough, "another thread's transport call blocked while PauseProducing ran");

        conn.Transport.SetPeerReceiveWindow(null); // drains: ResumeProducing
        Assert.Equal(1, producer.Resumes);
        Assert.True(producer.OtherThreadGotThrough);
    }

    [Fact]
    public void A_chunk_the_medium_is_still_sending_keeps_its_block_when_the_connection_finishes()
    {
        using var host = new ProtocolSdk.Internal.ConnectionHost(TimeProvider.System, null, Transport.DefaultHighWaterMark, Transport.DefaultLowWaterMark);
        var medium = new ManualMedium(host);
        medium.Begin(new Counting());
        medium.Write(new byte[20_000]); // the medium takes nothing at once: buffered in pooled blocks
        var inFlight = medium.PeekForSend(); // an asynchronous send now reads this block

        medium.Abort(); // the connection finishes while the send is in flight
        Assert.Equal(1, medium.Finished);

        // Had Finish returned the block, this thread's pool cache would hand the very same array out again.
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(inFlight, out var segment));
        Assert.NotSame(segment.Array, rented);
        System.Buffers.ArrayPool<byte>.Shared.Return(rented);

        medium.CompleteSend(0, inFlight.Length); // the send ends: now the blocks go back
        Assert.Equal(0, medium.BufferedBytes);
    }

    [Fact]
    public void Discarding_input_while_lingering_allocates_nothing_per_chunk()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Counting();
        var conn = host.Connect(protocol);
        conn.Transport.PeerClosesOnEndOfStream = false;
        conn.Transport.LoseConnection();
        var chunk = new byte[512];

        void Run(int n)
        {
            for (int i = 0; i < n; i++) conn.Transport.PeerSend(chunk);
        }

        Run(1000);
        AllocationAssert.NothingAllocatedPerEvent(() => Run(10_000));
        Assert.True(conn.Transport.BytesDiscarded >= 11_000 * 512L);
        Assert.Equal(0, protocol.Received);
    }

    private static FakeTimeProvider NewClock() => new(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private sealed class Counting : Protocol
    {
        public long Received;
        public override void DataReceived(ReadOnlySpan<byte> data) => Received += data.Length;
    }

    private sealed class ThrowsOnHalfClose : Protocol
    {
        public readonly InvalidOperationException Thrown = new("half-close boom");
        public override void ReadConnectionLost() => throw Thrown;
    }

    private sealed class HalfCloseable : Protocol
    {
        public int ReadConnectionLostCalls;
        private readonly StringBuilder _question = new();
        private ITimer? _timer;

        public override void DataReceived(ReadOnlySpan<byte> data) => _question.Append(Encoding.ASCII.GetString(data));

        public override void ReadConnectionLost()
        {
            ReadConnectionLostCalls++;
            var transport = Transport;
            _timer = transport.TimeProvider.CreateTimer(_ =>
            {
                transport.Write(Encoding.ASCII.GetBytes("answer to " + _question));
                transport.LoseConnection();
            }, null, TimeSpan.FromMilliseconds(300), Timeout.InfiniteTimeSpan);
        }

        public override void ConnectionLost(DisconnectReason reason) => _timer?.Dispose();
    }

    /// <summary>Takes its own lock in Pause/ResumeProducing and, holding it, waits for another thread's transport call.</summary>
    private sealed class LockingProducer(Transport transport) : IPushProducer
    {
        private readonly object _own = new();
        public int Pauses;
        public int Resumes;
        public bool OtherThreadGotThrough;

        public void PauseProducing()
        {
            Pauses++;
            WaitForAnotherThread();
        }

        public void ResumeProducing()
        {
            Resumes++;
            WaitForAnotherThread();
        }

        public void StopProducing() { }

        private void WaitForAnotherThread()
        {
            lock (_own)
            {
                // Another thread (a broadcaster) reads the transport's state, which takes the send lock.
                var other = Task.Run(() => transport.BufferedBytes);
                OtherThreadGotThrough = other.Wait(TimeSpan.FromSeconds(2));
            }
        }
    }
}

/// <summary>A medium whose sends the test completes by hand, to hold a chunk "in flight".</summary>
internal sealed class ManualMedium : Transport
{
    private static readonly System.Net.IPEndPoint Remote = new(System.Net.IPAddress.Loopback, 50000);
    public int Finished;

    public ManualMedium(ProtocolSdk.Internal.ConnectionHost host) : base(host) { }

    public override System.Net.IPEndPoint RemoteEndPoint => Remote;
    public override System.Net.IPEndPoint LocalEndPoint => Remote;

    public void Begin(Protocol protocol) => Assert.True(OpenAsync(protocol).IsCompleted);

    public ReadOnlyMemory<byte> PeekForSend() => TryPeekOutput();

    public void CompleteSend(int sent, int peeked) => CompleteOutput(sent, peeked);

    private protected override int SendNow(ReadOnlySpan<byte> data) => 0;
    private protected override void OnOutputPending() { }
    private protected override void OnReadingResumed() { }
    private protected override void ShutdownOutputMedium() { }

    private protected override void CloseMedium(bool abort)
    {
        Finish();
        Finished++;
    }
}
