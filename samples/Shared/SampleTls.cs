using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ProtocolSdk.Samples;

/// <summary>
/// <c>--tls</c> for the samples that speak TLS (Chat, Resp): a development certificate made at start-up (self-signed,
/// ECDSA P-256, for localhost and 127.0.0.1: clients must skip verification, e.g. <c>redis-cli --insecure</c>), or
/// <c>--cert file.pfx</c> (PKCS#12 without a password, or with the password in PROTOCOLSDK_CERT_PASSWORD).
/// </summary>
internal static class SampleTls
{
    public const string Usage = "[--tls] (a generated development certificate) [--cert file.pfx] (implies --tls)";

    /// <summary>Server options for the parsed command line: TLS when <c>--tls</c> or <c>--cert</c> was given.</summary>
    public static ProtocolServerOptions ForServer(ServerOptions options)
    {
        if (!options.Tls) return SampleServer.ProtocolOptions;
        var certificate = options.CertificateFile is { } file
            ? X509CertificateLoader.LoadPkcs12FromFile(file, Environment.GetEnvironmentVariable("PROTOCOLSDK_CERT_PASSWORD"))
            : DevelopmentCertificate();
        return new ProtocolServerOptions
        {
            LoggerFactory = SampleServer.ProtocolOptions.LoggerFactory, // policy decisions and failed handshakes on the console
            Tls = new SslServerAuthenticationOptions { ServerCertificate = certificate },
        };
    }

    /// <summary>A fresh self-signed certificate for localhost / 127.0.0.1 / ::1, valid for a week.</summary>
    public static X509Certificate2 DevelopmentCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(7));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), password: null);
    }

    /// <summary>Checks <c>--cert</c>'s file exists, so a typo is one clear line, not a stack trace.</summary>
    public static string ExistingFile(string path) =>
        File.Exists(path) ? path : throw new ArgumentException($"--cert '{path}': no such file");
}
