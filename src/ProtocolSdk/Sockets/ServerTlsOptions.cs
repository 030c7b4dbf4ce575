using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ProtocolSdk.Sockets;

/// <summary>Prepares a server's TLS options once, for all its connections.</summary>
internal static class ServerTlsOptions
{
    /// <summary>
    /// A copy of <paramref name="options"/> whose certificate is a <see cref="SslStreamCertificateContext"/> built once
    /// (the chain is resolved once, and TLS 1.3 resumption works on Linux, which needs one context per server). Options
    /// with a context or a selection callback already are used as given.
    /// </summary>
    public static SslServerAuthenticationOptions Prepare(SslServerAuthenticationOptions options)
    {
        if (options.ServerCertificateContext is not null || options.ServerCertificateSelectionCallback is not null
            || options.ServerCertificate is not X509Certificate2 certificate)
        {
            return options;
        }
        return new SslServerAuthenticationOptions
        {
            AllowRenegotiation = options.AllowRenegotiation,
            AllowTlsResume = options.AllowTlsResume,
            ApplicationProtocols = options.ApplicationProtocols,
            CertificateChainPolicy = options.CertificateChainPolicy,
            CertificateRevocationCheckMode = options.CertificateRevocationCheckMode,
            CipherSuitesPolicy = options.CipherSuitesPolicy,
            ClientCertificateRequired = options.ClientCertificateRequired,
            EnabledSslProtocols = options.EnabledSslProtocols,
            RemoteCertificateValidationCallback = options.RemoteCertificateValidationCallback,
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true),
        };
    }
}
