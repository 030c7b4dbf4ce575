using System;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ProtocolSdk.Sockets.Tls;

/// <summary>
/// One OpenSSL server context (<c>SSL_CTX</c>) per <see cref="SslServerAuthenticationOptions"/> instance, built on first
/// use and cached for as long as the options live (a server prepares its options once, so all its connections share
/// one context, and TLS 1.3 session tickets from one connection resume on the next). The context sets
/// <c>SSL_MODE_RELEASE_BUFFERS</c>: an idle connection gives its 16 KiB read and write record buffers back to OpenSSL,
/// which <see cref="SslStream"/>'s native layer never does (about 33 KB per idle connection, measured; see
/// docs/performance.md).
/// <para>
/// Only what this engine does exactly as <see cref="SslStream"/> would is accepted: a server certificate (a context, or
/// a certificate with its RSA or ECDSA private key), <see cref="SslServerAuthenticationOptions.EnabledSslProtocols"/>
/// of TLS 1.2 and 1.3, ALPN, and <see cref="SslServerAuthenticationOptions.AllowTlsResume"/>. Options that need the
/// runtime's certificate handling (a certificate selection callback, client certificates, a validation callback, a
/// chain or cipher suites policy, older protocols) get no context, and their connections run on
/// <see cref="SslStream"/>, the same as with the engine off.
/// </para>
/// </summary>
internal sealed unsafe class OpenSslContext
{
    /// <summary>The environment variable that turns the engine off: <c>PROTOCOLSDK_TLS_ENGINE=sslstream</c>.</summary>
    public const string EngineVariable = "PROTOCOLSDK_TLS_ENGINE";

    private static readonly ConditionalWeakTable<SslServerAuthenticationOptions, OpenSslContext> s_contexts = new();
    private static readonly OpenSslContext s_unsupported = new(0, null);
    private static bool? s_available;

    private readonly nint _ctx;
    private readonly byte* _alpn; // the server's ALPN protocols in wire format, after a 4-byte length; null without ALPN

    private OpenSslContext(nint ctx, byte* alpn)
    {
        _ctx = ctx;
        _alpn = alpn;
    }

    ~OpenSslContext()
    {
        // Connections hold their context (and OpenSSL counts its own references), so none is using it now.
        if (_ctx != 0) LibSsl.SSL_CTX_free(_ctx);
        if (_alpn is not null) NativeMemory.Free(_alpn);
    }

    internal nint Handle => _ctx;

    /// <summary>The context for <paramref name="options"/>; null when its connections must run on <see cref="SslStream"/>.</summary>
    public static OpenSslContext? For(SslServerAuthenticationOptions options)
    {
        if (!IsEnabledByEnvironment() || !IsAvailable()) return null;
        var context = s_contexts.GetValue(options, static o => TryCreateOrNone(o));
        return context._ctx == 0 ? null : context;
    }

    /// <summary>Makes the connections of <paramref name="options"/> run on <see cref="SslStream"/> (tests compare the engines).</summary>
    internal static void UseSslStreamFor(SslServerAuthenticationOptions options) => s_contexts.AddOrUpdate(options, s_unsupported);

    private static readonly bool s_enabledByEnvironment =
        !string.Equals(Environment.GetEnvironmentVariable(EngineVariable), "sslstream", StringComparison.OrdinalIgnoreCase);

    private static bool IsEnabledByEnvironment() => s_enabledByEnvironment;

    /// <summary>Linux with OpenSSL 3 (what the runtime uses there too); elsewhere <see cref="SslStream"/> does all TLS.</summary>
    private static bool IsAvailable()
    {
        if (s_available is { } known) return known;
        bool available;
        try
        {
            available = OperatingSystem.IsLinux()
                && NativeLibrary.TryLoad("libssl.so.3", out _) && NativeLibrary.TryLoad("libcrypto.so.3", out _)
                && OpenSslLayer.BioMethod.Handle != 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            available = false;
        }
        s_available = available;
        return available;
    }

    private static OpenSslContext TryCreateOrNone(SslServerAuthenticationOptions options)
    {
        try
        {
            return TryCreate(options) ?? s_unsupported;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or CryptographicException)
        {
            return s_unsupported; // an OpenSSL without a call we use, or a key it cannot take: SslStream serves these
        }
    }

    private static OpenSslContext? TryCreate(SslServerAuthenticationOptions options)
    {
        if (options.ServerCertificateSelectionCallback is not null || options.RemoteCertificateValidationCallback is not null
            || options.ClientCertificateRequired || options.CipherSuitesPolicy is not null || options.CertificateChainPolicy is not null
            || (options.EnabledSslProtocols & ~(SslProtocols.Tls12 | SslProtocols.Tls13)) != 0)
        {
            return null;
        }
        var certificate = options.ServerCertificateContext?.TargetCertificate ?? options.ServerCertificate as X509Certificate2;
        if (certificate is null || !certificate.HasPrivateKey) return null;
        byte[]? key = ExportPrivateKey(certificate);
        if (key is null) return null;

        nint ctx = LibSsl.SSL_CTX_new(LibSsl.TLS_server_method());
        if (ctx == 0)
        {
            LibSsl.TakeErrors();
            return null;
        }
        byte* alpn = null;
        try
        {
            if (!UseCertificate(ctx, certificate, key, options.ServerCertificateContext?.IntermediateCertificates)) return Fail(ctx, alpn);
            LibSsl.SSL_CTX_ctrl(ctx, LibSsl.SSL_CTRL_MODE,
                (nint)(LibSsl.SSL_MODE_RELEASE_BUFFERS | LibSsl.SSL_MODE_ENABLE_PARTIAL_WRITE | LibSsl.SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER), 0);
            LibSsl.SSL_CTX_ctrl(ctx, LibSsl.SSL_CTRL_SET_READ_AHEAD, 1, 0); // one recv takes what the kernel has, not a header then a body
            // An end of stream without close_notify reads as the end (as SslStream reports it); no renegotiation (TLS 1.3
            // has none; a TLS 1.2 client asking for one is refused).
            ulong flags = LibSsl.SSL_OP_IGNORE_UNEXPECTED_EOF | LibSsl.SSL_OP_NO_RENEGOTIATION;
            if (!options.AllowTlsResume)
            {
                flags |= LibSsl.SSL_OP_NO_TICKET;
                LibSsl.SSL_CTX_ctrl(ctx, LibSsl.SSL_CTRL_SET_SESS_CACHE_MODE, 0, 0);
            }
            LibSsl.SSL_CTX_set_options(ctx, flags);
            if (options.EnabledSslProtocols != SslProtocols.None)
            {
                bool tls12 = (options.EnabledSslProtocols & SslProtocols.Tls12) != 0, tls13 = (options.EnabledSslProtocols & SslProtocols.Tls13) != 0;
                LibSsl.SSL_CTX_ctrl(ctx, LibSsl.SSL_CTRL_SET_MIN_PROTO_VERSION, tls12 ? LibSsl.TLS1_2_VERSION : LibSsl.TLS1_3_VERSION, 0);
                LibSsl.SSL_CTX_ctrl(ctx, LibSsl.SSL_CTRL_SET_MAX_PROTO_VERSION, tls13 ? LibSsl.TLS1_3_VERSION : LibSsl.TLS1_2_VERSION, 0);
            }
            if (options.ApplicationProtocols is { Count: > 0 } protocols)
            {
                alpn = EncodeAlpn(protocols);
                if (alpn is null) return Fail(ctx, alpn);
                LibSsl.SSL_CTX_set_alpn_select_cb(ctx, &SelectApplicationProtocol, (nint)alpn);
            }
            return new OpenSslContext(ctx, alpn);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static OpenSslContext? Fail(nint ctx, byte* alpn)
    {
        LibSsl.TakeErrors();
        LibSsl.SSL_CTX_free(ctx);
        if (alpn is not null) NativeMemory.Free(alpn);
        return null;
    }

    /// <summary>The certificate's RSA or ECDSA private key as PKCS#8; null when it has another kind or cannot be exported.</summary>
    private static byte[]? ExportPrivateKey(X509Certificate2 certificate)
    {
        try
        {
            using AsymmetricAlgorithm? key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey();
            return key?.ExportPkcs8PrivateKey();
        }
        catch (CryptographicException)
        {
            return null; // a key that stays in its store: SslStream can still use it
        }
    }

    private static bool UseCertificate(nint ctx, X509Certificate2 certificate, byte[] pkcs8, System.Collections.Generic.IEnumerable<X509Certificate2>? intermediates)
    {
        nint x509 = DecodeCertificate(certificate.RawData);
        if (x509 == 0) return false;
        int used = LibSsl.SSL_CTX_use_certificate(ctx, x509); // takes a reference of its own
        LibSsl.X509_free(x509);
        if (used != 1) return false;

        nint pkey;
        fixed (byte* keyBytes = pkcs8)
        {
            byte* cursor = keyBytes;
            pkey = LibSsl.d2i_AutoPrivateKey(0, &cursor, pkcs8.Length);
        }
        if (pkey == 0) return false;
        used = LibSsl.SSL_CTX_use_PrivateKey(ctx, pkey);
        LibSsl.EVP_PKEY_free(pkey);
        if (used != 1 || LibSsl.SSL_CTX_check_private_key(ctx) != 1) return false;

        if (intermediates is null) return true;
        foreach (var intermediate in intermediates)
        {
            nint chained = DecodeCertificate(intermediate.RawData);
            if (chained == 0) return false;
            if (LibSsl.SSL_CTX_ctrl(ctx, LibSsl.SSL_CTRL_CHAIN_CERT, 0, chained) != 1) // add0: the context owns it now
            {
                LibSsl.X509_free(chained);
                return false;
            }
        }
        return true;
    }

    private static nint DecodeCertificate(byte[] der)
    {
        fixed (byte* bytes = der)
        {
            byte* cursor = bytes;
            return LibSsl.d2i_X509(0, &cursor, der.Length);
        }
    }

    /// <summary>The ALPN list in its wire format (each protocol's length byte, then its bytes), after a 4-byte total length.</summary>
    private static byte* EncodeAlpn(System.Collections.Generic.List<SslApplicationProtocol> protocols)
    {
        int total = 0;
        foreach (var protocol in protocols)
        {
            int length = protocol.Protocol.Length;
            if (length is 0 or > 255) return null; // as SslStream refuses them
            total += 1 + length;
        }
        byte* block = (byte*)NativeMemory.Alloc((nuint)(4 + total));
        *(uint*)block = (uint)total;
        byte* cursor = block + 4;
        foreach (var protocol in protocols)
        {
            var name = protocol.Protocol.Span;
            *cursor++ = (byte)name.Length;
            name.CopyTo(new Span<byte>(cursor, name.Length));
            cursor += name.Length;
        }
        return block;
    }

    /// <summary>
    /// ALPN on the server: the first of the server's protocols (its order of preference, as <see cref="SslStream"/>
    /// picks) that the client offered; a client that offered only others gets a fatal no_application_protocol alert.
    /// </summary>
    [UnmanagedCallersOnly]
    private static int SelectApplicationProtocol(nint ssl, byte** selected, byte* selectedLength, byte* offered, uint offeredLength, nint arg)
    {
        byte* server = (byte*)arg + 4;
        uint serverLength = *(uint*)arg;
        for (uint s = 0; s < serverLength; s += 1u + server[s])
        {
            var wanted = new ReadOnlySpan<byte>(server + s + 1, server[s]);
            for (uint c = 0; c < offeredLength; c += 1u + offered[c])
            {
                if (c + 1 + offered[c] > offeredLength) break; // malformed list: no match
                if (new ReadOnlySpan<byte>(offered + c + 1, offered[c]).SequenceEqual(wanted))
                {
                    *selected = offered + c + 1;
                    *selectedLength = offered[c];
                    return LibSsl.SSL_TLSEXT_ERR_OK;
                }
            }
        }
        return LibSsl.SSL_TLSEXT_ERR_ALERT_FATAL;
    }
}
