using System.Net.Security;
using System.Security.Authentication;
using ProtocolSdk.Testing;
using ProtocolSdk.Tests.Integration;

namespace ProtocolSdk.Tests.Testing;

/// <summary>
/// The test kit's in-memory pairs: the socket transport's own TLS code (handshake deadline, STARTTLS, close_notify,
/// wire bytes) over memory, on the host's fake clock. No sockets.
/// </summary>
public class TlsPairTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static byte[] Payload(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task A_TLS_pair_handshakes_TLS_1_3_and_echoes_byte_exact_both_ways()
    {
        using var host = new ProtocolTestHost();
        var server = new PairProbe { Echo = true };
        var client = new PairProbe();
        using var pair = host.ConnectTlsPair(server, client, TlsTestSupport.ServerOptions(), TlsTestSupport.ClientOptions());

        await pair.Established.WaitAsync(Wait);

        // ConnectionMade ran once on each end, after the handshake: the session was already there.
        Assert.Equal(1, server.MadeCount);
        Assert.Equal(1, client.MadeCount);
        Assert.NotNull(server.TlsAtConnectionMade);
        Assert.NotNull(client.TlsAtConnectionMade);
        Assert.Equal(SslProtocols.Tls13, pair.Server.Transport.Tls!.Protocol);
        Assert.Equal(SslProtocols.Tls13, pair.Client.Transport.Tls!.Protocol);
        Assert.Equal("localhost", pair.Server.Transport.Tls!.HostName); // the client's SNI
        Assert.Equal(TlsTestSupport.ServerCertificate.Thumbprint, pair.Client.Transport.Tls!.RemoteCertificate!.Thumbprint);
        Assert.Equal(0, server.HandshakeCompletedCount); // that callback is for STARTTLS only

        // Larger than the window and than one TLS record: flow control and record splitting are in the path.
        // Sent in steps, each after the echo of the one before: a writer that never reads would stop reading once its
        // own output passes the high-water mark, and the echo would then stall it, over memory as over a socket.
        var payload = Payload(300_000, seed: 1);
        for (int offset = 0; offset < payload.Length; offset += 30_000)
        {
            pair.Client.Transport.Write(payload.AsSpan(offset, 30_000));
            await client.WhenReceived(offset + 30_000).WaitAsync(Wait);
        }

        Assert.Equal(payload, server.Received);
        Assert.Equal(payload, client.Received);
        Assert.True(pair.Server.WireBytesReceived > payload.Length, "the server counts ciphertext: records cost more than their plaintext");
        Assert.Equal(pair.Client.Transport.BytesSent, pair.Server.Transport.BytesReceived);
    }

    [Fact]
    public async Task A_TLS_client_end_that_refuses_the_certificate_never_reaches_ConnectionMade()
    {
        using var host = new ProtocolTestHost();
        var server = new PairProbe();
        var client = new PairProbe();
        var refusing = TlsTestSupport.ClientOptions();
        refusing.RemoteCertificateValidationCallback = (_, _, _, _) => false;
        using var pair = host.ConnectTlsPair(server, client, TlsTestSupport.ServerOptions(), refusing);

        await Assert.ThrowsAsync<AuthenticationException>(() => pair.Client.Made.WaitAsync(Wait));
        await pair.Closed.WaitAsync(Wait);

        Assert.Equal(0, client.MadeCount);
        Assert.Equal(0, client.LostCount); // a connection never made hears no ConnectionLost
        // The BCL validates the server's certificate after its side of the handshake, so the server may have finished
        // its own and been made: then it loses the connection exactly once, like any made connection.
        Assert.Equal(server.MadeCount, server.LostCount);
        Assert.True(server.MadeCount <= 1);
    }

    [Fact]
    public async Task The_handshake_deadline_closes_a_TLS_server_end_whose_client_never_handshakes_when_the_fake_clock_passes_it()
    {
        using var host = new ProtocolTestHost(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch),
            new ProtocolServerOptions { TlsHandshakeTimeout = TimeSpan.FromSeconds(2) });
        var server = new PairProbe();
        var silent = new PairProbe(); // plaintext, sends nothing: a TCP connection that never starts its handshake
        using var pair = host.ConnectPair(server, silent, TlsTestSupport.ServerOptions(), clientTls: null);

        host.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(pair.Server.Transport.IsClosing, "not before the deadline");
        Assert.False(pair.Server.Closed.IsCompleted);

        host.Advance(TimeSpan.FromSeconds(0.2)); // the deadline fires on this thread, inside Advance
        Assert.True(pair.Server.Transport.IsClosing);
        var reason = await pair.Server.Closed.WaitAsync(Wait);

        Assert.Equal(DisconnectKind.TimedOut, reason.Kind);
        Assert.Contains("TlsHandshakeTimeout", reason.Message);
        await Assert.ThrowsAsync<TimeoutException>(() => pair.Server.Made.WaitAsync(Wait));
        Assert.Equal(0, server.MadeCount);
        Assert.Equal(0, server.LostCount);
        // The plaintext client end was made (TCP connected) and sees the connection cut: exactly one ConnectionLost.
        await silent.Lost.Task.WaitAsync(Wait);
        Assert.Equal(1, silent.LostCount);
    }

    [Fact]
    public async Task Plaintext_sent_to_a_TLS_end_fails_its_handshake_at_once_without_ConnectionMade()
    {
        using var host = new ProtocolTestHost();
        var server = new PairProbe();
        using var connection = host.ConnectStream(server, TlsTestSupport.ServerOptions());

        await connection.Peer.WriteAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray());

        var reason = await connection.Server.Closed.WaitAsync(Wait); // no clock advance: refused, not timed out
        Assert.Equal(DisconnectKind.ConnectionError, reason.Kind);
        Assert.StartsWith("TLS handshake failed", reason.Message);
        await Assert.ThrowsAnyAsync<Exception>(() => connection.Server.Made.WaitAsync(Wait));
        Assert.Equal(0, server.MadeCount);
        Assert.Equal(0, server.LostCount);
        Assert.Equal(0, host.PendingTimers); // the handshake deadline was cancelled
    }

    [Fact]
    public async Task The_handshake_deadline_fails_a_TLS_client_end_facing_a_server_that_never_answers()
    {
        using var host = new ProtocolTestHost();
        var mute = new PairProbe(); // plaintext server: reads the ClientHello and never answers
        var client = new PairProbe();
        using var pair = host.ConnectPair(mute, client, serverTls: null, TlsTestSupport.ClientOptions());
        await mute.WhenReceived(1).WaitAsync(Wait); // the ClientHello arrived: the client is waiting for an answer

        host.Advance(ProtocolServerOptions.DefaultTlsHandshakeTimeout + TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAsync<TimeoutException>(() => pair.Client.Made.WaitAsync(Wait));
        Assert.Equal(DisconnectKind.TimedOut, (await pair.Client.Closed.WaitAsync(Wait)).Kind);
        Assert.Equal(0, client.MadeCount);
    }

    [Fact]
    public async Task StartTls_on_a_plaintext_pair_discards_the_injected_line_and_encrypts_only_what_follows()
    {
        using var host = new ProtocolTestHost();
        var server = new StartTlsLineServer { Tls = TlsTestSupport.ServerOptions() };
        var client = new StartTlsLineClient { Tls = TlsTestSupport.ClientOptions() };
        using var pair = host.ConnectPair(server, client);
        await pair.Established.WaitAsync(Wait); // plaintext: made at once

        await client.Done.Task.WaitAsync(Wait);

        Assert.Equal(["HELLO", "AFTER"], server.Lines); // INJECTED came in plaintext after the command: dropped
        Assert.Equal(
            [("GOT HELLO", false), ("OK go ahead", false), ("WELCOME encrypted", true), ("GOT AFTER", true)],
            client.Replies);
        Assert.Equal(1, server.HandshakesCompleted);
        Assert.Equal(1, client.HandshakesCompleted);
        Assert.Equal(SslProtocols.Tls13, server.TlsAtCompletion!.Protocol);
        Assert.NotNull(pair.Client.Transport.Tls);
    }

    [Fact]
    public async Task LoseConnection_over_TLS_sends_close_notify_then_the_peer_reads_end_of_stream_and_each_end_loses_once()
    {
        using var host = new ProtocolTestHost();
        var server = new PairProbe { Echo = true };
        var client = new PairProbe();
        using var pair = host.ConnectTlsPair(server, client, TlsTestSupport.ServerOptions(), TlsTestSupport.ClientOptions());
        await pair.Established.WaitAsync(Wait);
        pair.Client.Transport.Write("ping"u8);
        await client.WhenReceived(4).WaitAsync(Wait);
        // TLS 1.3 servers send session tickets after the handshake: wait until the client has every byte sent so far.
        await TestConnectionPair.WaitUntilAsync(() => pair.Client.WireBytesReceived == pair.Server.WireBytesSent, "the wire to settle");
        long sentBeforeClose = pair.Server.WireBytesSent;

        pair.Server.Transport.LoseConnection();
        await client.ReadLost.Task.WaitAsync(Wait); // the client read the end of the TLS stream
        await pair.Closed.WaitAsync(Wait);

        // close_notify is one encrypted TLS 1.3 alert record: 5 header + 2 alert + 1 type + 16 tag bytes.
        Assert.Equal(24, pair.Server.WireBytesSent - sentBeforeClose);
        Assert.Equal(1, client.ReadLostCount);
        Assert.Equal(1, server.LostCount);
        Assert.Equal(1, client.LostCount);
        Assert.Equal(DisconnectKind.LocalClosed, server.LostReason!.Value.Kind);
        Assert.Equal(DisconnectKind.PeerClosed, client.LostReason!.Value.Kind);
        Assert.Equal(0, host.PendingTimers);
    }

    [Fact]
    public async Task A_Timeout_over_TLS_fires_on_the_fake_clock_and_closes_both_ends_once()
    {
        using var host = new ProtocolTestHost();
        var server = new TimedPairProbe();
        var client = new PairProbe();
        using var pair = host.ConnectTlsPair(server, client, TlsTestSupport.ServerOptions(), TlsTestSupport.ClientOptions());
        await pair.Established.WaitAsync(Wait);

        host.Advance(TimeSpan.FromSeconds(29));
        Assert.False(pair.Server.Transport.IsClosing, "idle for 29 s of a 30 s timeout");
        host.Advance(TimeSpan.FromSeconds(2));

        await pair.Closed.WaitAsync(Wait);
        Assert.Equal(DisconnectKind.TimedOut, server.LostReason!.Value.Kind);
        Assert.Equal(1, server.LostCount);
        Assert.Equal(1, client.LostCount);
    }

    [Fact]
    public async Task A_read_Throttle_over_TLS_charges_wire_bytes_on_the_fake_clock()
    {
        using var host = new ProtocolTestHost();
        var server = new ThrottledPairSink();
        using var connection = host.ConnectStream(server, TlsTestSupport.ServerOptions());
        await using var peer = new SslStream(connection.Peer);
        await peer.AuthenticateAsClientAsync(TlsTestSupport.ClientOptions()).WaitAsync(Wait);
        await connection.Server.Made.WaitAsync(Wait);
        var transport = connection.Server.Transport;
        long wireAtMade = connection.Server.WireBytesReceived; // the handshake: not charged, not data

        // One record per write, 100 bytes of plaintext each, 22 bytes more on the wire. The window makes the writer
        // wait while the server is throttled; it ends with the test (the connection is torn down under it).
        const int Record = 100;
        var record = new byte[Record];
        var upload = Task.Run(async () =>
        {
            try
            {
                while (true) await peer.WriteAsync(record);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                // torn down at the end of the test
            }
        });

        // The full bucket (the burst) is spent, then reading pauses until the fake clock refills it. The wake-up is
        // filed on the wheel just after the pause: wait for both, or the clock could move before it is filed.
        await TestConnectionPair.WaitUntilAsync(() => transport.IsReadingPaused && host.PendingTimers > 0, "the burst to be spent");
        long wireAtBurst = connection.Server.WireBytesReceived, plainAtBurst = transport.BytesReceived;

        host.Advance(TimeSpan.FromSeconds(8)); // 400 kB of budget: under the burst, so none of it is capped away
        await TestConnectionPair.WaitUntilAsync(() => transport.IsReadingPaused && host.PendingTimers > 0 && connection.Server.WireBytesReceived > wireAtBurst, "the refill to be spent");
        long wire = connection.Server.WireBytesReceived - wireAtBurst, plain = transport.BytesReceived - plainAtBurst;

        const long Budget = 8 * ThrottledPairSink.Rate;
        // The refill bought wire bytes, within a TLS read's slack (ciphertext read ahead is charged to the next chunk);
        // charging plaintext would have let the whole 400 kB of plaintext through.
        Assert.True(Math.Abs(wire - Budget) <= 40_000, $"wire {wire} (burst spent at {wireAtBurst}, plaintext {plain}), budget {Budget}");
        Assert.True(plain < Budget * 0.9, $"plaintext {plain} for {wire} wire bytes: the record overhead must be charged");
        // Over the whole upload, 100 of every 122 wire bytes were plaintext (less what SslStream holds read ahead).
        double share = (double)transport.BytesReceived / (connection.Server.WireBytesReceived - wireAtMade);
        Assert.True(share is > 0.79 and < 0.85, $"plaintext share {share:0.000} of the wire");
        Assert.False(upload.IsCompleted, "the uploader is still held back by the throttle");
        connection.Dispose();
        await upload.WaitAsync(Wait);
    }
}
