using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ProtocolSdk.Sockets;
using ProtocolSdk.Sockets.Tls;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

/// <summary>
/// The SDK's own TLS engine (OpenSSL through <see cref="OpenSslLayer"/>) against the runtime's (<see cref="SslStream"/>):
/// which one a server's options get, and that both behave the same from a client's side.
/// </summary>
public class TlsEngineTests
{
    public enum Engine { OpenSsl, SslStream }

    /// <summary>Options with a certificate context already (so the server uses them as given), on the engine asked for.</summary>
    private static SslServerAuthenticationOptions OptionsOn(Engine engine, X509Certificate2? certificate = null, SslProtocols protocols = SslProtocols.Tls12 | SslProtocols.Tls13)
    {
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate ?? TlsTestSupport.ServerCertificate, additionalCertificates: null, offline: true),
            EnabledSslProtocols = protocols,
        };
        if (engine == Engine.SslStream) OpenSslContext.UseSslStreamFor(options);
        return options;
    }

    private static Type LayerType(Engine engine) => engine == Engine.OpenSsl ? typeof(OpenSslLayer) : typeof(SslStreamLayer);

    [Fact]
    public void A_server_certificate_gets_the_own_engine_and_options_that_need_the_runtimes_certificate_handling_get_SslStream()
    {
        Assert.True(OperatingSystem.IsLinux(), "the suite runs on Linux, where the engine is on");
        Assert.NotNull(OpenSslContext.For(TlsTestSupport.ServerOptions()));
        Assert.NotNull(OpenSslContext.For(new SslServerAuthenticationOptions { ServerCertificate = TlsTestSupport.ServerCertificate }));

        var certificate = TlsTestSupport.ServerCertificate;
        Assert.Null(OpenSslContext.For(new SslServerAuthenticationOptions { ServerCertificateSelectionCallback = (_, _) => certificate }));
        Assert.Null(OpenSslContext.For(new SslServerAuthenticationOptions { ServerCertificate = certificate, ClientCertificateRequired = true }));
        Assert.Null(OpenSslContext.For(new SslServerAuthenticationOptions { ServerCertificate = certificate, RemoteCertificateValidationCallback = (_, _, _, _) => true }));
#pragma warning disable SYSLIB0039 // an old protocol on purpose: the engine leaves it to SslStream
        Assert.Null(OpenSslContext.For(new SslServerAuthenticationOptions { ServerCertificate = certificate, EnabledSslProtocols = SslProtocols.Tls11 | SslProtocols.Tls12 }));
#pragma warning restore SYSLIB0039
        using var withoutKey = X509CertificateLoader.LoadCertificate(certificate.RawData);
        Assert.Null(OpenSslContext.For(new SslServerAuthenticationOptions { ServerCertificate = withoutKey }));
    }

    [Fact]
    public async Task A_TLS_listener_says_at_start_which_engine_serves_it()
    {
        var logs = new RecordingLoggerProvider();
        await using (await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => new TlsEchoProtocol(),
            new ProtocolServerOptions { Tls = TlsTestSupport.ServerOptions(), LoggerFactory = logs }))
        {
        }
        var certificate = TlsTestSupport.ServerCertificate;
        await using (await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => new TlsEchoProtocol(), new ProtocolServerOptions
        {
            Tls = new SslServerAuthenticationOptions { ServerCertificateSelectionCallback = (_, _) => certificate },
            LoggerFactory = logs,
        }))
        {
        }
        var lines = logs.Entries.Where(e => e.Message.StartsWith("TLS on ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, e => Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Debug, e.Level));
        Assert.EndsWith("runs on the SDK's own OpenSSL engine.", lines[0].Message);
        Assert.Contains("runs on SslStream", lines[1].Message);
    }

    [Theory]
    [InlineData(Engine.OpenSsl)]
    [InlineData(Engine.SslStream)]
    public async Task Both_engines_echo_byte_exact_on_8_connections_from_1_byte_to_256_KiB_then_close_cleanly(Engine engine)
    {
        var made = new ProtocolCollector<TlsEchoProtocol>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new TlsEchoProtocol { Echo = true }),
            new ProtocolServerOptions { Tls = OptionsOn(engine) });

        await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            await using var client = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint);
            foreach (int size in new[] { 1, 64, 16 * 1024 - 1, 16 * 1024 + 1, 256 * 1024 })
            {
                var payload = new byte[size];
                new Random(i * 31 + size).NextBytes(payload);
                await client.WriteAsync(payload);
                Assert.Equal(payload, await TlsTestSupport.ReadExactlyAsync(client, size));
            }
        }));

        Assert.Equal(8, made.All.Count);
        foreach (var protocol in made.All)
        {
            await protocol.LostSignal.Task.WaitAsync(Loopback.Timeout);
            Assert.True(protocol.LostReason!.Value.Kind == DisconnectKind.PeerClosed, protocol.LostReason.ToString());
            Assert.Equal(SslProtocols.Tls13, protocol.TlsAtConnectionMade!.Protocol);
        }
        Assert.All(made.All, p => Assert.Equal(0, p.Overlaps));
    }

    [Theory]
    [InlineData(Engine.OpenSsl)]
    [InlineData(Engine.SslStream)]
    public async Task Both_engines_report_the_same_session_RSA_TLS_1_2_ALPN_and_SNI(Engine engine)
    {
        using var rsa = CreateRsaCertificate();
        var options = OptionsOn(engine, rsa, SslProtocols.Tls12);
        options.ApplicationProtocols = [new SslApplicationProtocol("psdk/2"), new SslApplicationProtocol("psdk/1")];
        TlsEchoProtocol? made = null;
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => made = new TlsEchoProtocol { Echo = true },
            new ProtocolServerOptions { Tls = options });

        var clientOptions = TlsTestSupport.ClientOptions(rsa);
        clientOptions.ApplicationProtocols = [new SslApplicationProtocol("other"), new SslApplicationProtocol("psdk/1")];
        await using var client = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint, clientOptions);
        await client.WriteAsync("ping"u8.ToArray());
        Assert.Equal("ping"u8.ToArray(), await TlsTestSupport.ReadExactlyAsync(client, 4));

        var seen = made!.TlsAtConnectionMade!;
        Assert.Equal(SslProtocols.Tls12, seen.Protocol);
        Assert.Equal(client.SslProtocol, seen.Protocol);
        Assert.Equal(client.NegotiatedCipherSuite, seen.CipherSuite);
        Assert.Equal("psdk/1", seen.ApplicationProtocol.ToString());
        Assert.Equal(client.NegotiatedApplicationProtocol, seen.ApplicationProtocol);
        Assert.Equal("localhost", seen.HostName);
        Assert.Null(seen.RemoteCertificate); // no client certificate was asked for
        Assert.IsType(LayerType(engine), ((SocketTransport)made.Transport).TlsLayerInUse);
    }

    [Theory]
    [InlineData(Engine.OpenSsl)]
    [InlineData(Engine.SslStream)]
    public async Task A_client_offering_only_other_ALPN_protocols_is_refused_and_the_server_keeps_serving(Engine engine)
    {
        var options = OptionsOn(engine);
        options.ApplicationProtocols = [new SslApplicationProtocol("psdk/1")];
        var made = new ProtocolCollector<TlsEchoProtocol>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new TlsEchoProtocol { Echo = true }),
            new ProtocolServerOptions { Tls = options });

        var refused = TlsTestSupport.ClientOptions();
        refused.ApplicationProtocols = [new SslApplicationProtocol("h2")];
        await Assert.ThrowsAnyAsync<Exception>(() => TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint, refused));

        var accepted = TlsTestSupport.ClientOptions();
        accepted.ApplicationProtocols = [new SslApplicationProtocol("psdk/1")];
        await using var client = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint, accepted);
        await client.WriteAsync("x"u8.ToArray());
        Assert.Equal("x"u8.ToArray(), await TlsTestSupport.ReadExactlyAsync(client, 1));
        Assert.Equal(1, made.All.Sum(p => p.Made)); // the refused handshake never reached ConnectionMade
    }

    [Theory]
    [InlineData(Engine.OpenSsl, 64 * 1024)]
    [InlineData(Engine.OpenSsl, 1024 * 1024)] // above the engine's inline limit: the first 64 KiB inline, the rest queued
    [InlineData(Engine.SslStream, 64 * 1024)]
    public async Task Writes_past_what_the_kernel_takes_arrive_whole_and_in_order_at_a_client_that_reads_late(Engine engine, int blockSize)
    {
        // 16 MiB written at once: the kernel takes some, the engine holds the ciphertext of the write it refused, and
        // the rest waits as plaintext; the client starts reading only afterwards.
        int blocks = 16 * 1024 * 1024 / blockSize;
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => new PatternWriter(blocks, blockSize),
            new ProtocolServerOptions { Tls = OptionsOn(engine), MaxBufferedBytes = 64 * 1024 * 1024 });
        await using var client = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint);
        var expected = new byte[blockSize];
        for (int i = 0; i < blocks; i++)
        {
            PatternWriter.Fill(expected, i);
            Assert.Equal(expected, await TlsTestSupport.ReadExactlyAsync(client, blockSize));
        }
    }

    /// <summary>Writes <c>blocks</c> numbered blocks in ConnectionMade.</summary>
    private sealed class PatternWriter(int blocks, int blockSize) : Protocol
    {
        public static void Fill(byte[] block, int index)
        {
            for (int j = 0; j < block.Length; j++) block[j] = (byte)(index * 7 + j / 251);
        }

        public override void ConnectionMade()
        {
            var block = new byte[blockSize];
            for (int i = 0; i < blocks; i++)
            {
                Fill(block, i);
                Transport.Write(block);
            }
        }
    }

    [Fact]
    public async Task Records_the_client_sent_with_its_Finished_are_delivered_without_waiting_for_more()
    {
        // TLS 1.3 lets a client send data right behind its Finished; OpenSSL reads ahead, so those records may sit in
        // OpenSSL's buffer while the socket has nothing: the receive loop must still deliver them.
        var options = OptionsOn(Engine.OpenSsl);
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => new TlsEchoProtocol { Echo = true },
            new ProtocolServerOptions { Tls = options });
        for (int i = 0; i < 20; i++)
        {
            var socket = await Loopback.ConnectAsync(server.LocalEndPoint);
            await using var client = new SslStream(new System.Net.Sockets.NetworkStream(socket, ownsSocket: true));
            using var cts = new CancellationTokenSource(Loopback.Timeout);
            await client.AuthenticateAsClientAsync(TlsTestSupport.ClientOptions(), cts.Token);
            await client.WriteAsync(new byte[] { 1, 2, 3 }, cts.Token); // follows the Finished, often in one segment
            Assert.Equal(new byte[] { 1, 2, 3 }, await TlsTestSupport.ReadExactlyAsync(client, 3));
        }
    }

    [Theory]
    [InlineData(Engine.OpenSsl)]
    [InlineData(Engine.SslStream)]
    public async Task Both_engines_send_the_intermediates_of_the_certificate_context(Engine engine)
    {
        // root -> intermediate -> leaf; the client trusts only the root and has no other way to find the intermediate.
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow;
        using var root = CertificateAuthority("CN=PSDK Test Root", rootKey).CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        using var intermediate = CertificateAuthority("CN=PSDK Test Intermediate", intermediateKey)
            .Create(root, now.AddMinutes(-5), now.AddHours(20), [1, 2, 3, 4]);
        var leafRequest = new CertificateRequest("CN=localhost", leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        leafRequest.CertificateExtensions.Add(san.Build());
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, critical: false));
        using var intermediateWithKey = intermediate.CopyWithPrivateKey(intermediateKey);
        using var leafPublic = leafRequest.Create(intermediateWithKey, now.AddMinutes(-5), now.AddHours(10), [5, 6, 7, 8]);
        using var leafWithKey = leafPublic.CopyWithPrivateKey(leafKey);
        using var leaf = X509CertificateLoader.LoadPkcs12(leafWithKey.Export(X509ContentType.Pfx), password: null);
        using var intermediatePublic = X509CertificateLoader.LoadCertificate(intermediate.RawData);

        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(leaf, [intermediatePublic], offline: true),
        };
        if (engine == Engine.SslStream) OpenSslContext.UseSslStreamFor(options);
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => new TlsEchoProtocol { Echo = true },
            new ProtocolServerOptions { Tls = options });

        int chainLength = 0;
        var policyErrors = SslPolicyErrors.None;
        var clientOptions = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { X509CertificateLoader.LoadCertificate(root.RawData) },
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            },
            RemoteCertificateValidationCallback = (_, _, chain, errors) =>
            {
                chainLength = chain?.ChainElements.Count ?? 0;
                policyErrors = errors;
                return errors == SslPolicyErrors.None;
            },
        };
        await using var client = await TlsTestSupport.ConnectTlsAsync(server.LocalEndPoint, clientOptions);
        Assert.Equal(SslPolicyErrors.None, policyErrors);
        Assert.Equal(3, chainLength); // leaf, the intermediate the server sent, the trusted root
    }

    private static CertificateRequest CertificateAuthority(string subject, ECDsa key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        return request;
    }

    private static X509Certificate2 CreateRsaCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), password: null);
    }
}

// Alone: TLS tests running meanwhile keep asking for trims, and a trim waits for half a second without any.
[Collection(nameof(NonParallelCollection))]
public class NativeHeapTrimTests
{
    [Fact]
    public async Task A_requested_trim_runs_within_seconds_and_a_later_request_schedules_another()
    {
        NativeHeapTrim.Request();
        NativeHeapTrim.Request(); // coalesced with the first
        await Loopback.WaitUntilAsync(() => !NativeHeapTrim.IsPending, "the trim to run");
        NativeHeapTrim.Request();
        Assert.True(NativeHeapTrim.IsPending || !OperatingSystem.IsLinux());
        await Loopback.WaitUntilAsync(() => !NativeHeapTrim.IsPending, "the second trim to run");
    }
}
