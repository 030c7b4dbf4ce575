using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

/// <summary>Self-signed certificates made in the test, and a BCL TLS client over a loopback socket.</summary>
internal static class TlsTestSupport
{
    private static readonly Lazy<X509Certificate2> SharedServer = new(() => CreateCertificate("localhost", serverAuth: true));

    /// <summary>One ECDSA P-256 server certificate (SAN localhost) for the whole test run.</summary>
    public static X509Certificate2 ServerCertificate => SharedServer.Value;

    public static X509Certificate2 CreateCertificate(string subject, bool serverAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            new OidCollection { new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2") }, critical: false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(subject);
        request.CertificateExtensions.Add(san.Build());
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        // Round-trip through PKCS#12 so the private key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), password: null);
    }

    public static SslServerAuthenticationOptions ServerOptions(X509Certificate2? certificate = null) => new()
    {
        ServerCertificate = certificate ?? ServerCertificate,
        EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
    };

    /// <summary>Client options that accept exactly <paramref name="expected"/> (self-signed), by thumbprint.</summary>
    public static SslClientAuthenticationOptions ClientOptions(X509Certificate2? expected = null, X509Certificate2? clientCertificate = null) => new()
    {
        TargetHost = "localhost",
        EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && certificate.GetCertHashString() == (expected ?? ServerCertificate).GetCertHashString(),
        ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
    };

    /// <summary>Connects a BCL TLS client; the caller disposes the stream (and with it the socket).</summary>
    public static async Task<SslStream> ConnectTlsAsync(System.Net.IPEndPoint server, SslClientAuthenticationOptions? options = null)
    {
        var socket = await Loopback.ConnectAsync(server);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        using var cts = new CancellationTokenSource(Loopback.Timeout);
        try
        {
            await ssl.AuthenticateAsClientAsync(options ?? ClientOptions(), cts.Token);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
        return ssl;
    }

    public static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        using var cts = new CancellationTokenSource(Loopback.Timeout);
        await stream.ReadExactlyAsync(buffer, cts.Token);
        return buffer;
    }

    public static async Task<string> ReadLineAsync(Stream stream)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        using var cts = new CancellationTokenSource(Loopback.Timeout);
        while (true)
        {
            if (await stream.ReadAsync(one, cts.Token) == 0) throw new EndOfStreamException("EOF after '" + line + "'");
            if (one[0] == '\n') return line.ToString().TrimEnd('\r');
            line.Append((char)one[0]);
        }
    }
}

/// <summary>Records (and echoes, with Echo = true) the TLS session it saw in ConnectionMade.</summary>
public sealed class TlsEchoProtocol : RecordingProtocol
{
    public TlsConnectionInfo? TlsAtConnectionMade;

    public override void ConnectionMade()
    {
        TlsAtConnectionMade = Transport.Tls;
        base.ConnectionMade();
    }
}
