using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace ProtocolSdk.Benchmarks;

/// <summary>
/// The TLS echo servers: the plaintext echoes of <see cref="Servers"/> (<see cref="SdkEcho"/>, <see cref="KestrelEcho"/>)
/// behind TLS 1.3 with one certificate context each.
/// </summary>
internal static class TlsServers
{
    /// <summary>
    /// Both servers get this handshake deadline instead of their 10 s default: the idle run starts 5000 handshakes at
    /// once on 2 shared cores, which takes longer than 10 s, and a deadline would measure the queue, not the servers.
    /// </summary>
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(120);

    /// <param name="engine">"sslstream" runs the server's TLS on SslStream instead of the SDK's own engine (the
    /// documented switch, set before the first handshake); null or "openssl" leaves the default.</param>
    public static async Task<int> ServeSdkTlsAsync(int port, string? certificatePath, bool watchStdin, string? engine = null)
    {
        if (engine is not null) Environment.SetEnvironmentVariable("PROTOCOLSDK_TLS_ENGINE", engine);
        using X509Certificate2 certificate = BenchmarkCertificate.Load(certificatePath);
        var options = new ProtocolServerOptions
        {
            Tls = new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true),
                EnabledSslProtocols = SslProtocols.Tls13,
            },
            TlsHandshakeTimeout = HandshakeTimeout,
        };
        await using var server = await ProtocolServer.ListenTcpAsync<SdkEcho>(new IPEndPoint(IPAddress.Loopback, port), options).ConfigureAwait(false);
        return await Servers.ServeUntilStoppedAsync(server.LocalEndPoint.Port, watchStdin).ConfigureAwait(false);
    }

    public static async Task<int> ServeKestrelTlsAsync(int port, string? certificatePath, bool watchStdin)
    {
        using X509Certificate2 certificate = BenchmarkCertificate.Load(certificatePath);
        if (port == 0) port = Servers.FreeLoopbackPort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, listen =>
        {
            // Kestrel builds one SslStreamCertificateContext from ServerCertificate for all its connections.
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = certificate,
                SslProtocols = SslProtocols.Tls13,
                HandshakeTimeout = HandshakeTimeout,
            });
            listen.UseConnectionHandler<KestrelEcho>();
        }));
        await using var app = builder.Build();
        await app.StartAsync().ConfigureAwait(false);
        int rc = await Servers.ServeUntilStoppedAsync(port, watchStdin).ConfigureAwait(false);
        await app.StopAsync().ConfigureAwait(false);
        return rc;
    }
}
