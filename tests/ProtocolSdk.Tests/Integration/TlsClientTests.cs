using System.Security.Authentication;
using System.Text;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

/// <summary><see cref="ProtocolClient"/> with <see cref="ProtocolServerOptions.ClientTls"/>, against our own TLS server.</summary>
public class TlsClientTests
{
    [Fact]
    public async Task ProtocolClient_with_ClientTls_talks_to_a_TLS_server_and_sees_the_session()
    {
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => new TlsEchoProtocol { Echo = true },
            new ProtocolServerOptions { Tls = TlsTestSupport.ServerOptions() });
        var client = new CollectingClient();
        await using var connection = await ProtocolClient.ConnectTcpAsync(server.LocalEndPoint, client,
            new ProtocolServerOptions { ClientTls = TlsTestSupport.ClientOptions() });

        var tls = Assert.IsType<TlsConnectionInfo>(client.TlsAtConnectionMade); // set before ConnectionMade runs
        Assert.Equal(SslProtocols.Tls13, tls.Protocol);
        Assert.Equal(TlsTestSupport.ServerCertificate.Thumbprint, tls.RemoteCertificate!.Thumbprint);

        connection.Transport.Write("ping over tls"u8);
        await Loopback.WaitUntilAsync(() => client.Text == "ping over tls", "the echo");
    }

    [Fact]
    public async Task A_certificate_the_validation_callback_refuses_fails_ConnectTcpAsync_without_ConnectionMade()
    {
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => new TlsEchoProtocol(),
            new ProtocolServerOptions { Tls = TlsTestSupport.ServerOptions() });
        var strict = TlsTestSupport.ClientOptions();
        strict.RemoteCertificateValidationCallback = (_, _, _, _) => false;
        var client = new CollectingClient();
        await Assert.ThrowsAsync<AuthenticationException>(() =>
            ProtocolClient.ConnectTcpAsync(server.LocalEndPoint, client, new ProtocolServerOptions { ClientTls = strict }));
        Assert.Equal(0, client.Made);
        Assert.Equal(0, client.Lost);
    }

    [Fact]
    public async Task Mutual_TLS_the_server_sees_the_client_certificate_and_the_client_sees_the_server_one()
    {
        using var clientCertificate = TlsTestSupport.CreateCertificate("client", serverAuth: false);
        var serverTls = TlsTestSupport.ServerOptions();
        serverTls.ClientCertificateRequired = true;
        serverTls.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && certificate.GetCertHashString() == clientCertificate.GetCertHashString();
        var made = new ProtocolCollector<TlsEchoProtocol>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new TlsEchoProtocol { Echo = true }),
            new ProtocolServerOptions { Tls = serverTls });

        var client = new CollectingClient();
        await using var connection = await ProtocolClient.ConnectTcpAsync(server.LocalEndPoint, client,
            new ProtocolServerOptions { ClientTls = TlsTestSupport.ClientOptions(clientCertificate: clientCertificate) });
        connection.Transport.Write("mtls"u8);
        await Loopback.WaitUntilAsync(() => client.Text == "mtls", "the echo");

        var serverSide = Assert.Single(made.All);
        Assert.Equal(clientCertificate.Thumbprint, serverSide.TlsAtConnectionMade!.RemoteCertificate!.Thumbprint);
        Assert.Equal(TlsTestSupport.ServerCertificate.Thumbprint, client.TlsAtConnectionMade!.RemoteCertificate!.Thumbprint);
    }

    [Fact]
    public async Task A_server_that_never_answers_the_handshake_fails_ConnectTcpAsync_with_TimeoutException_at_TlsHandshakeTimeout()
    {
        using var silentServer = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        silentServer.Bind(Loopback.AnyPort);
        silentServer.Listen(); // the kernel completes the TCP handshake; nobody ever speaks TLS
        var client = new CollectingClient();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<TimeoutException>(() => ProtocolClient.ConnectTcpAsync((System.Net.IPEndPoint)silentServer.LocalEndPoint!, client,
            new ProtocolServerOptions { ClientTls = TlsTestSupport.ClientOptions(), TlsHandshakeTimeout = TimeSpan.FromSeconds(1) }));
        Assert.InRange(started.Elapsed.TotalSeconds, 0.9, 5.0);
        Assert.Contains("TlsHandshakeTimeout", error.Message);
        Assert.Equal(0, client.Made);
    }

    internal sealed class CollectingClient : Protocol
    {
        private readonly StringBuilder _text = new();
        public TlsConnectionInfo? TlsAtConnectionMade;
        public int Made, Lost;

        public string Text
        {
            get { lock (_text) return _text.ToString(); }
        }

        public override void ConnectionMade()
        {
            Made++;
            TlsAtConnectionMade = Transport.Tls;
        }

        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            lock (_text) _text.Append(Encoding.UTF8.GetString(data));
        }

        public override void ConnectionLost(DisconnectReason reason) => Lost++;
    }
}
