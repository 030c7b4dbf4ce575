using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

/// <summary>A TLS listener (<see cref="ProtocolServerOptions.Tls"/>) on real loopback sockets, against the BCL client.</summary>
public class TlsServerTests
{
    private static ProtocolServerOptions TlsOptions(TimeSpan? handshakeTimeout = null) => new()
    {
        Tls = TlsTestSupport.ServerOptions(),
        TlsHandshakeTimeout = handshakeTimeout ?? ProtocolServerOptions.DefaultTlsHandshakeTimeout,
    };

    [Fact]
    public async Task Tls13_echo_is_byte_exact_on_8_concurrent_connections_and_ConnectionMade_sees_the_session()
    {
        var made = new ProtocolCollector<TlsEchoProtocol>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new TlsEchoProtocol { Echo = true }), TlsOptions());

        var clients = Enumerable.Range(0, 8).Select(async i =>
        {
            const int size = 256 * 1024;
            var payload = new byte[size];
            new Random(i).NextBytes(payload);
            await using var ssl = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint);
            Assert.Equal(SslProtocols.Tls13, ssl.SslProtocol);
            var send = Task.Run(async () =>
            {
                for (int off = 0; off < size; off += 10_000) await ssl.WriteAsync(payload.AsMemory(off, Math.Min(10_000, size - off)));
            });
            var echoed = await TlsTestSupport.ReadExactlyAsync(ssl, size);
            await send;
            Assert.True(payload.AsSpan().SequenceEqual(echoed), $"connection {i} echoed different bytes");
        });
        await Task.WhenAll(clients).WithTimeout("TLS echo on 8 connections");

        await Loopback.WaitUntilAsync(() => made.All.Count == 8 && made.All.All(p => p.Lost == 1), "every ConnectionLost");
        foreach (var protocol in made.All)
        {
            Assert.Equal(1, protocol.Made);
            Assert.Equal(0, protocol.Overlaps);
            var tls = Assert.IsType<TlsConnectionInfo>(protocol.TlsAtConnectionMade);
            Assert.Equal(SslProtocols.Tls13, tls.Protocol);
            Assert.Equal("localhost", tls.HostName);
            Assert.Null(tls.RemoteCertificate); // no client certificate asked for
        }
    }

    [Fact]
    public async Task LoseConnection_sends_close_notify_then_FIN_after_the_reply()
    {
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => new ReplyAndClose(), TlsOptions());
        await using var ssl = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint);
        await ssl.WriteAsync("bye"u8.ToArray());
        Assert.Equal("reply"u8.ToArray(), await TlsTestSupport.ReadExactlyAsync(ssl, 5));
        using var cts = new CancellationTokenSource(Loopback.Timeout);
        // A clean TLS end (close_notify) reads as 0; a bare FIN or a reset would throw.
        Assert.Equal(0, await ssl.ReadAsync(new byte[16], cts.Token));
    }

    private sealed class ReplyAndClose : Protocol
    {
        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            Transport.Write("reply"u8);
            Transport.LoseConnection();
        }
    }

    [Fact]
    public async Task Fifty_silent_connections_are_cut_by_a_2_s_handshake_deadline_and_never_reach_ConnectionMade()
    {
        var made = new ProtocolCollector<TlsEchoProtocol>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new TlsEchoProtocol()),
            TlsOptions(TimeSpan.FromSeconds(2)));

        var started = Stopwatch.StartNew();
        var sockets = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Loopback.ConnectAsync(server.LocalEndPoint)));
        try
        {
            var closedAt = await Task.WhenAll(sockets.Select(async socket =>
            {
                await Loopback.WaitForCloseAsync(socket);
                return started.Elapsed;
            })).WithTimeout("50 handshake deadlines");
            foreach (var at in closedAt)
            {
                Assert.InRange(at.TotalSeconds, 1.8, 3.0);
            }
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
        }
        await Loopback.WaitUntilAsync(() => server.SocketCount == 0 && server.ConnectionCount == 0, "every socket released");
        Assert.All(made.All, protocol => Assert.Equal(0, protocol.Made + protocol.Lost));
        Assert.Equal(0, server.PendingTimers);
    }

    [Fact]
    public async Task Plaintext_sent_to_the_TLS_port_is_refused_while_the_server_keeps_serving_TLS()
    {
        var made = new ProtocolCollector<TlsEchoProtocol>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new TlsEchoProtocol { Echo = true }), TlsOptions());

        await using var good = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint);
        using (var plain = await Loopback.ConnectAsync(server.LocalEndPoint))
        {
            await plain.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), SocketFlags.None);
            await Loopback.WaitForCloseAsync(plain); // closed without a reply the protocol wrote
        }

        await good.WriteAsync("still here"u8.ToArray());
        Assert.Equal("still here"u8.ToArray(), await TlsTestSupport.ReadExactlyAsync(good, 10));
        await Loopback.WaitUntilAsync(() => made.All.Count == 2 && server.SocketCount == 1, "the plaintext connection released");
        Assert.Equal(1, made.All.Sum(p => p.Made)); // only the TLS client was made
    }

    [Fact]
    public async Task A_client_certificate_the_server_rejects_fails_the_handshake_and_never_reaches_ConnectionMade()
    {
        var made = new ProtocolCollector<TlsEchoProtocol>();
        var options = TlsOptions();
        options.Tls!.ClientCertificateRequired = true;
        options.Tls.RemoteCertificateValidationCallback = (_, _, _, _) => false;
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new TlsEchoProtocol()), options);
        using var clientCertificate = TlsTestSupport.CreateCertificate("client", serverAuth: false);

        try
        {
            await using var ssl = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint, TlsTestSupport.ClientOptions(clientCertificate: clientCertificate));
            using var cts = new CancellationTokenSource(Loopback.Timeout);
            _ = await ssl.ReadAsync(new byte[1], cts.Token); // TLS 1.3: the client learns of the refusal on its first read
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            // refused: either way is fine, the server side is what this test checks
        }
        await Loopback.WaitUntilAsync(() => made.All.Count == 1 && server.SocketCount == 0, "the refused connection released");
        Assert.Equal(0, made.All.Single().Made);
        Assert.Equal(0, made.All.Single().Lost);
    }
}
