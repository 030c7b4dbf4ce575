using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace ProtocolSdk;

/// <summary>What a completed TLS handshake negotiated (<see cref="Transport.Tls"/>); made once per handshake.</summary>
public sealed class TlsConnectionInfo
{
    internal TlsConnectionInfo(SslStream ssl)
    {
        Protocol = ssl.SslProtocol;
        CipherSuite = ssl.NegotiatedCipherSuite;
        ApplicationProtocol = ssl.NegotiatedApplicationProtocol;
        HostName = string.IsNullOrEmpty(ssl.TargetHostName) ? null : ssl.TargetHostName;
        RemoteCertificate = ssl.RemoteCertificate as X509Certificate2 ?? (ssl.RemoteCertificate is { } other ? new X509Certificate2(other) : null);
    }

    internal TlsConnectionInfo(SslProtocols protocol, TlsCipherSuite cipherSuite, SslApplicationProtocol applicationProtocol, string? hostName, X509Certificate2? remoteCertificate)
    {
        Protocol = protocol;
        CipherSuite = cipherSuite;
        ApplicationProtocol = applicationProtocol;
        HostName = hostName;
        RemoteCertificate = remoteCertificate;
    }

    /// <summary>The TLS version (for example <see cref="SslProtocols.Tls13"/>).</summary>
    public SslProtocols Protocol { get; }

    /// <summary>The negotiated cipher suite.</summary>
    public TlsCipherSuite CipherSuite { get; }

    /// <summary>The ALPN protocol both sides agreed on; default (empty) when none was negotiated.</summary>
    public SslApplicationProtocol ApplicationProtocol { get; }

    /// <summary>The SNI host name: on a server what the client asked for, on a client the target host; null when none.</summary>
    public string? HostName { get; }

    /// <summary>The peer's certificate: the server's on a client, the client's (mutual TLS) on a server; null when it sent none.</summary>
    public X509Certificate2? RemoteCertificate { get; }
}
