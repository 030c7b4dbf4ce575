using ProtocolSdk.Testing;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Unit;

public class TestKitTransportTests
{
    [Fact]
    public void Echo_through_the_in_memory_transport()
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new EchoProtocol());
        conn.Send("hello");
        Assert.Equal("hello", conn.TakeWrittenText());
        conn.Send("again");
        Assert.Equal("again", conn.WrittenText);
    }

    [Fact]
    public void Peer_close_runs_ConnectionLost_exactly_once_with_PeerClosed()
    {
        using var host = new ProtocolTestHost();
        var protocol = new RecordingProtocol();
        var conn = host.Connect(protocol);
        Assert.Equal(1, protocol.Made);
        conn.Close();
        conn.Close();
        conn.Reset();
        Assert.Equal(1, protocol.Lost);
        Assert.Equal(DisconnectKind.PeerClosed, protocol.LostReason!.Value.Kind);
        Assert.Equal(1, conn.Transport.ConnectionLostCount);
        Assert.False(protocol.IsConnected);
    }

    [Fact]
    public void Reset_reports_a_connection_error_with_the_socket_exception()
    {
        using var host = new ProtocolTestHost();
        var protocol = new RecordingProtocol();
        var conn = host.Connect(protocol);
        conn.Reset();
        Assert.Equal(DisconnectKind.ConnectionError, protocol.LostReason!.Value.Kind);
        Assert.IsType<System.Net.Sockets.SocketException>(protocol.LostReason.Value.Exception);
        Assert.True(conn.Transport.WasAborted);
    }

    [Fact]
    public void Exception_in_DataReceived_closes_with_the_exception_as_reason()
    {
        using var host = new ProtocolTestHost();
        var protocol = new ThrowingProtocol();
        var conn = host.Connect(protocol);
        conn.Send("boom");
        Assert.Equal(1, conn.Transport.ConnectionLostCount);
        Assert.Equal(DisconnectKind.CallbackError, protocol.Reason!.Value.Kind);
        Assert.IsType<InvalidOperationException>(protocol.Reason.Value.Exception);
        Assert.True(conn.Transport.WasAborted);
    }

    [Fact]
    public void Exception_in_ConnectionMade_closes_the_connection_and_still_calls_ConnectionLost_once()
    {
        using var host = new ProtocolTestHost();
        var protocol = new ThrowingProtocol { ThrowOnMade = true };
        var conn = host.Connect(protocol);
        Assert.Equal(1, conn.Transport.ConnectionLostCount);
        Assert.Equal(DisconnectKind.CallbackError, protocol.Reason!.Value.Kind);
    }

    [Fact]
    public void LoseConnection_flushes_buffered_output_before_closing()
    {
        using var host = new ProtocolTestHost();
        var protocol = new RecordingProtocol();
        var conn = host.Connect(protocol);
        conn.Transport.SetPeerReceiveWindow(3);
        protocol.Transport.Write("abcdef"u8);
        protocol.Transport.LoseConnection();
        Assert.Equal("abc", conn.WrittenText);
        Assert.Equal(0, protocol.Lost); // still flushing
        Assert.True(protocol.Transport.IsClosing);
        conn.Transport.SetPeerReceiveWindow(null);
        Assert.Equal("abcdef", conn.WrittenText);
        Assert.Equal(1, protocol.Lost);
        Assert.Equal(DisconnectKind.LocalClosed, protocol.LostReason!.Value.Kind);
        Assert.False(conn.Transport.WasAborted);
    }

    [Fact]
    public void Abort_drops_buffered_output_and_writes_after_close_are_ignored()
    {
        using var host = new ProtocolTestHost();
        var protocol = new RecordingProtocol();
        var conn = host.Connect(protocol);
        conn.Transport.SetPeerReceiveWindow(0);
        var transport = protocol.Transport;
        transport.Write("pending"u8);
        Assert.Equal(7, transport.BufferedBytes);
        transport.Abort();
        Assert.Equal(1, protocol.Lost);
        Assert.Equal(DisconnectKind.Aborted, protocol.LostReason!.Value.Kind);
        transport.Write("late"u8); // ignored, no exception
        conn.Transport.SetPeerReceiveWindow(null);
        Assert.Equal("", conn.WrittenText);
        Assert.Equal(0, transport.BufferedBytes);
    }

    [Fact]
    public void Output_above_the_high_water_mark_pauses_reading_and_resumes_below_the_low_water_mark()
    {
        using var host = new ProtocolTestHost(highWaterMark: 1000, lowWaterMark: 100);
        var conn = host.Connect(new EchoProtocol());
        conn.Transport.SetPeerReceiveWindow(0); // the client stops reading
        conn.Send(new byte[600]);
        Assert.False(conn.Transport.IsReadingPaused);
        conn.Send(new byte[600]);
        Assert.True(conn.Transport.IsReadingPaused);
        Assert.Equal(1200, conn.Transport.BufferedBytes);

        conn.Transport.SetPeerReceiveWindow(1150); // drains to 50 bytes buffered: below low water
        Assert.False(conn.Transport.IsReadingPaused);
        Assert.Equal(50, conn.Transport.BufferedBytes);
    }

    [Fact]
    public void A_registered_producer_is_paused_instead_of_reading_and_resumed_when_drained()
    {
        using var host = new ProtocolTestHost(highWaterMark: 1000, lowWaterMark: 100);
        var protocol = new ProducerProtocol();
        var conn = host.Connect(protocol);
        conn.Transport.SetPeerReceiveWindow(0);
        protocol.Transport.RegisterProducer(protocol);
        protocol.Transport.Write(new byte[1500]);
        Assert.Equal(1, protocol.Pauses);
        Assert.False(conn.Transport.IsReadingPaused);
        conn.Transport.SetPeerReceiveWindow(null);
        Assert.Equal(1, protocol.Resumes);
        Assert.Equal(1500, conn.Transport.Written.Length);
        conn.Close();
        Assert.Equal(1, protocol.Stops);
    }

    [Fact]
    public void User_pause_and_backpressure_pause_are_independent()
    {
        using var host = new ProtocolTestHost(highWaterMark: 10, lowWaterMark: 0);
        var protocol = new RecordingProtocol();
        var conn = host.Connect(protocol);
        var transport = protocol.Transport;
        transport.PauseReading();
        Assert.True(transport.IsReadingPaused);
        conn.Send("x"); // waits in the "kernel" while reading is paused
        Assert.Equal(0, protocol.Received);
        Assert.Equal(1, conn.Transport.UnreadBytes);
        conn.Transport.SetPeerReceiveWindow(0);
        transport.Write(new byte[20]);
        transport.ResumeReading();
        Assert.True(transport.IsReadingPaused); // backpressure still holds it
        conn.Transport.SetPeerReceiveWindow(null);
        Assert.False(transport.IsReadingPaused);
        Assert.Equal(1, protocol.Received); // delivered once reading resumed
        Assert.Equal(0, conn.Transport.UnreadBytes);
    }

    [Fact]
    public void Transport_outside_the_connection_window_throws_a_clear_error()
    {
        var protocol = new RecordingProtocol();
        var ex = Assert.Throws<InvalidOperationException>(() => protocol.Transport);
        Assert.Contains("ConnectionMade", ex.Message);
    }

    private sealed class ThrowingProtocol : Protocol
    {
        public bool ThrowOnMade { get; init; }
        public DisconnectReason? Reason;

        public override void ConnectionMade()
        {
            if (ThrowOnMade) throw new InvalidOperationException("made");
        }

        public override void DataReceived(ReadOnlySpan<byte> data) => throw new InvalidOperationException("data");

        public override void ConnectionLost(DisconnectReason reason) => Reason = reason;
    }

    private sealed class ProducerProtocol : Protocol, IPushProducer
    {
        public int Pauses, Resumes, Stops;
        public void PauseProducing() => Pauses++;
        public void ResumeProducing() => Resumes++;
        public void StopProducing() => Stops++;
    }
}

public class AbortDuringFlushTests
{
    [Fact]
    public void An_abort_while_a_graceful_close_is_flushing_reports_the_abort_reason()
    {
        using var host = new ProtocolTestHost();
        var protocol = new RecordingProtocol();
        var conn = host.Connect(protocol);
        conn.Transport.SetPeerReceiveWindow(0);
        protocol.Transport.Write("stuck"u8);
        protocol.Transport.LoseConnection(); // cannot finish: the peer does not read
        protocol.Transport.Abort(DisconnectReason.TimedOut);
        Assert.Equal(1, protocol.Lost);
        Assert.Equal(DisconnectKind.TimedOut, protocol.LostReason!.Value.Kind);
    }
}
