using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ProtocolSdk.Benchmarks;

/// <summary>
/// The TLS benchmark's server certificate: self-signed RSA 2048, server-auth EKU, SAN <c>localhost</c>. The driver
/// makes one and passes it to every TLS server kind as a PFX file, so all of them present the same certificate.
/// </summary>
internal static class BenchmarkCertificate
{
    public static X509Certificate2 Create()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(7));
    }

    /// <summary>Writes a new certificate (with its key, no password) to a temporary PFX file and returns its path.</summary>
    public static string CreatePfxFile()
    {
        using var certificate = Create();
        string path = Path.Combine(Path.GetTempPath(), $"protocolsdk-bench-{Environment.ProcessId}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, ""));
        return path;
    }

    /// <summary>The certificate in <paramref name="pfxPath"/>, or a new one when no path is given.</summary>
    public static X509Certificate2 Load(string? pfxPath) =>
        pfxPath is null ? Create() : X509CertificateLoader.LoadPkcs12FromFile(pfxPath, "");
}
